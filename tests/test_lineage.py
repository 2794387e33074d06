from __future__ import annotations

import random
import sys
from dataclasses import FrozenInstanceError, asdict
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import CTR08, CTR12, CTR16, KH306, KH355, NQ15, QUOTE_306, make_store, new_store

from graph_api.errors import QueryError
from graph_api.lineage import LineageNode, lineage, lineage_index

if TYPE_CHECKING:
    from graph_api.store import GraphStore

DH = "https://w3id.org/vn-directives/ontology#"
EX = "http://example.org/doc/"


def test_down_from_a_resolution(documents_store: GraphStore) -> None:
    result = lineage(documents_store, NQ15)
    assert result.root == NQ15
    assert {(n.iri, n.depth) for n in result.nodes} == {(CTR16, 1), (CTR12, 1), (KH306, 2)}
    assert {(e.source, e.target, e.relation) for e in result.edges} == {
        (CTR16, NQ15, "implements"),
        (CTR12, NQ15, "implements"),
        (KH306, CTR16, "implements"),
    }


def test_edges_carry_the_statement_evidence(documents_store: GraphStore) -> None:
    edge = next(e for e in lineage(documents_store, NQ15).edges if e.source == KH306)
    assert [(e.source, e.quote) for e in edge.evidence] == [("https://w3id.org/vn-directives/id/source/000", QUOTE_306)]
    assert all(not e.evidence for e in lineage(documents_store, NQ15).edges if e.source != KH306)


def test_up_from_a_plan(documents_store: GraphStore) -> None:
    result = lineage(documents_store, KH306, direction="up")
    assert [(n.iri, n.depth, n.symbol) for n in result.nodes] == [(CTR16, 1, "16-CTr/TU"), (NQ15, 2, "15-NQ/TW")]


def test_more_relations_and_both_directions(documents_store: GraphStore) -> None:
    down = lineage(documents_store, NQ15, relations={"implements", "contributesTo"})
    assert down.iris() == {CTR16, CTR12, KH306, CTR08}
    assert {e.relation for e in down.edges} == {"implements", "contributesTo"}
    both = lineage(documents_store, CTR08, direction="both", relations={"implements", "contributesTo"})
    assert both.iris() == {KH355, NQ15, CTR16, CTR12, KH306}
    based = lineage(documents_store, CTR12, direction="up", relations={"basedOn"})
    assert based.iris() == {CTR16}


def test_depth_limit(documents_store: GraphStore) -> None:
    assert lineage(documents_store, NQ15, depth=1).iris() == {CTR16, CTR12}
    assert {(e.source, e.target) for e in lineage(documents_store, NQ15, depth=1).edges} == {
        (CTR16, NQ15),
        (CTR12, NQ15),
    }


def test_type_filter_keeps_only_those_types_but_walks_through_others(documents_store: GraphStore) -> None:
    plans = lineage(documents_store, NQ15, types={"ImplementationPlan"})
    assert plans.iris() == {KH306}
    assert plans.edges == ()
    assert lineage(documents_store, NQ15, types={"KH"}).iris() == {KH306}
    assert lineage(documents_store, NQ15, types={"Programme"}).iris() == {CTR16, CTR12}
    assert lineage(documents_store, NQ15, types={"Document"}).iris() == {CTR16, CTR12, KH306}


def test_unknown_root_gives_nothing_and_bad_arguments_raise(documents_store: GraphStore) -> None:
    assert lineage(documents_store, EX + "nowhere").nodes == ()
    with pytest.raises(QueryError, match="unknown relation"):
        lineage(documents_store, NQ15, relations={"cites"})
    with pytest.raises(QueryError, match="direction"):
        lineage(documents_store, NQ15, direction="sideways")  # type: ignore[arg-type]


def test_index_is_cached_per_revision() -> None:
    store = make_store(f"<{EX}b> <{DH}implements> <{EX}a> .", ontology=False)
    first = lineage_index(store)
    assert lineage_index(store) is first
    assert lineage(store, EX + "a").iris() == {EX + "b"}
    store.load_text(f"<{EX}c> <{DH}implements> <{EX}b> .", name="more.ttl")
    assert lineage_index(store) is not first
    assert lineage(store, EX + "a").iris() == {EX + "b", EX + "c"}


def test_to_dict_is_json_ready(documents_store: GraphStore) -> None:
    data = lineage(documents_store, KH306, direction="up").to_dict()
    assert data["root"] == KH306
    assert data["edges"][0]["evidence"][0]["quote"] == QUOTE_306


def _random_dag(rng: random.Random, size: int, density: float) -> list[tuple[int, int]]:
    """Edges i → j with i > j only (a later document implements an earlier one), so there is no cycle."""
    return [(i, j) for i in range(size) for j in range(i) if rng.random() < density]


