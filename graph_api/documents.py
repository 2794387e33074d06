"""Documents as the frontend sees them: items (one line of a list) and details (one page), read from the store.

An item is ``id`` (IRI), ``key``, ``symbol``, ``type`` (the most specific ontology class, local name, e.g.
``ImplementationPlan``), ``typeCode`` (``KH``), ``title`` (Vietnamese) and ``titleEn``, ``issuer`` {``id``,
``label``, ``labelEn``} and ``date`` (ISO, or None). A detail adds who signed, the indicators and targets, the tasks
and assignments, the related documents, the sources with their quotes and the uncertain facts (docs/model.md):
see :mod:`graph_api.document_detail`.

Keys. A document's *key* is its IRI without the base: ``document/ubnd-thanh-pho-ha-noi/kh/2022/306`` for
``https://w3id.org/vn-directives/id/document/ubnd-thanh-pho-ha-noi/kh/2022/306``. :func:`find_document` reads a key,
an absolute IRI or a symbol in any written form (:mod:`graph_api.resolve`).

The items of all documents are read with one query per store revision and cached.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api.errors import AmbiguousSymbol, BadRequest, DocumentNotFound
from graph_api.resolve import fold, resolve, resolve_one

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from graph_api.store import GraphStore

PROLOGUE: Final = """PREFIX dh: <https://w3id.org/vn-directives/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <https://schema.org/>
PREFIX cert: <https://w3id.org/vn-directives/code/certainty/>
"""

_ITEMS: Final = (
    PROLOGUE
    + """SELECT ?doc ?class ?symbol ?title ?titleEn ?issuer ?issuerLabel ?issuerLabelEn ?date ?typeCode ?issuerCode
WHERE {
  ?doc a ?class . ?class rdfs:subClassOf* dh:Document .
  FILTER NOT EXISTS { ?doc a ?other . ?other rdfs:subClassOf+ ?class . FILTER(?other != ?class) }
  OPTIONAL { ?doc dh:symbol ?symbol }
  OPTIONAL { ?doc dh:title ?title FILTER(LANG(?title) IN ("vi", "")) }
  OPTIONAL { ?doc dh:title ?titleEn FILTER(LANG(?titleEn) = "en") }
  OPTIONAL { ?doc dh:issuedBy ?issuer
    OPTIONAL { ?issuer skos:prefLabel ?issuerLabel FILTER(LANG(?issuerLabel) IN ("vi", "")) }
    OPTIONAL { ?issuer skos:prefLabel ?issuerLabelEn FILTER(LANG(?issuerLabelEn) = "en") } }
  OPTIONAL { ?doc dh:issueDate ?date }
  OPTIONAL { ?doc dh:documentType/skos:notation ?typeCode }
  OPTIONAL { ?doc dh:issuerCode/skos:notation ?issuerCode }
}"""
)
_ANCESTORS: Final = (
    PROLOGUE + "SELECT DISTINCT ?doc ?type WHERE { ?doc a/rdfs:subClassOf* ?type . ?type rdfs:subClassOf* dh:Document }"
)
_EXISTS: Final = "SELECT ?iri WHERE { ?iri ?p ?o } LIMIT 1"


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that orders embedded numbers by value: ``…/group/2`` before ``…/group/10``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text))


def select_values(store: GraphStore, query: str, **bindings: str) -> list[dict[str, str]]:
    """Rows of a SELECT as ``{variable: lexical value}`` (unbound variables left out); ``bindings`` are IRIs."""
    solutions = store.select(query, substitutions={k: ox.NamedNode(v) for k, v in bindings.items()})
    names = [v.value for v in solutions.variables]
    rows: list[dict[str, str]] = []
    for solution in solutions:
        row: dict[str, str] = {}
        for name in names:
            term = solution[name]
            if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
                row[name] = term.value
        rows.append(row)
    return rows


def number(text: str | None) -> int | float | None:
    """A decimal or integer literal as a JSON number (int when integral); None when absent or unreadable."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Ref:
    """A node shown by its IRI and label(s): an issuer, an agency, a task, a post."""

    id: str
    label: str | None = None
    label_en: str | None = None

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"id": self.id, "label": self.label}
        if self.label_en is not None:
            found["labelEn"] = self.label_en
        return found


@dataclass(frozen=True)
class DocumentItem:
    """One document as a list shows it."""

    id: str
    key: str
    symbol: str | None
    type: str | None
    type_code: str | None
    title: str | None
    title_en: str | None
    issuer: Ref | None
    issuer_code: str | None
    date: str | None
    types: frozenset[str] = frozenset()

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "symbol": self.symbol,
            "type": self.type,
            "typeCode": self.type_code,
            "title": self.title,
            "titleEn": self.title_en,
            "issuer": self.issuer.to_dict() if self.issuer is not None else None,
            "date": self.date,
        }


def document_key(iri: str, base: str) -> str:
    """The URL-safe key of an IRI: the IRI without the base (``document/…``); other IRIs are their own key."""
    return iri[len(base) :] if iri.startswith(base) else iri


