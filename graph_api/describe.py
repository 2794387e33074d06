"""A resource's description for dereferencing: its Concise Bounded Description (the triples whose subject it is,
and recursively those of the blank nodes they reach) in the query graphs, and the triples that point at it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api.store import DEFAULT_GRAPH

if TYPE_CHECKING:
    from graph_api.store import GraphStore

#: At most this many triples pointing at a resource are listed (a code list value may be used everywhere).
MAX_INCOMING: Final = 500


def describe(store: GraphStore, iri: str) -> list[ox.Triple]:
    """The CBD of ``iri`` in the union of the ontology, data and extra graphs, without duplicates, in a stable order."""
    found: dict[ox.Triple, None] = {}
    todo: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(iri)]
    seen: set[ox.NamedNode | ox.BlankNode] = set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for quad in store.oxigraph.quads_for_pattern(subject, None, None, DEFAULT_GRAPH):
            if quad.triple not in found:
                found[quad.triple] = None
                if isinstance(quad.object, ox.BlankNode):
                    todo.append(quad.object)
    root = ox.NamedNode(iri)
    return sorted(found, key=lambda t: (t.subject != root, str(t.subject), str(t.predicate), str(t.object)))


def incoming(store: GraphStore, iri: str, limit: int = MAX_INCOMING) -> list[ox.Triple]:
    """Triples of the query graphs whose object is ``iri`` (at most ``limit``)."""
    found: dict[ox.Triple, None] = {}
    for quad in store.oxigraph.quads_for_pattern(None, None, ox.NamedNode(iri), DEFAULT_GRAPH):
        found[quad.triple] = None
        if len(found) >= limit:
            break
    return sorted(found, key=lambda t: (str(t.predicate), str(t.subject)))
