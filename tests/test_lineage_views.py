"""graph_api.lineage_views: JSON, tree and GraphML; on random DAGs, the answers equal the SPARQL property paths."""

from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import networkx as nx
import pytest
from conftest import CTR08, CTR12, CTR16, KH306, NQ15
from fastapi.responses import JSONResponse
from lineage_dags import RELATION_SETS, random_dag, sparql_edges, sparql_nodes

from graph_api.iris import DEFAULT_BASE as BASE
from graph_api.lineage import lineage
from graph_api.lineage_views import lineage_graphml, lineage_json, lineage_json_bytes, lineage_tree

if TYPE_CHECKING:
    from graph_api.lineage import Lineage
    from graph_api.store import GraphStore


def _answer(store: GraphStore, root: str, **options: Any) -> dict[str, Any]:
    relations = list(options.get("relations", ["implements"]))
    found = lineage(store, root, **options)
    return lineage_json(store, found, BASE, relations=relations, depth=options.get("depth"))


@pytest.mark.parametrize("seed", range(40))
def test_random_dags_equal_the_property_paths(seed: int) -> None:
    dag = random_dag(seed)
    rng = random.Random(seed)
    for _ in range(4):
        root = rng.choice(dag.documents)
        relations = rng.choice(RELATION_SETS)
        for direction in ("down", "up", "both"):
            answer = _answer(dag.store, root, direction=direction, relations=relations)
            assert answer["root"] == root
            assert {n["id"] for n in answer["nodes"]} == sparql_nodes(dag.store, root, relations, direction, None)
            edges = {(e["source"], e["relation"], e["target"]) for e in answer["edges"]}
            assert edges == sparql_edges(dag.store, root, relations, direction)
            for edge in answer["edges"]:
                key = (edge["source"], edge["relation"], edge["target"])
                assert {e["quote"] for e in edge["evidence"]} == dag.quotes.get(key, set())
            depth = rng.randint(1, 3)
            limited = _answer(dag.store, root, direction=direction, relations=relations, depth=depth)
            assert {n["id"] for n in limited["nodes"]} == sparql_nodes(dag.store, root, relations, direction, depth)
            assert all(n["depth"] <= depth for n in limited["nodes"])


def test_seed_lineage_down_from_15(project_store: GraphStore) -> None:
    answer = _answer(project_store, NQ15)
    assert {n["symbol"] for n in answer["nodes"]} == {"16-CTr/TU", "12-CTr/QU", "306/KH-UBND"}
    assert {n["id"]: n["depth"] for n in answer["nodes"]} == {CTR16: 1, CTR12: 1, KH306: 2}
    assert answer["rootItem"]["symbol"] == "15-NQ/TW"
    wider = _answer(project_store, NQ15, relations=["implements", "contributesTo"])
    assert {n["id"] for n in wider["nodes"]} == {CTR16, CTR12, KH306, CTR08}
    plans = _answer(project_store, NQ15, types=["ImplementationPlan"])
    assert {n["id"] for n in plans["nodes"]} == {KH306}


def test_seed_lineage_up_from_306_with_quotes(project_store: GraphStore) -> None:
    answer = _answer(project_store, KH306, direction="up")
    assert [(n["symbol"], n["depth"]) for n in answer["nodes"]] == [("16-CTr/TU", 1), ("15-NQ/TW", 2)]
    edges = {(e["source"], e["target"]): e for e in answer["edges"]}
    assert set(edges) == {(KH306, CTR16), (CTR16, NQ15)}
    quotes = [e["quote"] for e in edges[KH306, CTR16]["evidence"]]
    assert any("306/KH-UBND triển khai thực hiện Chương trình hành động số 16-CTr/TU" in q for q in quotes)
    assert all(e["evidence"] for e in edges.values())


def test_tree_nests_children_and_marks_repeats(project_store: GraphStore) -> None:
    tree = lineage_tree(project_store, lineage(project_store, NQ15, relations=["implements", "basedOn"]), BASE)
    assert tree["id"] == NQ15
    assert tree["depth"] == 0
    children = {c["symbol"]: c for c in tree["children"]}
    assert set(children) == {"16-CTr/TU", "12-CTr/QU"}
    under_16 = {(c["symbol"], c["relation"], c.get("repeated", False)) for c in children["16-CTr/TU"]["children"]}
    # 12-CTr/QU implements 15 (depth 1) and is based on 16: shown again under 16, not expanded twice.
    assert under_16 == {("306/KH-UBND", "implements", False), ("12-CTr/QU", "basedOn", True)}
    assert all(c["way"] == "down" for c in tree["children"])


def test_tree_both_ways(project_store: GraphStore) -> None:
    tree = lineage_tree(project_store, lineage(project_store, CTR16, direction="both"), BASE)
    ways = {c["symbol"]: c["way"] for c in tree["children"]}
    assert ways == {"15-NQ/TW": "up", "306/KH-UBND": "down"}


def test_graphml_for_gephi(project_store: GraphStore) -> None:
    data = lineage_graphml(project_store, lineage(project_store, NQ15), BASE)
    ET.fromstring(data)  # well-formed XML
    graph = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    assert set(graph.nodes) == {NQ15, CTR16, CTR12, KH306}
    assert graph.nodes[KH306]["symbol"] == "306/KH-UBND"
    assert graph.nodes[NQ15]["depth"] == 0
    assert graph.has_edge(KH306, CTR16)
    [attributes] = graph.get_edge_data(KH306, CTR16).values()
    assert attributes["relation"] == "implements"
    assert "16-CTr/TU" in attributes["quotes"]


def _encoded_equals_the_dict(store: GraphStore, found: Lineage, relations: list[str], depth: int | None) -> None:
    expected = JSONResponse(lineage_json(store, found, BASE, relations=relations, depth=depth)).body
    assert lineage_json_bytes(store, found, BASE, relations=relations, depth=depth) == expected
    assert lineage_json_bytes(store, found, BASE, relations=relations, depth=depth) == expected  # from the cache


@pytest.mark.parametrize("seed", range(20))
def test_encoded_answer_is_the_json_response_of_the_dict(seed: int) -> None:
    dag = random_dag(seed)
    rng = random.Random(seed)
    for _ in range(3):
        root = rng.choice(dag.documents)
        relations = list(rng.choice(RELATION_SETS))
        for direction in ("down", "up", "both"):
            depth = rng.choice([None, 1, 2])
            types = rng.choice([None, ["ImplementationPlan"], ["Resolution", "ActionProgramme"]])
            found = lineage(dag.store, root, direction=direction, relations=relations, depth=depth, types=types)
            _encoded_equals_the_dict(dag.store, found, relations, depth)


def test_encoded_answer_of_the_seed_graph_and_of_made_up_lineages(project_store: GraphStore) -> None:
    found = lineage(project_store, NQ15, relations=["implements", "basedOn", "contributesTo"], direction="both")
    _encoded_equals_the_dict(project_store, found, ["implements", "basedOn", "contributesTo"], None)
    _encoded_equals_the_dict(project_store, lineage(project_store, BASE + "nowhere"), ["implements"], 2)
    # An edge with other evidence than the graph's is encoded afresh, not taken from the cache.
    bare = replace(found, edges=tuple(replace(edge, evidence=()) for edge in found.edges))
    _encoded_equals_the_dict(project_store, bare, ["implements"], None)
    assert b'"quote"' not in lineage_json_bytes(project_store, bare, BASE, relations=["implements"], depth=None)
