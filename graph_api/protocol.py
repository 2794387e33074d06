"""The SPARQL 1.1 Protocol query operation, read from an HTTP request without any web framework.

:func:`parse_request` takes the method, the raw query string, the Content-Type and the body, and returns a
:class:`ProtocolRequest` (or raises a typed 4xx error). The rules:

- GET: parameters in the query string. Without ``query`` (and without dataset parameters) the request asks for the
  service description.
- POST ``application/x-www-form-urlencoded``: parameters in the body (decoded exactly once, UTF-8) and the query
  string together. POST ``application/sparql-query``: the body is the query, UTF-8 only (a ``charset`` other than
  UTF-8 is a 415, bytes that are not UTF-8 a 400); the query string may carry the dataset parameters.
- exactly one ``query`` (none: 400, two: 400); ``default-graph-uri``/``named-graph-uri`` repeatable;
  ``format``/``output``/``results`` pick the result format (SPARQLWrapper sends all three); any other parameter: 400.
- SPARQL Update (an ``update`` parameter, ``using-graph-uri``/``using-named-graph-uri``, an
  ``application/sparql-update`` body, or an update operation sent as the query): 403 while writes are disabled.
  With ``updates=True`` (writes enabled; the router then checks the bearer token): POST only (GET: 400), exactly one
  ``update``, as a form parameter or the ``application/sparql-update`` body (UTF-8), ``using-graph-uri`` and
  ``using-named-graph-uri`` repeatable, never together with ``query``, ``default-graph-uri`` or ``named-graph-uri``
  (400); an update operation sent as ``query`` is a 400.
- any other Content-Type, or none, on a POST: 415.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl

import mimeparse  # type: ignore[import-untyped]

from graph_api.errors import BadRequest, UnsupportedMediaType, UpdateNotAllowed
from graph_api.negotiation import first_known_shortcut

if TYPE_CHECKING:
    from collections.abc import Sequence

FORM: Final = "application/x-www-form-urlencoded"
SPARQL_QUERY: Final = "application/sparql-query"
SPARQL_UPDATE: Final = "application/sparql-update"

DATASET_PARAMETERS: Final = ("default-graph-uri", "named-graph-uri")
FORMAT_PARAMETERS: Final = ("format", "output", "results")
UPDATE_PARAMETERS: Final = ("update", "using-graph-uri", "using-named-graph-uri")
#: Why an update is made (recorded in the audit trail): known only with updates enabled, only with an update.
CHANGE_PARAMETERS: Final = ("message", "source", "quote")
KNOWN_PARAMETERS: Final = ("query", *DATASET_PARAMETERS, *FORMAT_PARAMETERS)

_UPDATE_HINT: Final = "this endpoint is read-only: SPARQL Update is disabled (set GRAPH_API_WRITE_TOKEN)"

# Strings, IRIs and comments, blanked out before looking at keywords.
OPAQUE: Final = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_PROLOGUE: Final = re.compile(r"\s*(?:BASE\s+|PREFIX\s+[^\s:]*:\s*)", re.IGNORECASE)
_FIRST_WORD: Final = re.compile(r"\s*([A-Za-z]+)")
_UPDATE_WORDS: Final = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


@dataclass(frozen=True)
class ProtocolRequest:
    """What a protocol request asks: a query (None: the service description), its dataset and a format."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None
    update: str | None = None
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()
    message: str | None = None
    source: str | None = None
    quote: str | None = None

    @property
    def has_dataset(self) -> bool:
        """Whether the request names its dataset (which then replaces FROM/FROM NAMED and the service default)."""
        return bool(self.default_graphs or self.named_graphs)


def operation_keyword(text: str) -> str | None:
    """The first keyword after the prologue (``SELECT``, ``ASK``…, ``INSERT``…), upper-cased; None if there is none."""
    body = OPAQUE.sub(" ", text)
    position = 0
    while found := _PROLOGUE.match(body, position):
        position = found.end()
    word = _FIRST_WORD.match(body, position)
    return word[1].upper() if word else None


def is_update(text: str) -> bool:
    """Whether the text is a SPARQL Update request rather than a query (a cheap look, not a parse)."""
    return operation_keyword(text) in _UPDATE_WORDS


def _media_type(content_type: str | None) -> tuple[str | None, dict[str, str]]:
    if content_type is None or not content_type.strip():
        return None, {}
    try:
        main, sub, params = mimeparse.parse_mime_type(content_type)
    except (ValueError, mimeparse.MimeTypeParseException):
        raise UnsupportedMediaType(f"unreadable Content-Type {content_type!r}") from None
    return f"{main}/{sub}".lower(), {k.lower(): v.strip().strip('"') for k, v in params.items()}


def _check_charset(media: str, params: dict[str, str]) -> None:
    charset = params.get("charset")
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"{media} must be UTF-8, not charset={charset}")


def _utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {exc.start})") from None


def _pairs(encoded: str, what: str) -> list[tuple[str, str]]:
    """``name=value`` pairs, percent- and plus-decoded exactly once, as UTF-8."""
    try:
        return parse_qsl(encoded, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"the {what} has percent-escapes that are not UTF-8") from None
    except ValueError as exc:  # pragma: no cover - strict_parsing is off; kept for a malformed max_num_fields
        raise BadRequest(f"cannot read the {what}: {exc}") from None


