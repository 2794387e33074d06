"""Lineage: which documents carry a document out, and what a document carries out, with the evidence.

An edge ``a → b`` with relation ``r`` means "a r b" (``a dh:implements b``). From a document X, direction ``down``
finds the documents that (transitively) implement X, ``up`` what X (transitively) implements, ``both`` either way.
Each edge carries the quotes of the ``dh:Statement`` nodes that describe it (docs/model.md, "Evidence").

The traversal is a breadth-first search, one level at a time over plain lists (no recursion: a chain of 10⁵
documents is fine), on an index built once per store revision and cached: each document's steps, edges (with their
evidence) and node fields are precomputed there, so a search does little more than networkx's own traversal would.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

import networkx as nx
import pyoxigraph as ox

from graph_api.errors import QueryError
from graph_api.namespaces import DH

if TYPE_CHECKING:
    from collections.abc import Collection

    from graph_api.store import GraphStore
    from graph_api.types import Direction, Term

#: Relation names accepted by :func:`lineage`, and their properties.
RELATIONS: Final[dict[str, str]] = {
    name: str(DH[name]) for name in ("implements", "basedOn", "contributesTo", "references", "establishes")
}
_NAME_OF: Final = {iri: name for name, iri in RELATIONS.items()}
_VALUES: Final = " ".join(f"<{iri}>" for iri in RELATIONS.values())
_PROLOGUE: Final = """PREFIX dh: <https://w3id.org/vn-directives/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
_EDGES: Final = _PROLOGUE + f"SELECT ?a ?p ?b WHERE {{ VALUES ?p {{ {_VALUES} }} ?a ?p ?b . FILTER(isIRI(?b)) }}"
_EVIDENCE: Final = (
    _PROLOGUE
    + f"""SELECT DISTINCT ?a ?p ?b ?source ?quote WHERE {{
    VALUES ?p {{ {_VALUES} }}
    ?st rdf:subject ?a ; rdf:predicate ?p ; rdf:object ?b ; dh:evidence ?ev .
    ?ev dh:quote ?quote .
    OPTIONAL {{ ?ev dh:source ?source }}
}} ORDER BY ?a ?p ?b ?source ?quote"""
)
_TYPES: Final = (
    _PROLOGUE
    + """SELECT DISTINCT ?doc ?type WHERE {
    { ?doc a ?class . ?class rdfs:subClassOf* dh:Document . ?class rdfs:subClassOf* ?type . }
    UNION { ?doc dh:documentType/skos:notation ?type . }
}"""
)
_LABELS: Final = _PROLOGUE + "SELECT ?doc ?symbol WHERE { ?doc dh:symbol ?symbol }"


@dataclass(frozen=True)
class Evidence:
    source: str | None
    quote: str


@dataclass(frozen=True)
class LineageNode:
    """A document reached, at its shortest distance (in edges) from the root."""

    iri: str
    depth: int
    symbol: str | None
    types: tuple[str, ...]


@dataclass(frozen=True)
class LineageEdge:
    """``source relation target``, e.g. ``306/KH-UBND implements 16-CTr/TU``."""

    source: str
    target: str
    relation: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Lineage:
    """The documents reached from ``root`` (root not included) and the edges followed."""

    root: str
    direction: Direction
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]

    def iris(self) -> set[str]:
        return {node.iri for node in self.nodes}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _value(term: Term | None) -> str:
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    raise QueryError(f"unexpected term {term!r} in the lineage index")


#: One step of the search: (relation, the document at the other end, the edge).
_Step = tuple[str, str, LineageEdge]

_new = object.__new__
_set_attribute = object.__setattr__


def _node(fields: dict[str, Any], depth: int) -> LineageNode:
    """``LineageNode(**fields | {"depth": depth})``, without the generated ``__init__`` and its four frozen
    ``object.__setattr__`` calls: a search creates one node per document reached, and this halves what that costs.
    ``fields`` is the node's prototype in :class:`LineageIndex`; the result equals the constructor's (tested)."""
    node: LineageNode = _new(LineageNode)
    _set_attribute(node, "__dict__", {**fields, "depth": depth})
    return node


