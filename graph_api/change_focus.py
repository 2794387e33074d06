"""The focus nodes a change can change the validation results of: what a commit re-validates.

Only triples of the union graphs count (validation reads the default graph, their union). The nodes are:

- every IRI a changed triple has as subject or object;
- the nodes that point at a changed subject (one hop in: the documents an agency issued when its branch changes);
- for every document those nodes belong to (the document itself, or the one whose indicator, target, group, task,
  assignment, appendix, statement or evidence the node is), :func:`graph_api.shacl_focus.affected_focus_nodes`.

Taken on the store before the change and again after it (a removed link is only seen before). A change to the
ontology or the shapes, or to what class and property hierarchies depend on, can change any result: then
:func:`focus_nodes` returns None and the commit validates the whole graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api.namespaces import DH, OWL, RDF, RDFS, SH
from graph_api.shacl_focus import affected_focus_nodes
from graph_api.store import graph_kind, in_union

if TYPE_CHECKING:
    from graph_api.changes import Change
    from graph_api.store import GraphStore

#: Predicates that shape the schema rather than the data: a change using one is validated in full.
_SCHEMA: Final = (str(OWL), str(SH), *(str(RDFS[p]) for p in ("subClassOf", "subPropertyOf", "domain", "range")))
_CODES: Final = "https://w3id.org/vn-directives/code/"
_BATCH: Final = 200

_UP: Final = f"""
PREFIX dh: <{DH}>
PREFIX rdf: <{RDF}>
SELECT DISTINCT ?up WHERE {{
  VALUES ?node {{ ?nodes }}
  {{ ?node dh:indicatorOf|dh:taskOf|rdf:subject ?up }}
  UNION {{ ?up dh:target|dh:hasIndicatorGroup|dh:hasTaskGroup|dh:assigns|dh:hasAppendix|dh:evidence ?node }}
}}"""
_DOCUMENTS: Final = f"""
PREFIX dh: <{DH}>
PREFIX rdfs: <{RDFS}>
SELECT DISTINCT ?node WHERE {{ VALUES ?node {{ ?nodes }} ?node a/rdfs:subClassOf* dh:Document }}"""
_REFERRERS: Final = "SELECT DISTINCT ?node WHERE { VALUES ?target { ?nodes } ?node ?p ?target FILTER(isIRI(?node)) }"


def needs_full_validation(change: Change) -> bool:
    """Whether the change touches the ontology or the shapes, or schema-like triples anywhere in the union."""
    for graph in change.graphs:
        if graph_kind(graph) in ("ontology", "shapes"):
            return True
    for graph, triples in (*change.added.items(), *change.removed.items()):
        if in_union(graph):
            for triple in triples:
                subject = triple.subject.value if isinstance(triple.subject, ox.NamedNode) else ""
                if triple.predicate.value.startswith(_SCHEMA) or subject.startswith((str(DH), _CODES)):
                    return True
    return False


def touched(change: Change) -> set[str]:
    """IRIs in subject or object position of the change's triples in union graphs."""
    found: set[str] = set()
    for graph, triples in (*change.added.items(), *change.removed.items()):
        if in_union(graph):
            for triple in triples:
                found |= {t.value for t in (triple.subject, triple.object) if isinstance(t, ox.NamedNode)}
    return found


def _select(store: GraphStore, query: str, nodes: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(nodes)
    for start in range(0, len(ordered), _BATCH):
        listed = " ".join(str(ox.NamedNode(n)) for n in ordered[start : start + _BATCH])
        for row in store.select(query.replace("?nodes", listed)):
            value = row[0]
            if isinstance(value, ox.NamedNode):
                found.add(value.value)
    return found


def documents_of(store: GraphStore, nodes: set[str]) -> set[str]:
    """The documents the nodes are, or belong to (up to three steps: target → indicator → document…)."""
    reached, frontier = set(nodes), set(nodes)
    for _ in range(3):
        frontier = _select(store, _UP, frontier) - reached if frontier else set()
        reached |= frontier
    return _select(store, _DOCUMENTS, reached) if reached else set()


def focus_nodes(store: GraphStore, change: Change) -> set[str] | None:
    """The focus nodes to validate for the change on the store as it is now (None: validate everything)."""
    if needs_full_validation(change):
        return None
    nodes = touched(change)
    subjects = {
        t.subject.value
        for graph, triples in (*change.added.items(), *change.removed.items())
        if in_union(graph)
        for t in triples
        if isinstance(t.subject, ox.NamedNode)
    }
    around = nodes | (_select(store, _REFERRERS, subjects) if subjects else set())
    for document in documents_of(store, around) | set(change.documents):
        around |= affected_focus_nodes(store, document)
    return around