def _check_names(pairs: Sequence[tuple[str, str]], *, updates: bool) -> None:
    names = {name for name, _ in pairs}
    if names & set(UPDATE_PARAMETERS) and not updates:
        raise UpdateNotAllowed(_UPDATE_HINT)
    known = (*KNOWN_PARAMETERS, *UPDATE_PARAMETERS, *CHANGE_PARAMETERS) if updates else KNOWN_PARAMETERS
    unknown = sorted(names - set(known))
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(map(repr, unknown))}; known: {', '.join(known)}")


def _body_pairs(content_type: str | None, body: bytes, *, has_query: bool, updates: bool) -> list[tuple[str, str]]:
    """The parameters a POST body carries, by its media type."""
    media, params = _media_type(content_type)
    if media == FORM:
        _check_charset(media, params)
        return _pairs(_utf8(body, "the form body"), "form body")
    if media == SPARQL_QUERY:
        _check_charset(media, params)
        if has_query:
            raise BadRequest("give the query either as the body or as a 'query' parameter, not both")
        return [("query", _utf8(body, "the query"))]
    if media == SPARQL_UPDATE:
        if not updates:
            raise UpdateNotAllowed(_UPDATE_HINT)
        _check_charset(media, params)
        return [("update", _utf8(body, "the update"))]
    accepted = f"{SPARQL_QUERY}, {SPARQL_UPDATE} or {FORM}" if updates else f"{SPARQL_QUERY} or {FORM}"
    if media is None:
        raise UnsupportedMediaType(f"a POST needs a Content-Type: {accepted}")
    raise UnsupportedMediaType(f"POST a query as {accepted}, not {media}")


def _update_request(method: str, values: dict[str, list[str]]) -> ProtocolRequest:
    """The update operation of a request that has an ``update`` parameter (or body) with updates enabled."""
    updates = values["update"]
    if method.upper() != "POST":
        raise BadRequest("an update must be sent with POST (a form or an application/sparql-update body)")
    if len(updates) > 1:
        raise BadRequest(f"give exactly one update, not {len(updates)}")
    mixed = [name for name in ("query", *DATASET_PARAMETERS) if name in values]
    if mixed:
        raise BadRequest(f"an update request may not have {', '.join(map(repr, mixed))}")
    if not updates[0].strip():
        raise BadRequest("the update is empty")
    why: dict[str, str | None] = dict.fromkeys(CHANGE_PARAMETERS)
    for name in CHANGE_PARAMETERS:
        given = values.get(name, [])
        if len(given) > 1:
            raise BadRequest(f"give '{name}' once, not {len(given)} times")
        if given:
            why[name] = given[0]
    return ProtocolRequest(
        None,
        update=updates[0],
        using_graphs=tuple(values.get("using-graph-uri", ())),
        using_named_graphs=tuple(values.get("using-named-graph-uri", ())),
        message=why["message"],
        source=why["source"],
        quote=why["quote"],
    )


def parse_request(
    method: str, query_string: str | bytes, content_type: str | None, body: bytes = b"", *, updates: bool = False
) -> ProtocolRequest:
    """Read a SPARQL protocol query (or, with ``updates``, update) request; see the module docstring for the
    rules. An update request has ``update`` set and no ``query``."""
    if isinstance(query_string, bytes):
        query_string = _utf8(query_string, "the query string")
    pairs = _pairs(query_string, "query string")
    if method.upper() == "POST":
        has_query = any(name in ("query", "update") for name, _ in pairs)
        pairs += _body_pairs(content_type, body, has_query=has_query, updates=updates)
    _check_names(pairs, updates=updates)
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    if "update" in values:
        return _update_request(method, values)
    using = [name for name in (*UPDATE_PARAMETERS, *CHANGE_PARAMETERS) if name in values]
    if using:
        raise BadRequest(f"{', '.join(map(repr, using))} belong to an update request, which has no 'update' here")
    queries = values.get("query", [])
    formats = [v for name in FORMAT_PARAMETERS for v in values.get(name, [])]
    shortcut = first_known_shortcut(formats)
    default_graphs = tuple(values.get("default-graph-uri", ()))
    named_graphs = tuple(values.get("named-graph-uri", ()))
    if len(queries) > 1:
        raise BadRequest(f"give exactly one 'query' parameter, not {len(queries)}")
    if not queries:
        if method.upper() == "GET" and not default_graphs and not named_graphs:
            return ProtocolRequest(None, format=shortcut)
        raise BadRequest("the 'query' parameter is missing")
    query = queries[0]
    if not query.strip():
        raise BadRequest("the query is empty")
    if is_update(query):
        if updates:
            raise BadRequest(f"send an update as the 'update' parameter or as {SPARQL_UPDATE}, not as 'query'")
        raise UpdateNotAllowed(_UPDATE_HINT)
    return ProtocolRequest(query, default_graphs, named_graphs, shortcut)
