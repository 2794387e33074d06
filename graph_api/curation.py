"""Writing documents as a curator does over HTTP, as plain functions: what a write says about itself (message,
source, quote), its body (JSON of :mod:`graph_api.document_input`, or RDF), its condition (``If-Match``), and the
commit through the store's :class:`~graph_api.transactions.Writer`.

The routers of :mod:`graph_api.http.writes` only read the request and serialise a :class:`WriteOutcome`.

- :func:`about_of`: the change's why; ``message`` is required, ``source`` an IRI (a ``dh:Source``), ``quote`` text
  (both strings brought to Unicode NFC, as every stored string is);
- :func:`read_json_body`: the JSON envelope ``{"message", "source", "quote", "document"}``, its nesting checked
  before it is parsed;
- :func:`document_subject`: the one document an RDF body describes;
- :func:`etag`, :func:`matches`: a document's version as an HTTP entity tag, and ``If-Match``/``If-None-Match``;
- :func:`add`, :func:`replace`, :func:`retract`: one commit each; the document's triples are computed from the store
  under the writer's lock, and the new version read before any later commit.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api.changes import About, add_document, exists, replace_document, retract_document, version
from graph_api.document_rdf import document_to_rdf
from graph_api.documents import document_key, find_document, valid_iri
from graph_api.errors import BadRequest, DocumentNotFound, IdentityMismatch, InvalidChange, PreconditionFailed
from graph_api.limits import check_json_nesting
from graph_api.namespaces import RDF

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from graph_api.changes import Change
    from graph_api.store import GraphStore
    from graph_api.transactions import CommitResult, Writer

#: Fields of the JSON envelope of a document write besides ``document``.
ABOUT_FIELDS: Final = ("message", "source", "quote")
_RDF_TYPE: Final = ox.NamedNode(str(RDF.type))
#: A document IRI relative to the base: document/{issuer}/{type}/{year or term}/{number or slug}.
_DOCUMENT_SEGMENTS: Final = 5

#: What a document write carries: parsed JSON (:mod:`graph_api.document_input`) or RDF triples.
DocumentBody = dict[str, Any] | list[ox.Triple]


@dataclass(frozen=True)
class WriteOutcome:
    """A committed write: the document, its version after it (None once retracted), and the commit."""

    document: str
    version: str | None
    result: CommitResult

    def to_dict(self, base: str) -> dict[str, Any]:
        """JSON-ready: the document, its key and version, the change number and record (None for an empty change,
        which is acknowledged but not recorded), the triples added and removed, and the warnings and infos on the
        nodes the change touches (a violation would have refused it)."""
        added, removed = self.result.change.count()
        return {
            "document": self.document,
            "key": document_key(self.document, base),
            "version": self.version,
            "change": self.result.number,
            "record": self.result.record,
            "added": added,
            "removed": removed,
            "report": self.result.report.to_dict(),
        }


def about_of(fields: Mapping[str, Any], principal: str, *, default_message: str | None = None) -> About:
    """The why of a change from ``message``, ``source`` and ``quote`` (JSON fields or query parameters)."""
    for name in ABOUT_FIELDS:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"'{name}' must be a string")
    message = fields.get("message") or default_message
    if not message or not message.strip():
        raise BadRequest("a write needs a 'message' saying why it is made (recorded in the audit trail)")
    source = fields.get("source") or None
    if source is not None and not valid_iri(source):
        raise BadRequest(f"'source' must be the IRI of a dh:Source, not {source!r}")
    quote = fields.get("quote") or None
    return About(
        message=unicodedata.normalize("NFC", message),
        principal=principal,
        source=source,
        quote=unicodedata.normalize("NFC", quote) if quote is not None else None,
    )


def read_json_body(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The document (``document``) and the why (``message``, ``source``, ``quote``) of a JSON write body."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not UTF-8 (byte {exc.start})") from None
    check_json_nesting(text)
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(envelope, dict):
        raise BadRequest('the body must be a JSON object {"message": …, "document": {…}}')
    unknown = sorted(set(envelope) - {*ABOUT_FIELDS, "document"})
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}; the body has message, source, quote, document")
    document = envelope.get("document")
    if not isinstance(document, dict):
        raise BadRequest("'document' must be a JSON object: the document, as GET /documents/{key}/edit gives it")
    return document, {name: envelope.get(name) for name in ABOUT_FIELDS}


def document_subject(triples: Iterable[ox.Triple], base: str) -> str:
    """The IRI of the one document the triples describe: the typed subject of the form
    ``{base}document/{issuer}/{type}/{year}/{number}``; :class:`InvalidChange` when there is none or several."""
    found = {
        t.subject.value
        for t in triples
        if t.predicate == _RDF_TYPE
        and isinstance(t.subject, ox.NamedNode)
        and t.subject.value.startswith(base + "document/")
        and len(t.subject.value[len(base) :].split("/")) == _DOCUMENT_SEGMENTS
    }
    if len(found) != 1:
        named = ", ".join(sorted(found)) or "none"
        raise InvalidChange(f"the body must describe exactly one typed document under {base}document/; found: {named}")
    return found.pop()


def document_iri(store: GraphStore, key: str, base: str) -> str:
    """The document a key names (:func:`graph_api.documents.find_document`), or, for one that no longer exists
    (retracted; its history and past states remain), the IRI its key or IRI spells."""
    try:
        return find_document(store, key, base)
    except DocumentNotFound:
        text = key.strip()
        iri = text if text.startswith(base) else base + text.lstrip("/")
        if iri.startswith(base + "document/") and valid_iri(iri):
            return iri
        raise


def etag(document_version: str) -> str:
    """The HTTP entity tag of a document version (strong)."""
    return f'"{document_version}"'


def matches(header: str | None, document_version: str | None) -> bool:
    """Whether an ``If-Match``/``If-None-Match`` value names this version (``*``: any existing one). Weak tags
    (``W/"…"``) never match: the comparison is the strong one."""
    if header is None or document_version is None:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or etag(document_version) in tags


def _precondition(iri: str, if_match: str | None) -> Callable[[GraphStore], None] | None:
    """The commit's precondition for an ``If-Match`` header: the document still has one of the versions named."""
    if if_match is None or if_match.strip() == "*":
        return None

    def check(store: GraphStore) -> None:
        current = version(store, iri)
        if not matches(if_match, current):
            raise PreconditionFailed(
                f"<{iri}> has changed since the version If-Match names ({if_match.strip()}); GET it again",
                expected=if_match.strip(),
                current=etag(current),
            )

    return check


