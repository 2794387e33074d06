"""A :class:`~graph_api.lineage.Lineage` as the frontend and the graph tools want it: JSON, a nested tree, GraphML.

- :func:`lineage_json`: ``{"root", "rootItem", "direction", "relations", "depth", "nodes", "edges"}``; nodes are
  document items (:mod:`graph_api.documents`) plus ``depth``, edges ``{"source", "target", "relation", "evidence"}``
  with ``source`` implementing (being based on, contributing to…) ``target``. :func:`lineage_json_bytes` is the same
  answer already encoded (compact UTF-8 JSON, byte for byte what ``JSONResponse`` makes of it), assembled from each
  document's and each edge's JSON, encoded once per store revision: what ``/lineage`` sends.
- :func:`lineage_tree`: the root with ``children``, each child linked to its parent by ``relation`` and ``way``
  (``down``: the child implements the parent; ``up``: the parent implements the child). In a DAG a document can be
  reached from several parents: it is expanded under the first (nearest the root, in BFS order) and appears under
  the others with ``"repeated": true`` and no children, so the tree stays as small as the graph.
- :func:`lineage_graphml`: a directed multigraph for Gephi and Cytoscape, node and edge attributes as strings.
"""

from __future__ import annotations

import io
import json
from collections import deque
from typing import TYPE_CHECKING, Any, Final

import networkx as nx

from graph_api.documents import document_index

if TYPE_CHECKING:
    from graph_api.documents import DocumentIndex
    from graph_api.lineage import Evidence, Lineage, LineageEdge
    from graph_api.store import GraphStore

#: Compact JSON as Starlette's ``JSONResponse`` writes it (its ``render`` then encodes the text as UTF-8).
_encode: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
#: Most fragments :class:`_Fragments` keeps per table (a bound for callers making up their own lineages).
_MOST_CACHED: Final = 500_000


def _edge(edge: LineageEdge) -> dict[str, Any]:
    return {
        "source": edge.source,
        "target": edge.target,
        "relation": edge.relation,
        "evidence": [{"source": e.source, "quote": e.quote} for e in edge.evidence],
    }


def _sorted_edges(result: Lineage) -> list[LineageEdge]:
    return sorted(result.edges, key=lambda e: (e.source, e.relation, e.target))


def lineage_json(
    store: GraphStore, result: Lineage, base: str, *, relations: list[str], depth: int | None
) -> dict[str, Any]:
    """The JSON answer of ``/lineage``: nodes ordered by depth then symbol, edges by source, relation, target."""
    index = document_index(store, base)
    nodes = [index.item(node.iri).to_dict() | {"depth": node.depth} for node in result.nodes]
    nodes.sort(key=lambda n: (n["depth"], n["symbol"] is None, n["symbol"] or "", n["id"]))
    return {
        "root": result.root,
        "rootItem": index.item(result.root).to_dict(),
        "direction": result.direction,
        "relations": relations,
        "depth": depth,
        "nodes": nodes,
        "edges": [_edge(edge) for edge in _sorted_edges(result)],
    }


class _Fragments:
    """The JSON of the document items and lineage edges of one store revision, each encoded on first use and kept:
    encoding is most of the cost of a large answer, and an item or an edge is the same in every answer."""

    def __init__(self, store: GraphStore, base: str) -> None:
        self.index = document_index(store, base)
        #: IRI → (the item's symbol, for sorting; the node's UTF-8 JSON up to its depth: ``{"id":…,"depth":``).
        self._nodes: dict[str, tuple[str | None, bytes]] = {}
        #: (source, relation, target) → (the evidence it was encoded with, the edge's UTF-8 JSON).
        self._edges: dict[tuple[str, str, str], tuple[tuple[Evidence, ...], bytes]] = {}

    def node(self, iri: str) -> tuple[str | None, bytes]:
        found = self._nodes.get(iri)
        if found is None:
            item = self.index.item(iri)
            found = (item.symbol, (_encode(item.to_dict())[:-1] + ',"depth":').encode())
            if len(self._nodes) < _MOST_CACHED:
                self._nodes[iri] = found
        return found

    def edge(self, edge: LineageEdge) -> bytes:
        key = (edge.source, edge.relation, edge.target)
        found = self._edges.get(key)
        if found is not None and (found[0] is edge.evidence or found[0] == edge.evidence):
            return found[1]
        data = _encode(_edge(edge)).encode()
        if len(self._edges) < _MOST_CACHED:
            self._edges[key] = (edge.evidence, data)
        return data


