"""Lineage: which documents carry a document out, and what a document carries out, with the evidence.

An edge ``a → b`` with relation ``r`` means "a r b" (``a dh:implements b``). From a document X, direction ``down``
finds the documents that (transitively) implement X, ``up`` what X (transitively) implements, ``both`` either way.
Each edge carries the quotes of the ``dh:Statement`` nodes that describe it (docs/model.md, "Evidence").

The traversal is a breadth-first search with an explicit queue (no recursion: a chain of 10⁵ documents is fine).
The graph index is built once per store revision and cached.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

import networkx as nx
import pyoxigraph as ox

from graph_api.errors import QueryError
from graph_api.namespaces import DH

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

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


class LineageIndex:
    """The document relations of one store revision, as a networkx ``MultiDiGraph`` keyed by relation name."""

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

    def _steps(self, node: str, direction: Direction, relations: Collection[str]) -> Iterable[tuple[str, str, str]]:
        """Edges (source, target, relation) leaving ``node`` in the direction of travel."""
        if node not in self.graph:
            return
        if direction in ("down", "both"):
            for source, target, relation in self.graph.in_edges(node, keys=True):
                if relation in relations:
                    yield source, target, relation
        if direction in ("up", "both"):
            for source, target, relation in self.graph.out_edges(node, keys=True):
                if relation in relations:
                    yield source, target, relation

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
        unknown = set(relations) - set(RELATIONS)
        if unknown:
            raise QueryError(f"unknown relation(s) {', '.join(sorted(unknown))}; use {', '.join(RELATIONS)}")
        if direction not in ("down", "up", "both"):
            raise QueryError(f"direction must be down, up or both, not {direction!r}")
        wanted_relations = frozenset(relations)
        distance = {root: 0}
        queue = deque([root])
        edges: dict[tuple[str, str, str], None] = {}
        while queue:
            node = queue.popleft()
            if depth is not None and distance[node] >= depth:
                continue
            for source, target, relation in self._steps(node, direction, wanted_relations):
                edges[(source, target, relation)] = None
                other = source if target == node else target
                if other not in distance:
                    distance[other] = distance[node] + 1
                    queue.append(other)

        wanted_types = frozenset(types) if types is not None else None

        def kept(iri: str) -> bool:
            return iri == root or wanted_types is None or not wanted_types.isdisjoint(self.types.get(iri, ()))

        nodes = tuple(
            LineageNode(iri, d, self.symbols.get(iri), self.type_names.get(iri, ()))
            for iri, d in distance.items()
            if iri != root and kept(iri)
        )
        kept_edges = tuple(
            LineageEdge(s, t, r, self.graph.edges[s, t, r]["evidence"]) for s, t, r in edges if kept(s) and kept(t)
        )
        return Lineage(root, direction, nodes, kept_edges)


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