def _sparql_closure(store: GraphStore, root: str, direction: str) -> set[str]:
    path = "dh:implements+" if direction == "down" else "^dh:implements+"
    query = f"PREFIX dh: <{DH}> SELECT DISTINCT ?x ?root WHERE {{ ?x {path} ?root }}"
    found = store.query(query, substitutions={"root": ox.NamedNode(root)})
    assert isinstance(found, ox.QuerySolutions)
    return {row["x"].value for row in found}  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", range(12))
def test_random_dags_agree_with_sparql_property_paths(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(5, 40)
    edges = _random_dag(rng, size, rng.choice([0.05, 0.1, 0.3]))
    store = make_store("".join(f"<{EX}{i}> <{DH}implements> <{EX}{j}> .\n" for i, j in edges), ontology=False)
    for root in rng.sample(range(size), k=min(size, 6)):
        iri = f"{EX}{root}"
        for direction in ("down", "up"):
            ours = lineage(store, iri, direction=direction).iris()  # type: ignore[arg-type]
            assert ours == _sparql_closure(store, iri, direction), (seed, root, direction)
        both = lineage(store, iri, direction="both").iris()
        assert both >= _sparql_closure(store, iri, "down") | _sparql_closure(store, iri, "up")


def test_depth_is_the_shortest_distance() -> None:
    text = "".join(f"<{EX}{a}> <{DH}implements> <{EX}{b}> .\n" for a, b in [(1, 0), (2, 1), (3, 2), (3, 0)])
    store = make_store(text, ontology=False)
    assert {n.iri: n.depth for n in lineage(store, EX + "0").nodes} == {EX + "1": 1, EX + "2": 2, EX + "3": 1}
    assert lineage(store, EX + "0", depth=1).iris() == {EX + "1", EX + "3"}


def test_cycles_terminate() -> None:
    text = "".join(f"<{EX}{a}> <{DH}implements> <{EX}{b}> .\n" for a, b in [(1, 0), (2, 1), (0, 2)])
    store = make_store(text, ontology=False)
    assert lineage(store, EX + "0").iris() == {EX + "1", EX + "2"}


@pytest.mark.timeout(60)
def test_a_chain_of_100k_documents_does_not_recurse() -> None:
    length = 100_000
    store = new_store()
    implements = ox.NamedNode(DH + "implements")
    store.extend_graph(
        "https://w3id.org/vn-directives/graph/data/chain",
        (ox.Triple(ox.NamedNode(f"{EX}{i + 1}"), implements, ox.NamedNode(f"{EX}{i}")) for i in range(length)),
    )
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        down = lineage(store, EX + "0")
        up = lineage(store, f"{EX}{length}", direction="up")
    finally:
        sys.setrecursionlimit(limit)
    assert len(down.nodes) == length
    assert max(n.depth for n in down.nodes) == length
    assert len(up.nodes) == length
    assert up.nodes[-1].iri == EX + "0"


def _symbols(result: object) -> set[str | None]:
    return {node.symbol for node in result.nodes}  # type: ignore[attr-defined]


def test_project_graph_answers_the_lineage_questions(project_store: GraphStore) -> None:
    from graph_api.resolve import resolve_one

    nq15 = resolve_one(project_store, "15-NQ/TW")
    assert _symbols(lineage(project_store, nq15)) == {"16-CTr/TU", "12-CTr/QU", "306/KH-UBND"}
    assert _symbols(lineage(project_store, nq15, types={"KH"})) == {"306/KH-UBND"}
    assert "08/CTr-UBND" in _symbols(lineage(project_store, nq15, relations={"implements", "contributesTo"}))
    up = lineage(project_store, resolve_one(project_store, "306/KH-UBND"), direction="up")
    assert [node.symbol for node in up.nodes] == ["16-CTr/TU", "15-NQ/TW"]
    assert all(edge.evidence for edge in up.edges), "every implements edge has a quote"


def test_nodes_are_the_same_as_constructed_ones(documents_store: GraphStore) -> None:
    """The search builds its nodes from per-index prototypes, not through ``__init__``: nothing may tell them apart."""
    for result in (lineage(documents_store, KH306, direction="up"), lineage(documents_store, NQ15, types={"KH"})):
        made = tuple(LineageNode(n.iri, n.depth, n.symbol, n.types) for n in result.nodes)
        assert result.nodes == made
        assert [(hash(n), repr(n), asdict(n)) for n in result.nodes] == [(hash(n), repr(n), asdict(n)) for n in made]
        with pytest.raises(FrozenInstanceError):
            result.nodes[0].depth = 0  # type: ignore[misc]
    assert [n.depth for n in lineage(documents_store, KH306, direction="up").nodes] == [1, 2]