def lineage_json_bytes(
    store: GraphStore, result: Lineage, base: str, *, relations: list[str], depth: int | None
) -> bytes:
    """:func:`lineage_json` encoded as compact UTF-8 JSON, equal byte for byte to ``JSONResponse(lineage_json(…))``'s
    body, from fragments encoded once per store revision."""
    fragments: _Fragments = store.derived((_Fragments, base), lambda current: _Fragments(current, base))
    rows = []
    for node in result.nodes:
        symbol, head = fragments.node(node.iri)
        rows.append((node.depth, symbol is None, symbol or "", node.iri, head))
    rows.sort()  # lineage_json's order: depth, then symbol (none last), then IRI
    top = {
        "root": result.root,
        "rootItem": fragments.index.item(result.root).to_dict(),
        "direction": result.direction,
        "relations": relations,
        "depth": depth,
    }
    nodes = b",".join([b"%b%d}" % (head, node_depth) for node_depth, _, _, _, head in rows])
    edges = b",".join([fragments.edge(edge) for edge in _sorted_edges(result)])
    return b"".join([_encode(top)[:-1].encode(), b',"nodes":[', nodes, b'],"edges":[', edges, b"]}"])


def _neighbours(result: Lineage) -> dict[str, list[tuple[str, LineageEdge, str]]]:
    """For each node, (other end, edge, way) of the edges the search followed, in a stable order."""
    around: dict[str, list[tuple[str, LineageEdge, str]]] = {}
    for edge in _sorted_edges(result):
        if result.direction in ("down", "both"):
            around.setdefault(edge.target, []).append((edge.source, edge, "down"))
        if result.direction in ("up", "both"):
            around.setdefault(edge.source, []).append((edge.target, edge, "up"))
    return around


def lineage_tree(store: GraphStore, result: Lineage, base: str) -> dict[str, Any]:
    """The lineage as one nested tree (see the module docstring)."""
    index: DocumentIndex = document_index(store, base)
    depths = {node.iri: node.depth for node in result.nodes} | {result.root: 0}
    around = _neighbours(result)
    root: dict[str, Any] = index.item(result.root).to_dict() | {"depth": 0, "children": []}
    expanded = {result.root}
    queue: deque[tuple[str, dict[str, Any]]] = deque([(result.root, root)])
    while queue:
        iri, node = queue.popleft()
        for other, edge, way in around.get(iri, ()):
            if other not in depths:  # filtered out by type
                continue
            child = index.item(other).to_dict() | {
                "depth": depths[other],
                "relation": edge.relation,
                "way": way,
                "evidence": _edge(edge)["evidence"],
            }
            if other in expanded or depths[other] != depths[iri] + 1:
                child["repeated"] = True
            else:
                expanded.add(other)
                child["children"] = []
                queue.append((other, child))
            node["children"].append(child)
    return root


def lineage_graph(store: GraphStore, result: Lineage, base: str) -> nx.MultiDiGraph:
    """A networkx multigraph of the lineage (root included), attributes as GraphML-ready strings and numbers."""
    index = document_index(store, base)
    graph = nx.MultiDiGraph(root=result.root, direction=result.direction)
    for iri, depth in [(result.root, 0), *((n.iri, n.depth) for n in result.nodes)]:
        item = index.item(iri).to_dict()
        attributes: dict[str, Any] = {"depth": depth}
        for name in ("key", "symbol", "type", "typeCode", "title", "titleEn", "date"):
            if item[name] is not None:
                attributes[name] = item[name]
        if item["issuer"] is not None:
            attributes["issuer"] = item["issuer"]["id"]
            if item["issuer"]["label"]:
                attributes["issuerLabel"] = item["issuer"]["label"]
        attributes["label"] = item["symbol"] or item["title"] or item["key"]
        graph.add_node(iri, **attributes)
    for edge in _sorted_edges(result):
        quotes = " | ".join(e.quote for e in edge.evidence)
        sources = " ".join(sorted({e.source for e in edge.evidence if e.source}))
        graph.add_edge(edge.source, edge.target, key=edge.relation, relation=edge.relation, quotes=quotes,
                       sources=sources)  # fmt: skip
    return graph


def lineage_graphml(store: GraphStore, result: Lineage, base: str) -> bytes:
    """The lineage as a GraphML document (``networkx.write_graphml``)."""
    buffer = io.BytesIO()
    nx.write_graphml(lineage_graph(store, result, base), buffer, encoding="utf-8")
    return buffer.getvalue()
