"""From a document written as JSON (:mod:`graph_api.document_input`) to its triples, modelled as docs/model.md and
data/*.ttl model them: the document IRI minted from issuer + type + number + year (or term, or short title), the
nodes attached under that IRI (indicators, targets, groups, tasks, assignments, appendices, statements), the
evidence nodes they cite, and a ``dh:Statement`` for every relation, issue date and declared indicator or task count.

The conversion only reads the store, for the shared nodes a document points at (:mod:`graph_api.document_refs`),
and is deterministic: the same JSON gives the same triples, so replacing a document by the JSON that
:func:`graph_api.document_edit.document_for_edit` returned is an empty change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox
from pydantic.alias_generators import to_snake

from graph_api.document_detail import RELATION_FIELDS
from graph_api.document_input import check_date, json_path, parse_document
from graph_api.document_nodes import EVIDENCE, A, NodeWriter, Object, dh, integer, plain
from graph_api.document_refs import documents_written, related_document
from graph_api.errors import IdentityMismatch, InvalidDocument
from graph_api.iris import DEFAULT_BASE, document_iri
from graph_api.namespaces import RDF, SKOS, XSD
from graph_api.resolve import fold, parse_symbol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graph_api.document_input import DocumentIn, EvidenceIn, NoteIn, StatementIn
    from graph_api.store import GraphStore

#: Relations between documents: (attribute of :class:`DocumentIn`, property local name, which is the JSON name).
RELATIONS: Final = tuple((to_snake(name), name) for _, name in RELATION_FIELDS)
#: What a statement can be about, and the kind of its value.
STATEMENT_PROPERTIES: Final = {
    **{name: "document" for _, name in RELATIONS},
    "issueDate": "date",
    "declaredIndicatorCount": "count",
    "declaredTaskCount": "count",
}

_DATE: Final = ox.NamedNode(str(XSD.date))


@dataclass(frozen=True)
class DocumentRdf:
    """The triples of one document: its own, its attached nodes' and its evidence nodes', the same set
    :func:`graph_api.document_edit.document_closure` reads back from the store once they are stored."""

    iri: str
    triples: frozenset[ox.Triple]

    def ntriples(self) -> str:
        """The triples as N-Triples, one per line, sorted: byte-identical for the same document."""
        return "".join(sorted(f"{triple} .\n" for triple in self.triples))


def document_to_rdf(payload: object, *, store: GraphStore, base: str = DEFAULT_BASE) -> DocumentRdf:
    """The triples of the document ``payload`` describes (parsed JSON, or a :class:`DocumentIn`).

    Raises a :class:`graph_api.errors.DocumentInputError` naming the JSON path at fault: :class:`InvalidDocument`,
    :class:`MissingEvidence`, :class:`UnresolvedReference`, :class:`AmbiguousReference` or
    :class:`IdentityMismatch`.
    """
    return _Converter(parse_document(payload), store, base).run()


@dataclass
class _Fact:
    """A relation, issue date or declared count the document states: where, and the evidence given with it."""

    path: str
    evidence: list[EvidenceIn] = field(default_factory=list)


class _Converter(NodeWriter):
    def __init__(self, doc: DocumentIn, store: GraphStore, base: str) -> None:
        super().__init__(doc, store, base)
        self.number: str | None = None  # the identity, from _identity
        self.type_code = ""
        self.issuer_code: str | None = None
        self.issuer: str | None = None
        self.facts: dict[tuple[str, Object], _Fact] = {}
        self.statements: set[str] = set()

    def run(self) -> DocumentRdf:
        self.iri = self._identity()
        self._document()
        self._facts()
        self.write_nodes()
        self._statements()
        return DocumentRdf(self.iri, frozenset(self.triples))

    # -- the document ----------------------------------------------------------------------------------------

    def _identity(self) -> str:
        """The document's IRI, from issuer + type + number + year (or Party term, or short title)."""
        doc = self.doc
        parsed = parse_symbol(doc.symbol) if doc.symbol is not None else None
        if doc.symbol is not None and parsed is None:
            raise InvalidDocument([("$.symbol", f"cannot read {doc.symbol!r} as a symbol (15-NQ/TW, 306/KH-UBND…)")])
        if doc.number and parsed and doc.number != parsed.number:
            raise InvalidDocument([("$.number", f"{doc.number!r} is not the number of symbol {doc.symbol!r}")])
        written = doc.type_code or (parsed.type_code if parsed else None)
        if written is None:
            raise InvalidDocument([("$.typeCode", "required when there is no symbol")])
        if parsed and fold(parsed.type_code) != fold(written):
            raise InvalidDocument([("$.typeCode", f"{written!r} is not the type of symbol {doc.symbol!r}")])
        self.number = doc.number or (parsed.number if parsed else None)
        self.type_code = self.shared.code("doc-type", written, "$.typeCode" if doc.type_code else "$.symbol")
        issuer_code = parsed.issuer_code if parsed else None
        self.issuer_code = self.shared.code("issuer-code", issuer_code, "$.symbol") if issuer_code else None
        self.issuer = self._ref("agency", doc.issuer, "$.issuer")
        term = self.shared.known("term", doc.term, "$.term") if doc.term else None
        title = doc.short_title or doc.title
        if not self.number and not title:
            raise InvalidDocument([("$", "a document needs a number (or a symbol), or a title or shortTitle")])
        try:
            minted = document_iri(
                self.issuer.rsplit("/", 1)[-1] if self.issuer else None,
                self.shared.notation("doc-type", self.type_code),
                number=self.number,
                year=int(doc.date[:4]) if doc.date else (parsed.year if parsed else None),
                term=term.rsplit("/", 1)[-1] if term else None,
                title=title,
                base=self.base,
            )
        except ValueError as exc:
            raise InvalidDocument([("$.number" if self.number else "$.shortTitle", str(exc))]) from None
        if doc.id is not None and doc.id != minted:
            raise IdentityMismatch("$.id", doc.id, minted, "is not the IRI minted from issuer, type, number and year,")
        return minted

    def _document(self) -> None:
        doc, me = self.doc, self.iri
        self._add(me, A, self.shared.document_class(doc.type, "$.type"))
        self._add(me, dh("symbol"), plain(doc.symbol))
        self._add(me, dh("number"), plain(self.number))
        self._add(me, dh("documentType"), self.type_code)
        self._add(me, dh("issuerCode"), self.issuer_code)
        self._add(me, dh("issuedBy"), self.issuer)
        self._labels(me, dh("title"), doc.title, doc.title_en)
        if doc.signed_by is not None:
            signer = doc.signed_by
            self._add(me, dh("signedBy"), self.shared.node("person", signer.id, {"name": signer.name}, "$.signedBy"))
            self._add(me, dh("signedAs"), self._ref("post", signer.post, "$.signedBy.post"))
        if doc.author is not None:
            author = self.shared.node("person", doc.author.id, {"name": doc.author.name}, "$.author")
            self._add(me, dh("author"), author)
        self._add(me, dh("partyTerm"), doc.term)
        period = doc.period
        self._add(me, dh("periodStartYear"), integer(period.start if period else None))
        self._add(me, dh("periodEndYear"), integer(period.end if period else None))
        self._add(me, dh("visionYear"), integer(doc.vision_year))
        self._add(me, dh("declaredPurposeCount"), integer(doc.declared_purpose_count))
        self._evidence(me, doc.sources, "$.sources")

    def _facts(self) -> None:
        """The direct triples statements describe: relations, issue date, declared indicator and task counts."""
        doc = self.doc
        for attribute, name in RELATIONS:
            for i, item in enumerate(getattr(doc, attribute)):
                path = json_path(name, i)
                where = path + (".id" if item.id else ".symbol")
                target = related_document(self.store, self.base, item.id or item.symbol or "", where)
                symbol = item.symbol if item.id is not None else None
                if symbol is not None and target not in documents_written(self.store, symbol, path + ".symbol"):
                    raise InvalidDocument([(path + ".symbol", f"{symbol!r} does not stand for <{target}>")])
                self._fact(name, ox.NamedNode(target), path, item.evidence or ())
        if doc.date is not None:
            self._fact("issueDate", ox.Literal(doc.date, datatype=_DATE), "$.date")
        self._fact("declaredIndicatorCount", integer(doc.indicators.declared), "$.indicators.declared")
        self._fact("declaredTaskCount", integer(doc.tasks.declared), "$.tasks.declared")

    def _fact(self, name: str, obj: Object | None, path: str, evidence: Sequence[EvidenceIn] = ()) -> None:
        if obj is not None:
            self._add(self.iri, dh(name), obj)
            self.facts.setdefault((name, obj), _Fact(path)).evidence.extend(evidence)

    # -- statements ------------------------------------------------------------------------------------------

    def _statements(self) -> None:
        """The statements given, then one ``cert:stated`` statement per evidence of each fact none describes."""
        rows = [(json_path("statements", i), row) for i, row in enumerate(self.doc.statements)]
        rows += [(json_path("uncertainties", i), row) for i, row in enumerate(self.doc.uncertainties)]
        described: dict[tuple[str, Object], set[str]] = {}
        for path, row in rows:
            obj, cited_by = self._statement_row(row, path)
            if obj is not None:
                described.setdefault((row.property_, obj), set()).add(cited_by)
        stated = self.shared.code("certainty", "stated", "$")
        for (name, obj), fact in self.facts.items():
            supported = described.get((name, obj), set())
            cited = [(e, f"{fact.path}.evidence[{i}]") for i, e in enumerate(fact.evidence)]
            if not cited and not supported:
                cited = [self._default(fact.path, f"no statement or evidence supports {name} {obj.value}")]
            for evidence, path in cited:
                iri = self._evidence_node(evidence, path)
                if iri not in supported:
                    self._statement(name, obj, iri, stated, fact.path)

    def _statement_row(self, row: StatementIn, path: str) -> tuple[Object | None, str]:
        kind = STATEMENT_PROPERTIES.get(row.property_)
        if kind is None:
            known = ", ".join(STATEMENT_PROPERTIES)
            raise InvalidDocument([(path + ".property", f"unknown property {row.property_!r}; use one of: {known}")])
        obj = None if row.value is None else self._value(kind, row.value, path + ".value")
        if obj is not None and (row.property_, obj) not in self.facts:
            raise InvalidDocument([(path + ".value", f"the document does not state {row.property_} {obj.value}")])
        certainty = self.shared.code("certainty", row.certainty, path + ".certainty")
        given = (row.evidence, path + ".evidence") if row.evidence else self._default(path + ".evidence", "no evidence")
        evidence = self._evidence_node(*given)
        iri = self._statement(row.property_, obj, evidence, certainty, path, row.as_printed, row.note)
        if row.statement is not None and row.statement != iri:
            why = "is not the IRI minted from its value and evidence,"
            raise IdentityMismatch(path + ".statement", row.statement, iri, why)
        return obj, evidence

    def _value(self, kind: str, value: int | str, path: str) -> Object:
        if kind == "document" and isinstance(value, str):
            return ox.NamedNode(related_document(self.store, self.base, value, path))
        if kind == "date" and isinstance(value, str):
            try:
                return ox.Literal(check_date(value), datatype=_DATE)
            except ValueError as exc:
                raise InvalidDocument([(path, str(exc))]) from None
        if kind == "count" and (isinstance(value, int) or value.isdigit()):
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(str(XSD.integer)))
        wanted = {"document": "a document's IRI or symbol", "date": "a date YYYY-MM-DD", "count": "an integer"}[kind]
        raise InvalidDocument([(path, f"{value!r} is not {wanted}")])

    def _statement(
        self,
        name: str,
        obj: Object | None,
        evidence: str,
        certainty: str,
        path: str,
        as_printed: str | None = None,
        note: NoteIn | None = None,
    ) -> str:
        """Write a statement: ``{document}/statement/{property}-{8 hex of sha1("{object}|{evidence}")}``."""
        if obj is None:
            written = ""
        elif isinstance(obj, ox.NamedNode):
            written = self._canonical(obj.value)
        else:
            written = f'"{obj.value}"^^xsd:date' if obj.datatype == _DATE else obj.value
        digest = hashlib.sha1(f"{written}|{self._canonical(evidence)}".encode()).hexdigest()[:8]
        iri = f"{self.iri}/statement/{name}-{digest}"
        if iri in self.statements:
            raise InvalidDocument([(path, f"a second statement of {name} with the same value and evidence")])
        self.statements.add(iri)
        self._add(iri, A, dh("Statement"))
        self._add(iri, ox.NamedNode(str(RDF.subject)), self.iri)
        self._add(iri, ox.NamedNode(str(RDF.predicate)), dh(name))
        self._add(iri, ox.NamedNode(str(RDF.object)), obj)
        self._add(iri, dh("asPrinted"), plain(as_printed))
        self._add(iri, dh("certainty"), certainty)
        self._labels(iri, ox.NamedNode(str(SKOS.note)), note.vi if note else None, note.en if note else None)
        self._add(iri, EVIDENCE, evidence)
        return iri

    def _canonical(self, iri: str) -> str:
        """The IRI under the default base: statement IRIs do not depend on the configured base."""
        return DEFAULT_BASE + iri.removeprefix(self.base) if iri.startswith(self.base) else iri
