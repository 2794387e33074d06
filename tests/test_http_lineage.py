"""/lineage over HTTP: the seed answers, the tree and GraphML shapes, errors, and property-path equality."""

from __future__ import annotations

import io
import random
from typing import TYPE_CHECKING

import networkx as nx
import pytest
from conftest import CTR08, CTR12, CTR16, KH306, NQ15
from http_helpers import client_for, problem
from lineage_dags import RELATION_SETS, random_dag, sparql_edges, sparql_nodes

from graph_api.http.examples import example
from graph_api.iris import DEFAULT_BASE as BASE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from graph_api.store import GraphStore


@pytest.fixture(scope="module")
def client(project_store: GraphStore) -> Iterator[TestClient]:
    with client_for(project_store) as test_client:
        yield test_client


def _ids(body: dict[str, object]) -> set[str]:
    return {n["id"] for n in body["nodes"]}  # type: ignore[attr-defined,index]


def test_down_from_15(client: TestClient) -> None:
    response = client.get("/lineage", params={"doc": "15-NQ/TW"})
    assert response.status_code == 200
    body = response.json()
    assert body["root"] == NQ15
    assert _ids(body) == {CTR16, CTR12, KH306}
    assert body == example("lineage"), "the OpenAPI example is the live answer"
    with_contributions = client.get("/lineage", params={"doc": "15-NQ/TW", "relations": "implements,contributesTo"})
    assert _ids(with_contributions.json()) == {CTR16, CTR12, KH306, CTR08}
    repeated = client.get("/lineage", params=[("doc", "15-NQ/TW"), ("relations", "implements"),
                                              ("relations", "contributesTo")])  # fmt: skip
    assert _ids(repeated.json()) == {CTR16, CTR12, KH306, CTR08}


def test_up_from_306_with_evidence(client: TestClient) -> None:
    body = client.get(
        "/lineage", params={"doc": "document/ubnd-thanh-pho-ha-noi/kh/2022/306", "direction": "up"}
    ).json()
    assert [(n["symbol"], n["depth"]) for n in body["nodes"]] == [("16-CTr/TU", 1), ("15-NQ/TW", 2)]
    edge = next(e for e in body["edges"] if e["source"] == KH306)
    assert edge["target"] == CTR16
    assert edge["relation"] == "implements"
    assert any("306/KH-UBND triển khai thực hiện" in e["quote"] for e in edge["evidence"])


def test_depth_and_type(client: TestClient) -> None:
    assert _ids(client.get("/lineage", params={"doc": NQ15, "depth": "1"}).json()) == {CTR16, CTR12}
    assert _ids(client.get("/lineage", params={"doc": NQ15, "type": "KH"}).json()) == {KH306}


def test_tree_shape(client: TestClient) -> None:
    tree = client.get("/lineage", params={"doc": "15-NQ/TW", "shape": "tree"}).json()
    assert tree["id"] == NQ15
    assert {c["symbol"] for c in tree["children"]} == {"16-CTr/TU", "12-CTr/QU"}
    sixteen = next(c for c in tree["children"] if c["symbol"] == "16-CTr/TU")
    assert [c["symbol"] for c in sixteen["children"]] == ["306/KH-UBND"]


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"doc": "15-NQ/TW", "format": "graphml"}, {}), ({"doc": "15-NQ/TW"}, {"Accept": "application/graphml+xml"})],
)
def test_graphml(client: TestClient, params: dict[str, str], headers: dict[str, str]) -> None:
    response = client.get("/lineage", params=params, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphml+xml")
    graph = nx.read_graphml(io.BytesIO(response.content), force_multigraph=True)
    assert set(graph.nodes) == {NQ15, CTR16, CTR12, KH306}


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [
        ({}, {}, 400),
        ({"doc": "15-NQ/TW", "direction": "sideways"}, {}, 400),
        ({"doc": "15-NQ/TW", "relations": "cites"}, {}, 400),
        ({"doc": "15-NQ/TW", "depth": "-1"}, {}, 400),
        ({"doc": "15-NQ/TW", "depth": "deep"}, {}, 400),
        ({"doc": "15-NQ/TW", "shape": "forest"}, {}, 400),
        ({"doc": "15-NQ/TW", "colour": "red"}, {}, 400),
        ({"doc": "15-NQ/TW", "format": "pdf"}, {}, 406),
        ({"doc": "15-NQ/TW"}, {"Accept": "image/png"}, 406),
        ({"doc": "99-NQ/TW"}, {}, 404),
        ({"doc": "document/nowhere"}, {}, 404),
    ],
)
def test_bad_requests(client: TestClient, params: dict[str, str], headers: dict[str, str], status: int) -> None:
    problem(client.get("/lineage", params=params, headers=headers), status)


def test_http_answers_equal_the_property_paths() -> None:
    dag = random_dag(2024, max_nodes=25)
    rng = random.Random(7)
    with client_for(dag.store) as dag_client:
        for _ in range(12):
            root = rng.choice(dag.documents)
            relations = rng.choice(RELATION_SETS)
            direction = rng.choice(["down", "up", "both"])
            params = {"doc": root.removeprefix(BASE), "direction": direction, "relations": ",".join(relations)}
            body = dag_client.get("/lineage", params=params).json()
            assert _ids(body) == sparql_nodes(dag.store, root, relations, direction, None)
            edges = {(e["source"], e["relation"], e["target"]) for e in body["edges"]}
            assert edges == sparql_edges(dag.store, root, relations, direction)