class DocumentIndex:
    """Items of every document of one store revision, in a stable order (date, then IRI; undated last)."""

    def __init__(self, store: GraphStore, base: str) -> None:
        self.revision = store.revision
        self.base = base
        ancestors: dict[str, set[str]] = {}
        for row in select_values(store, _ANCESTORS):
            ancestors.setdefault(row["doc"], set()).add(local_name(row["type"]))
        items: dict[str, DocumentItem] = {}
        for row in select_values(store, _ITEMS):
            iri = row["doc"]
            if iri in items:
                continue
            issuer = row.get("issuer")
            items[iri] = DocumentItem(
                id=iri,
                key=document_key(iri, base),
                symbol=row.get("symbol"),
                type=local_name(row["class"]),
                type_code=row.get("typeCode"),
                title=row.get("title"),
                title_en=row.get("titleEn"),
                issuer=Ref(issuer, row.get("issuerLabel"), row.get("issuerLabelEn")) if issuer else None,
                issuer_code=row.get("issuerCode"),
                date=row.get("date"),
                types=frozenset(ancestors.get(iri, ())),
            )
        self.items = sorted(items.values(), key=lambda item: (item.date is None, item.date or "", item.id))
        self.by_iri = {item.id: item for item in self.items}

    def item(self, iri: str) -> DocumentItem:
        """The item of a document; a bare item (IRI and key only) for a node that is not a typed document."""
        found = self.by_iri.get(iri)
        if found is not None:
            return found
        return DocumentItem(iri, document_key(iri, self.base), None, None, None, None, None, None, None, None)

    def type_names(self) -> list[str]:
        """Every value the ``type`` filter accepts: class local names and type codes."""
        names = {name for item in self.items for name in item.types}
        names |= {item.type_code for item in self.items if item.type_code}
        return sorted(names)


def document_index(store: GraphStore, base: str) -> DocumentIndex:
    """The index of the store's current revision, cached until the store changes."""
    return store.derived((DocumentIndex, base), lambda current: DocumentIndex(current, base))


# -- finding one document ----------------------------------------------------------------------------------------


class AmbiguousDocument(AmbiguousSymbol):
    """:class:`AmbiguousSymbol` with the candidates as items, so that a client can offer the choice (HTTP 300)."""

    def __init__(self, text: str, candidates: Sequence[DocumentItem]) -> None:
        super().__init__(text, [item.id for item in candidates])
        self.items = list(candidates)

    def extra(self) -> dict[str, Any]:
        return super().extra() | {"choices": [item.to_dict() for item in self.items]}


_ABSOLUTE = re.compile(r"^<?[a-zA-Z][a-zA-Z0-9+.-]*://")


def valid_iri(text: str) -> bool:
    """Whether ``text`` is an IRI pyoxigraph accepts (no spaces, no ``{``, ``|``, control characters…)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def find_document(store: GraphStore, key: str, base: str) -> str:
    """The IRI of the document a key, an absolute IRI or a written symbol stands for.

    Raises :class:`DocumentNotFound` (with the nearest keys or symbols) or :class:`AmbiguousDocument`.
    """
    text = key.strip()
    if not text:
        raise BadRequest("a document key, IRI or symbol is required")
    if _ABSOLUTE.match(text):
        if not valid_iri(text.removeprefix("<").removesuffix(">")):
            raise DocumentNotFound(text)
        return resolve_one(store, text)
    if text.startswith("document/"):
        iri = base + text
        if not valid_iri(iri):
            raise DocumentNotFound(text)
        index = document_index(store, base)
        if iri in index.by_iri or bool(select_values(store, _EXISTS, iri=iri)):
            return iri
        keys = [item.key for item in index.items]
        raise DocumentNotFound(text, difflib.get_close_matches(text, keys, n=5, cutoff=0.6))
    try:
        return resolve_one(store, text)
    except AmbiguousSymbol as exc:
        index = document_index(store, base)
        raise AmbiguousDocument(text, [index.item(iri) for iri in exc.candidates]) from exc


# -- listing -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentPage:
    """One page of a filtered list: ``total`` matches, ``items`` from ``offset``, at most ``limit``."""

    total: int
    limit: int
    offset: int
    items: tuple[DocumentItem, ...]
    nearest: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "items": [item.to_dict() for item in self.items],
        }
        if self.nearest:
            found["nearest"] = list(self.nearest)
        return found


def _issuer_matches(item: DocumentItem, wanted: str, base: str) -> bool:
    if item.issuer is not None and item.issuer.id in {wanted, base + wanted, f"{base}agency/{wanted}"}:
        return True
    return item.issuer_code is not None and fold(item.issuer_code) == fold(wanted)


def list_documents(
    store: GraphStore,
    base: str,
    *,
    symbol: str | None = None,
    type: str | None = None,
    issuer: str | None = None,
    year: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> DocumentPage:
    """Documents matching every filter given, in date order.

    ``symbol`` is any written form (all documents that have it: a symbol may be ambiguous); ``type`` a class local
    name (superclasses match: ``Programme``) or a type code (``KH``); ``issuer`` an agency IRI, key
    (``agency/thanh-uy-ha-noi``), slug or issuer code (``UBND``); ``year`` the issue year.
    """
    index = document_index(store, base)
    items: Iterable[DocumentItem] = index.items
    nearest: tuple[str, ...] = ()
    if symbol is not None:
        try:
            wanted = set(resolve(store, symbol))
        except DocumentNotFound as exc:
            wanted, nearest = set(), tuple(exc.nearest)
        items = [item for item in items if item.id in wanted]
    if type is not None:
        known = index.type_names()
        if fold(type) not in {fold(name) for name in known}:
            raise BadRequest(f"unknown document type {type!r}; use one of: {', '.join(known)}")
        items = [i for i in items if any(fold(t) == fold(type) for t in (*i.types, i.type_code or ""))]
    if issuer is not None:
        items = [item for item in items if _issuer_matches(item, issuer.strip(), base)]
    if year is not None:
        items = [item for item in items if item.year == year]
    matched = list(items)
    return DocumentPage(len(matched), limit, offset, tuple(matched[offset : offset + limit]), nearest)
