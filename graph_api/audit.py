"""The audit trail: every committed change as PROV-O in the named graph ``…/graph/audit/log``, outside the union.

A change is recorded, in the same Oxigraph transaction as the change itself (:mod:`graph_api.transactions`), as::

    <{base}change/{n}> a prov:Activity, dh:Change ;
        dh:changeNumber n ;                                  # 1, 2, 3… over the store's life (rebuilds included)
        prov:wasAssociatedWith <{base}agent/{principal}> ;   # a prov:Agent whose rdfs:label is the principal
        prov:startedAtTime "…Z"^^xsd:dateTime ; prov:endedAtTime "…Z"^^xsd:dateTime ;
        rdfs:comment "the message" ;
        dh:evidence <{base}change/{n}/evidence> ;            # a dh:Evidence: dh:source <source> ; dh:quote "…"@vi
        prov:used <document>, … ; dh:changedDocument <document>, … ;
        dh:added <{base}change/{n}/added/1>, … ; dh:removed <{base}change/{n}/removed/1>, … .
    <{base}change/{n}/added/1> a rdf:Statement ; rdf:subject … ; rdf:predicate … ; rdf:object … ; dh:inGraph <g> .

The source and quote are recorded on a ``dh:Evidence`` node because ``dh:source`` and ``dh:quote`` are
properties of evidence (their domain): the change cites evidence as every fact of the graph does.

Queries reach the log with ``GRAPH <https://w3id.org/vn-directives/graph/audit/log> { … }``; validation never sees
it (it validates the default graph). :func:`history` lists a document's changes, newest first; :func:`as_of` gives
a document's closure as it was at a moment, the current one with every later change undone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

import pyoxigraph as ox

from graph_api.changes import closure_in, document_nodes
from graph_api.iris import DEFAULT_BASE
from graph_api.namespaces import DH, PROV, RDF, RDFS, XSD
from graph_api.store import DEFAULT_GRAPH, graph_iri, in_union

if TYPE_CHECKING:
    from graph_api.changes import Change
    from graph_api.store import GraphStore

#: The named graph of the change log (kind ``audit``: not part of the union, not validated).
AUDIT_GRAPH: Final = graph_iri("audit", "log")

_A: Final = ox.NamedNode(str(RDF.type))
_INTEGER: Final = ox.NamedNode(str(XSD.integer))
_DATETIME: Final = ox.NamedNode(str(XSD.dateTime))


def _n(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def stamp(moment: datetime) -> ox.Literal:
    """A moment as an ``xsd:dateTime`` literal in UTC, to the microsecond."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return ox.Literal(text, datatype=_DATETIME)


def change_iri(number: int, base: str = DEFAULT_BASE) -> str:
    return f"{base}change/{number}"


def agent_iri(principal: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}agent/{quote(principal, safe='')}"


def record(
    change: Change, *, number: int, started: datetime, ended: datetime, base: str = DEFAULT_BASE
) -> set[ox.Triple]:
    """The audit triples of a committed change (module docstring), for :data:`AUDIT_GRAPH`."""
    activity = ox.NamedNode(change_iri(number, base))
    triples = {
        ox.Triple(activity, _A, _n(PROV.Activity)),
        ox.Triple(activity, _A, _n(DH.Change)),
        ox.Triple(activity, _n(DH.changeNumber), ox.Literal(str(number), datatype=_INTEGER)),
        ox.Triple(activity, _n(PROV.startedAtTime), stamp(started)),
        ox.Triple(activity, _n(PROV.endedAtTime), stamp(ended)),
    }
    if change.message:
        triples.add(ox.Triple(activity, _n(RDFS.comment), ox.Literal(change.message)))
    if change.principal:
        agent = ox.NamedNode(agent_iri(change.principal, base))
        triples |= {
            ox.Triple(activity, _n(PROV.wasAssociatedWith), agent),
            ox.Triple(agent, _A, _n(PROV.Agent)),
            ox.Triple(agent, _n(RDFS.label), ox.Literal(change.principal)),
        }
    if change.source or change.quote:
        evidence = ox.NamedNode(f"{activity.value}/evidence")
        triples |= {ox.Triple(activity, _n(DH.evidence), evidence), ox.Triple(evidence, _A, _n(DH.Evidence))}
        if change.source:
            triples.add(ox.Triple(evidence, _n(DH.source), ox.NamedNode(change.source)))
        if change.quote:
            triples.add(ox.Triple(evidence, _n(DH.quote), ox.Literal(change.quote, language="vi")))
    for document in sorted(change.documents):
        triples.add(ox.Triple(activity, _n(PROV.used), ox.NamedNode(document)))
        triples.add(ox.Triple(activity, _n(DH.changedDocument), ox.NamedNode(document)))
    for side, delta in (("added", change.added), ("removed", change.removed)):
        quads = sorted((str(t), g, t) for g, ts in delta.items() for t in ts)
        for index, (_, graph, triple) in enumerate(quads, start=1):
            statement = ox.NamedNode(f"{activity.value}/{side}/{index}")
            triples |= {
                ox.Triple(activity, _n(DH[side]), statement),
                ox.Triple(statement, _A, _n(RDF.Statement)),
                ox.Triple(statement, _n(RDF.subject), triple.subject),
                ox.Triple(statement, _n(RDF.predicate), triple.predicate),
                ox.Triple(statement, _n(RDF.object), triple.object),
                ox.Triple(statement, _n(DH.inGraph), ox.NamedNode(graph)),
            }
    return triples