class LineageIndex:
    """The document relations of one store revision, as a networkx ``MultiDiGraph`` keyed by relation name.

    The search itself does not go through networkx: each document's steps in either direction are precomputed
    here into plain tuples (in the graph's own order), each with its :class:`LineageEdge` (evidence included)
    built once, so that a query is a breadth-first search over dicts and creates only the nodes it returns.
    """

    def __init__(self, store: GraphStore) -> None:
        self.revision = store.revision
        self.graph = nx.MultiDiGraph()
        evidence: dict[tuple[str, str, str], list[Evidence]] = {}
        for row in store.select(_EVIDENCE):
            key = (_value(row["a"]), _NAME_OF[_value(row["p"])], _value(row["b"]))
            source = row["source"]
            evidence.setdefault(key, []).append(
                Evidence(source.value if source is not None else None, _value(row["quote"]))
            )
        for row in store.select(_EDGES):
            a, relation, b = _value(row["a"]), _NAME_OF[_value(row["p"])], _value(row["b"])
            found = tuple(evidence.get((a, relation, b), ()))
            self.graph.add_edge(a, b, key=relation, relation=relation, evidence=found)
        self.types: dict[str, set[str]] = {}
        for row in store.select(_TYPES):
            kind = row["type"]
            label = _local_name(kind.value) if isinstance(kind, ox.NamedNode) else _value(kind)
            self.types.setdefault(_value(row["doc"]), set()).add(label)
        self.symbols = {_value(row["doc"]): _value(row["symbol"]) for row in store.select(_LABELS)}
        #: Each document's type names, sorted once here rather than on every lineage answer.
        self.type_names = {iri: tuple(sorted(names)) for iri, names in self.types.items()}
        #: Each document's :class:`LineageNode` fields but its depth, built once here (see :func:`_node`).
        self._fields = {
            iri: {"iri": iri, "depth": 0, "symbol": self.symbols.get(iri), "types": self.type_names.get(iri, ())}
            for iri in self.graph
        }
        edges = {
            (a, b, relation): LineageEdge(a, b, relation, data["evidence"])
            for a, b, relation, data in self.graph.edges(keys=True, data=True)
        }
        #: For each document, the steps of a search going down (the edges into it: their sources implement it)
        #: and up (the edges out of it), in networkx's ``in_edges``/``out_edges`` order.
        self._down: dict[str, tuple[_Step, ...]] = {
            node: tuple((r, a, edges[a, node, r]) for a, keys in into.items() for r in keys)
            for node, into in self.graph.pred.items()
            if into
        }
        self._up: dict[str, tuple[_Step, ...]] = {
            node: tuple((r, b, edges[node, b, r]) for b, keys in out.items() for r in keys)
            for node, out in self.graph.succ.items()
            if out
        }

    def _search(
        self, root: str, direction: Direction, relations: frozenset[str], depth: int | None
    ) -> tuple[dict[str, int], list[LineageEdge]]:
        """Breadth-first search, one level at a time: each document's distance (root first, then in the order
        found) and the edges followed, in the order followed, each once."""
        tables = [t for way, t in (("down", self._down), ("up", self._up)) if direction in (way, "both")]
        distance = {root: 0}
        followed: list[LineageEdge] = []
        frontier = [root]
        level = 0
        while frontier and (depth is None or level < depth):
            level += 1
            reached: list[str] = []
            for node in frontier:
                for table in tables:
                    for relation, other, edge in table.get(node, ()):
                        if relation in relations:
                            followed.append(edge)
                            if other not in distance:
                                distance[other] = level
                                reached.append(other)
            frontier = reached
        if direction == "both":  # an edge is met from both its ends
            followed = list({id(edge): edge for edge in followed}.values())
        return distance, followed

    def lineage(
        self,
        root: str,
        *,
        direction: Direction = "down",
        relations: Collection[str] = ("implements",),
        depth: int | None = None,
        types: Collection[str] | None = None,
    ) -> Lineage:
        """Breadth-first search from ``root``; see :func:`lineage`."""
        wanted_relations = frozenset(relations)
        unknown = wanted_relations - RELATIONS.keys()
        if unknown:
            raise QueryError(f"unknown relation(s) {', '.join(sorted(unknown))}; use {', '.join(RELATIONS)}")
        if direction not in ("down", "up", "both"):
            raise QueryError(f"direction must be down, up or both, not {direction!r}")
        distance, followed = self._search(root, direction, wanted_relations, depth)
        del distance[root]
        fields = self._fields
        if types is None:
            nodes = tuple([_node(fields[iri], d) for iri, d in distance.items()])
            return Lineage(root, direction, nodes, tuple(followed))
        wanted_types = frozenset(types)
        kept = {iri for iri in distance if not wanted_types.isdisjoint(self.types.get(iri, ()))}
        kept.add(root)
        nodes = tuple([_node(fields[iri], d) for iri, d in distance.items() if iri in kept])
        edges = tuple(edge for edge in followed if edge.source in kept and edge.target in kept)
        return Lineage(root, direction, nodes, edges)


def lineage_index(store: GraphStore) -> LineageIndex:
    """The index of the store's current revision, built on first use and cached until the store changes."""
    return store.derived(LineageIndex, LineageIndex)


def lineage(
    store: GraphStore,
    doc_iri: str,
    *,
    direction: Direction = "down",
    relations: Collection[str] = ("implements",),
    depth: int | None = None,
    types: Collection[str] | None = None,
) -> Lineage:
    """Documents reached from ``doc_iri`` following ``relations``, up to ``depth`` edges away.

    ``types`` keeps only documents with one of these class local names (superclasses count: ``Document``
    matches all) or type notations (``KH``); the search still goes through the others. An edge is kept when
    both its ends are kept.
    """
    return lineage_index(store).lineage(doc_iri, direction=direction, relations=relations, depth=depth, types=types)
