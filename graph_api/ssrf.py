"""No server-side request forgery: nothing a request sends makes the service fetch another resource, unless allowed.

What could make it fetch, and what is done (measured with pyoxigraph 0.5.13 against a loopback server that records
its requests: ``tests/test_ssrf.py``):

- SPARQL ``SERVICE <url>`` (``SERVICE SILENT`` too): pyoxigraph calls the URL with its own HTTP client.
  :func:`refuse_service` refuses a query that names SERVICE (400 :class:`RemoteAccessRefused`) unless
  ``GRAPH_API_ALLOW_SERVICE`` is true; the keyword is found by :func:`graph_api.sparql_text.keyword_found`, which is
  not fooled by strings, IRIs, comments, names, escapes, codepoint escapes or a missing space.
- SPARQL Update ``LOAD <url>``: pyoxigraph fetches it. :func:`refuse_remote_load` refuses an update that names LOAD
  unless ``GRAPH_API_ALLOW_LOAD`` is true. The service is read-only today; whatever runs updates must call it (and
  :func:`refuse_service`, since an update's WHERE may hold a SERVICE) on every update.
- JSON-LD remote contexts (``"@context": "http://…"``, in an array, ``@import``, scoped contexts): pyoxigraph has no
  document loader and refuses them without a request; :func:`screen_submission` refuses them first, with a 400 that
  says so. Never allowed: inline the context.
- XML external entities (``<!ENTITY x SYSTEM "file:///…">``, parameter entities): pyoxigraph's RDF/XML parser
  refuses them without reading anything; :func:`screen_submission` refuses them first (400). Internal entities stay
  allowed (Protégé writes ``&owl;``), their expansion bounded (:data:`XML_EXPANSION_FACTOR`): pyoxigraph expands a
  "billion laughs" in full (49 s and gigabytes for a 1 KB body). An external DTD is allowed: nobody reads it.

:func:`screen_submission` also bounds how deep a JSON-LD or RDF/XML body nests (:data:`graph_api.limits.MAX_NESTING`).
It reads an RDF/XML body once with the standard library's expat (a conforming, non-validating XML parser that loads
nothing external) before pyoxigraph does.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final
from xml.parsers import expat

import pyoxigraph as ox

from graph_api.errors import LimitExceeded, LoadError, RemoteAccessRefused
from graph_api.limits import MAX_NESTING, check_json_nesting, nesting_exceeded
from graph_api.sparql_text import keyword_found

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graph_api.settings import Settings

#: The text and attribute values of an RDF/XML body, entities expanded, may be at most this many times its size…
XML_EXPANSION_FACTOR: Final = 8
#: … plus this many characters.
XML_EXPANSION_ALLOWANCE: Final = 1_048_576

_TARGET: Final = re.compile(r"(?i)(?:SERVICE|LOAD)\s+(?:SILENT\s+)?(<[^<>\s]*>)")


def _target(text: str) -> str | None:
    found = _TARGET.search(text)
    return found[1] if found else None


def refuse_service(query: str, settings: Settings) -> None:
    """:class:`RemoteAccessRefused` when the query (or update) uses SERVICE and ``allow_service`` is off."""
    if not settings.allow_service:
        refuse_any_service(query)


def refuse_any_service(query: str) -> None:
    """:class:`RemoteAccessRefused` when the query (or update) uses SERVICE (whatever the settings)."""
    if not keyword_found(query, "SERVICE"):
        return
    raise RemoteAccessRefused(
        "SERVICE (federated query) is disabled: this service does not call other endpoints "
        "(GRAPH_API_ALLOW_SERVICE=true allows it)",
        feature="SERVICE",
        target=_target(query),
        setting="GRAPH_API_ALLOW_SERVICE",
    )


def refuse_remote_load(update: str, settings: Settings) -> None:
    """:class:`RemoteAccessRefused` when the SPARQL Update uses LOAD and ``allow_load`` is off. Call it, with
    :func:`refuse_service`, on every update before running it."""
    if settings.allow_load or not keyword_found(update, "LOAD"):
        return
    raise RemoteAccessRefused(
        "LOAD is disabled: this service does not fetch documents from URLs (GRAPH_API_ALLOW_LOAD=true allows it)",
        feature="LOAD",
        target=_target(update),
        setting="GRAPH_API_ALLOW_LOAD",
    )


# -- submitted RDF -------------------------------------------------------------------------------------------------


def screen_submission(body: bytes, fmt: ox.RdfFormat) -> None:
    """Refuse, before parsing, a body that would make the parser fetch something or recurse too deep: remote
    JSON-LD contexts, XML external entities, an entity expansion out of bounds, nesting over ``MAX_NESTING``."""
    if fmt == ox.RdfFormat.JSON_LD:
        _screen_json_ld(body.decode("utf-8-sig"))
    elif fmt == ox.RdfFormat.RDF_XML:
        _screen_xml(body)


def _screen_json_ld(text: str) -> None:
    check_json_nesting(text, "the JSON-LD body")
    try:
        document = json.loads(text)
    except ValueError:
        return  # not JSON: pyoxigraph's parser says where
    reference = next(remote_contexts(document), None)
    if reference is not None:
        raise RemoteAccessRefused(
            f"the JSON-LD body refers to the context {reference!r}: remote contexts are never fetched; put the "
            "context in the document",
            feature="JSON-LD remote context",
            target=reference,
        )


def remote_contexts(document: Any) -> Iterator[str]:
    """The references to other documents in a JSON-LD document's contexts (``@context`` strings, in arrays or
    not, and ``@import``), at any depth, scoped contexts included."""
    todo = [document]
    while todo:
        item = todo.pop()
        if isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    contexts = value if isinstance(value, list) else [value]
                    yield from (c for c in contexts if isinstance(c, str))
                elif key == "@import" and isinstance(value, str):
                    yield value
                todo.append(value)


def _screen_xml(body: bytes) -> None:
    budget = XML_EXPANSION_FACTOR * len(body) + XML_EXPANSION_ALLOWANCE
    depth = 0
    expanded = 0

    def spend(characters: int) -> None:
        nonlocal expanded
        expanded += characters
        if expanded > budget:
            raise LimitExceeded(
                f"the RDF/XML body's entities expand it to more than {budget} characters "
                f"({XML_EXPANSION_FACTOR} times its size, plus {XML_EXPANSION_ALLOWANCE})",
                limit="xml_entity_expansion",
                maximum=budget,
            )

    def start(_name: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_NESTING:
            raise nesting_exceeded("the RDF/XML body", depth)
        spend(sum(len(value) for value in attributes.values()))

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(name: str, _parameter: bool, value: str | None, _base: str | None, system_id: str | None,
               public_id: str | None, _notation: str | None) -> None:  # fmt: skip
        if value is None:
            where = system_id or public_id or "an external resource"
            raise RemoteAccessRefused(
                f"the RDF/XML body declares the external entity {name!r} ({where}); such entities are never read",
                feature="XML external entity",
                target=system_id or public_id,
            )

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda data: spend(len(data))
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        message = expat.ErrorString(exc.code) or str(exc)
        raise LoadError("request body", f"not well-formed XML: {message}", line=exc.lineno) from None