def _triples(store: GraphStore, body: DocumentBody, base: str) -> tuple[str, set[ox.Triple]]:
    if isinstance(body, dict):
        converted = document_to_rdf(body, store=store, base=base)
        return converted.iri, set(converted.triples)
    return document_subject(body, base), set(body)


def _commit(
    writer: Writer,
    iri: str,
    change: Callable[[GraphStore], Change],
    *,
    precondition: Callable[[GraphStore], None] | None = None,
) -> WriteOutcome:
    with writer.serialized() as store:
        result = writer.commit(change, precondition=precondition)
        current = version(store, iri) if exists(store, iri) else None
    return WriteOutcome(iri, current, result)


def add(writer: Writer, body: DocumentBody, about: About, *, base: str) -> WriteOutcome:
    """Add a new document (:class:`DocumentExists` when its IRI is taken)."""
    minted: list[str] = []

    def change(store: GraphStore) -> Change:
        iri, triples = _triples(store, body, base)
        minted.append(iri)
        return add_document(store, iri, triples, about=about, base=base)

    with writer.serialized() as store:
        result = writer.commit(change)
        iri = minted[-1]
        return WriteOutcome(iri, version(store, iri), result)


def replace(
    writer: Writer, iri: str, body: DocumentBody, about: About, *, base: str, if_match: str | None
) -> WriteOutcome:
    """Replace the document ``iri`` (the one the URL names) by the body, if it still has a version ``if_match``
    names (when given)."""

    def change(store: GraphStore) -> Change:
        described, triples = _triples(store, body, base)
        if described != iri:
            raise IdentityMismatch("$", described, iri, "is the document the body describes, not the one addressed,")
        return replace_document(store, iri, triples, about=about, base=base)

    return _commit(writer, iri, change, precondition=_precondition(iri, if_match))


def retract(writer: Writer, iri: str, about: About, *, if_match: str | None) -> WriteOutcome:
    """Retract the document and its closure (evidence other nodes cite stays), if ``if_match`` holds."""
    return _commit(
        writer, iri, lambda store: retract_document(store, iri, about=about), precondition=_precondition(iri, if_match)
    )


__all__ = [
    "ABOUT_FIELDS",
    "DocumentBody",
    "WriteOutcome",
    "about_of",
    "add",
    "document_iri",
    "document_subject",
    "etag",
    "matches",
    "read_json_body",
    "replace",
    "retract",
]