def last_number(store: GraphStore) -> int:
    """The highest change number in the log (0 when it is empty)."""
    rows = store.select(f"SELECT (MAX(?n) AS ?last) WHERE {{ GRAPH <{AUDIT_GRAPH}> {{ ?c <{DH.changeNumber}> ?n }} }}")
    for row in rows:
        last = row["last"]
        if isinstance(last, ox.Literal):
            return int(last.value)
    return 0


# -- reading the log ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRecord:
    """One committed change as the log has it; ``added``/``removed`` are (graph IRI, triple) pairs."""

    iri: str
    number: int
    started: datetime
    ended: datetime
    principal: str | None
    message: str | None
    source: str | None
    quote: str | None
    documents: tuple[str, ...]
    added: tuple[tuple[str, ox.Triple], ...]
    removed: tuple[tuple[str, ox.Triple], ...]

    @property
    def counts(self) -> tuple[int, int]:
        """Numbers of (added, removed) triples."""
        return len(self.added), len(self.removed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: times in ISO 8601 (UTC), triples as N-Quads lines (their graph last)."""
        return {
            "id": self.iri,
            "number": self.number,
            "started": self.started.isoformat(),
            "ended": self.ended.isoformat(),
            "principal": self.principal,
            "message": self.message,
            "source": self.source,
            "quote": self.quote,
            "documents": list(self.documents),
            "counts": {"added": len(self.added), "removed": len(self.removed)},
            "added": [f"{t} <{g}> ." for g, t in self.added],
            "removed": [f"{t} <{g}> ." for g, t in self.removed],
        }


_RECORDS: Final = f"""
PREFIX dh: <{DH}>
PREFIX prov: <{PROV}>
PREFIX rdfs: <{RDFS}>
SELECT ?change ?number ?started ?ended ?principal ?message ?source ?quote
       (GROUP_CONCAT(DISTINCT STR(?document); SEPARATOR=" ") AS ?documents)
WHERE {{ GRAPH <{AUDIT_GRAPH}> {{
  ?change a dh:Change ; dh:changeNumber ?number ; prov:startedAtTime ?started ; prov:endedAtTime ?ended .
  ?change dh:changedDocument ?wanted .
  OPTIONAL {{ ?change dh:changedDocument ?document }}
  OPTIONAL {{ ?change prov:wasAssociatedWith/rdfs:label ?principal }}
  OPTIONAL {{ ?change rdfs:comment ?message }}
  OPTIONAL {{ ?change dh:evidence/dh:source ?source }}
  OPTIONAL {{ ?change dh:evidence/dh:quote ?quote }}
}} }}
GROUP BY ?change ?number ?started ?ended ?principal ?message ?source ?quote
"""
_TRIPLES: Final = f"""
PREFIX dh: <{DH}>
PREFIX rdf: <{RDF}>
SELECT ?change ?side ?graph ?s ?p ?o WHERE {{ GRAPH <{AUDIT_GRAPH}> {{
  VALUES ?side {{ dh:added dh:removed }}
  ?change dh:changedDocument ?wanted ; ?side ?statement .
  ?statement rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dh:inGraph ?graph .
}} }}
"""


def _moment(term: object) -> datetime:
    assert isinstance(term, ox.Literal)
    return datetime.fromisoformat(re.sub(r"Z$", "+00:00", term.value))


def _text(term: object) -> str | None:
    return term.value if isinstance(term, ox.Literal | ox.NamedNode) else None


def history(store: GraphStore, document_iri: str) -> list[ChangeRecord]:
    """The committed changes of a document (those naming it with ``dh:changedDocument``), newest first."""
    # IRIs go into the text in their N-Triples form (a bound variable must be projected in Oxigraph).
    wanted = str(ox.NamedNode(document_iri))
    # The triples of all the document's changes in one query, by change IRI (not one query per change).
    by_change: dict[str, dict[str, list[tuple[str, ox.Triple]]]] = {}
    for found in store.select(_TRIPLES.replace("?wanted", wanted)):
        change, side, graph, subject, predicate, obj = (found[n] for n in ("change", "side", "graph", "s", "p", "o"))
        assert isinstance(change, ox.NamedNode)
        assert isinstance(side, ox.NamedNode)
        assert isinstance(graph, ox.NamedNode)
        assert isinstance(subject, ox.NamedNode | ox.BlankNode)
        assert isinstance(predicate, ox.NamedNode)
        assert obj is not None
        assert not isinstance(obj, ox.Triple)
        sides = by_change.setdefault(change.value, {str(DH.added): [], str(DH.removed): []})
        sides[side.value].append((graph.value, ox.Triple(subject, predicate, obj)))
    records = []
    for row in store.select(_RECORDS.replace("?wanted", wanted)):
        change = row["change"]
        assert isinstance(change, ox.NamedNode)
        sides = by_change.get(change.value, {str(DH.added): [], str(DH.removed): []})
        number = row["number"]
        records.append(
            ChangeRecord(
                iri=change.value,
                number=int(number.value) if isinstance(number, ox.Literal) else 0,
                started=_moment(row["started"]),
                ended=_moment(row["ended"]),
                principal=_text(row["principal"]),
                message=_text(row["message"]),
                source=_text(row["source"]),
                quote=_text(row["quote"]),
                documents=tuple(sorted((_text(row["documents"]) or "").split())),
                added=tuple(sorted(sides[str(DH.added)], key=str)),
                removed=tuple(sorted(sides[str(DH.removed)], key=str)),
            )
        )
    return sorted(records, key=lambda r: (r.ended, r.number), reverse=True)


def as_of(store: GraphStore, document_iri: str, when: datetime) -> set[ox.Triple]:
    """The document's closure as it was at ``when``: the current triples around it with every change committed
    after ``when`` undone (empty when the document did not exist then)."""
    later = [r for r in history(store, document_iri) if r.ended > when]
    nodes: set[ox.NamedNode | ox.BlankNode] = set(document_nodes(store, document_iri))
    for change in later:
        for _, triple in (*change.added, *change.removed):
            nodes |= {t for t in (triple.subject, triple.object) if isinstance(t, ox.NamedNode | ox.BlankNode)}
    backend = store.oxigraph
    local = ox.Store()
    for node in nodes:
        for quads in (
            backend.quads_for_pattern(node, None, None, None),
            backend.quads_for_pattern(None, None, node, None),
        ):
            local.extend(q for q in quads if isinstance(q.graph_name, ox.NamedNode) and in_union(q.graph_name.value))
    for change in later:  # newest first: undo each on the state the next older one left
        local.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, t in change.removed)
        for graph, triple in change.added:
            local.remove(ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(graph)))
    local.extend([ox.Quad(q.subject, q.predicate, q.object, DEFAULT_GRAPH) for q in local])
    then = closure_in(local, ox.NamedNode(document_iri))
    return {q.triple for node in then for q in local.quads_for_pattern(node, None, None, DEFAULT_GRAPH)}
