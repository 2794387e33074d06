"""Changes as deltas: composition and inverse, where new triples go, a document's closure, the deltas of adding,
replacing and retracting a document, and GraphStore.apply keeping the default-graph union exact."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox
import pytest
from conftest import KH306, NQ15

from graph_api.changes import (
    UPDATES_GRAPH,
    About,
    Change,
    add_document,
    document_nodes,
    document_triples,
    graph_for,
    replace_document,
    retract_document,
)
from graph_api.errors import DocumentExists, DocumentNotFound, InvalidChange
from graph_api.namespaces import DH, RDF
from graph_api.store import DEFAULT_GRAPH, GraphStore, graph_iri, in_union

if TYPE_CHECKING:
    from collections.abc import Iterable

ID: Final = "https://w3id.org/vn-directives/id/"
PLAN_139: Final = ID + "document/ubnd-thanh-pho-ha-noi/kh/2023/139"
CTR08: Final = ID + "document/ubnd-thanh-pho-ha-noi/ctr/2025/08"
A: Final = ox.NamedNode(str(RDF.type))


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri if "://" in iri else ID + iri)


def dh(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(DH) + name)


def t(s: str, p: ox.NamedNode, o: ox.NamedNode | ox.Literal | str) -> ox.Triple:
    return ox.Triple(n(s), p, n(o) if isinstance(o, str) else o)


def flat(delta: dict[str, set[ox.Triple]] | Iterable[tuple[str, frozenset[ox.Triple]]]) -> set[ox.Triple]:
    items = delta.items() if isinstance(delta, dict) else delta
    return {triple for _, triples in items for triple in triples}


def default_is_union(store: GraphStore) -> bool:
    assert isinstance(store.oxigraph, ox.Store)
    default = {q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, DEFAULT_GRAPH)}
    held = {q.triple for q in store.oxigraph if isinstance(q.graph_name, ox.NamedNode) and in_union(q.graph_name.value)}
    return default == held


# -- Change --------------------------------------------------------------------------------------------------


def test_then_is_the_net_change_and_inverse_undoes() -> None:
    g, h = graph_iri("data", "a"), graph_iri("data", "b")
    x, y, z = (t(f"x/{i}", dh("p"), ox.Literal(str(i))) for i in range(3))
    first = Change.of({g: {x, y}}, {h: {z}}, created=[g])
    second = Change.of({h: {z}}, {g: {x}})
    both = first.then(second)
    assert both.added == {g: frozenset({y})}
    assert both.removed == {}
    assert both.created == frozenset({g})
    assert first.then(first.inverse()).is_empty
    assert first.inverse().inverse() == first
    assert first.count() == (2, 1)


def test_about_describes_a_change() -> None:
    about = About("why", "curator", ID + "source/000", "trích dẫn")
    change = Change.of({}, {}, about=about, documents=[KH306])
    assert (change.message, change.principal, change.source, change.quote) == (
        "why",
        "curator",
        about.source,
        "trích dẫn",
    )
    assert change.described(About()).message == ""


# -- where new triples go ------------------------------------------------------------------------------------


def test_every_seed_triple_is_in_the_graph_graph_for_names(project_store: GraphStore) -> None:
    """The rule reproduces the hand-made split of data/ into files, triple for triple."""
    misplaced = [
        (graph, str(triple))
        for graph in project_store.graphs(("data",))
        for triple in project_store.triples_in(graph)
        if graph_for(triple) != graph
    ]
    assert not misplaced, misplaced[:5]
    assert sum(1 for g in project_store.graphs(("data",)) for _ in project_store.triples_in(g)) > 1500


@pytest.mark.parametrize(
    ("subject", "predicate", "stem"),
    [
        ("document/a/kh/2024/1", "symbol", "documents"),
        ("document/a/kh/2024/1/statement/x", "certainty", "documents"),
        ("document/a/kh/2024/1/appendix/01", "number", "documents"),
        ("document/a/kh/2024/1", "hasIndicatorGroup", "indicators"),
        ("document/a/kh/2024/1/indicator/gdp/target/2030", "targetYear", "indicators"),
        ("document/a/kh/2024/1/indicator-group/1", "declaredCount", "indicators"),
        ("document/a/kh/2024/1", "assigns", "tasks"),
        ("document/a/kh/2024/1/assignment/3", "role", "tasks"),
        ("document/a/kh/2024/1/task-group/2", "declaredCount", "tasks"),
        ("evidence/000-abc", "quote", "sources"),
        ("source/000", "seedFile", "sources"),
        ("agency/ubnd", "adminLevel", "agencies"),
        ("term/thanh-uy-ha-noi/xvii", "ordinal", "agencies"),
        ("http://example.org/x", "p", "updates"),
    ],
)
def test_graph_for_names_the_file_of_the_subjects_kind(subject: str, predicate: str, stem: str) -> None:
    assert graph_for(t(subject, dh(predicate), ox.Literal("1"))) == graph_iri("data", stem)


def test_a_blank_subject_goes_to_the_updates_graph() -> None:
    assert graph_for(ox.Triple(ox.BlankNode(), dh("p"), ox.Literal("1"))) == UPDATES_GRAPH


def test_another_base_is_followed() -> None:
    base = "http://example.org/vn/"
    triple = ox.Triple(ox.NamedNode(base + "agency/x"), dh("p"), ox.Literal("1"))
    assert graph_for(triple, base) == graph_iri("data", "agencies")
    assert graph_for(triple) == UPDATES_GRAPH


# -- closures ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", [PLAN_139, CTR08])
def test_a_documents_closure_has_its_parts_statements_and_own_evidence(
    project_store: GraphStore, document: str
) -> None:
    closure = document_nodes(project_store, document)
    parts = {x.value.removeprefix(document) for x in closure if isinstance(x, ox.NamedNode)}
    kinds = {part.split("/")[1] for part in parts if part.startswith("/")}
    assert {"indicator-group", "statement"} <= kinds
    assert "" in parts  # the document itself
    if document == CTR08:
        assert {"indicator", "task", "assignment", "appendix"} <= kinds
        assert any("/target/" in part for part in parts)
    evidence = {x for x in closure if isinstance(x, ox.NamedNode) and x.value.startswith(ID + "evidence/")}
    assert evidence
    for node in evidence:  # every evidence node of the closure is cited from inside it only
        citing = project_store.oxigraph.quads_for_pattern(None, dh("evidence"), node, DEFAULT_GRAPH)
        assert {q.subject for q in citing} <= closure
    assert not any(x.startswith((ID + "agency/", ID + "source/")) for x in parts)


def test_evidence_cited_by_other_documents_is_not_in_the_closure(project_store: GraphStore) -> None:
    rows = project_store.select(
        f"""SELECT DISTINCT ?e ?a ?b WHERE {{
              ?a <{DH.evidence}> ?e ; a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{DH.Document}> .
              ?b <{DH.evidence}> ?e ; a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{DH.Document}> .
              FILTER(STR(?a) < STR(?b)) }}"""
    )
    shared = [(row["e"], row["a"], row["b"]) for row in rows]
    assert len(shared) >= 5
    for evidence, first, second in shared:
        for document in (first, second):
            assert isinstance(document, ox.NamedNode)
            assert evidence not in document_nodes(project_store, document.value)


def test_document_triples_are_grouped_by_the_graph_holding_them(project_store: GraphStore) -> None:
    found = document_triples(project_store, PLAN_139)
    assert set(found) >= {graph_iri("data", s) for s in ("documents", "indicators", "sources")}
    for graph, triples in found.items():
        assert triples <= set(project_store.triples_in(graph))


# -- document changes -------------------------------------------------------------------------------------------


def seed(*triples: ox.Triple) -> GraphStore:
    store = GraphStore()
    by_graph: dict[str, set[ox.Triple]] = {}
    for triple in triples:
        by_graph.setdefault(graph_for(triple), set()).add(triple)
    store.apply(by_graph, {})
    return store


DOC: Final = "document/ubnd/kh/2024/7"
EXISTING: Final = [
    t(DOC, A, str(DH.ImplementationPlan)),
    t(DOC, dh("symbol"), ox.Literal("7/KH-UBND")),
    t(DOC, dh("evidence"), "evidence/own"),
    t(DOC, dh("evidence"), "evidence/shared"),
    t(DOC + "/task/1", A, str(DH.Task)),
    t(DOC + "/task/1", dh("taskOf"), DOC),
    t(DOC + "/statement/x", rdf := ox.NamedNode(str(RDF.subject)), DOC),
    t("evidence/own", A, str(DH.Evidence)),
    t("evidence/shared", A, str(DH.Evidence)),
    t("document/other/kh/2024/1", dh("evidence"), "evidence/shared"),
    t("document/other/kh/2024/1", A, str(DH.ImplementationPlan)),
    t("agency/ubnd", A, str(DH.Agency)),
]


def test_retract_removes_the_closure_and_keeps_shared_evidence() -> None:
    store = seed(*EXISTING)
    change = retract_document(store, ID + DOC, about=About("retract", "me"))
    removed = flat(change.removed)
    assert t("evidence/own", A, str(DH.Evidence)) in removed
    assert t("evidence/shared", A, str(DH.Evidence)) not in removed
    assert t(DOC + "/statement/x", rdf, DOC) in removed
    assert t(DOC, dh("evidence"), "evidence/shared") in removed
    assert change.added == {}
    assert change.documents == frozenset({ID + DOC})
    assert change.principal == "me"
    assert set(change.removed) == {
        graph_iri("data", "documents"),
        graph_iri("data", "tasks"),
        graph_iri("data", "sources"),
    }


def test_replace_keeps_what_stays_where_it_is_and_routes_what_is_new() -> None:
    store = seed(*EXISTING)
    kept_elsewhere = graph_iri("extra", "legacy")
    store.apply({kept_elsewhere: {t(DOC, dh("number"), ox.Literal("7"))}}, {})
    new = [*EXISTING[:8], t(DOC, dh("number"), ox.Literal("7")), t(DOC + "/task/2", dh("taskOf"), DOC)]
    new.remove(t(DOC, dh("symbol"), ox.Literal("7/KH-UBND")))
    new.append(t(DOC, dh("symbol"), ox.Literal("07/KH-UBND")))
    change = replace_document(store, ID + DOC, new)
    assert change.added == {
        graph_iri("data", "documents"): frozenset({t(DOC, dh("symbol"), ox.Literal("07/KH-UBND"))}),
        graph_iri("data", "tasks"): frozenset({t(DOC + "/task/2", dh("taskOf"), DOC)}),
    }
    assert change.removed == {
        graph_iri("data", "documents"): frozenset({t(DOC, dh("symbol"), ox.Literal("7/KH-UBND"))})
    }


def test_add_routes_a_new_document_and_refuses_an_existing_one() -> None:
    store = seed(*EXISTING)
    plan = "document/ubnd/kh/2024/8"
    new = [
        t(plan, A, str(DH.ImplementationPlan)),
        t(plan, dh("evidence"), "evidence/shared"),
        t(plan + "/task/1", dh("taskOf"), plan),
        t("evidence/shared", A, str(DH.Evidence)),
    ]
    change = add_document(store, ID + "document/ubnd/kh/2024/8", new)
    assert set(change.added) == {graph_iri("data", "documents"), graph_iri("data", "tasks")}
    assert t("evidence/shared", A, str(DH.Evidence)) not in flat(change.added)  # already there
    with pytest.raises(DocumentExists):
        add_document(store, ID + DOC, EXISTING)


def test_a_document_write_may_not_reach_other_existing_nodes() -> None:
    store = seed(*EXISTING)
    reaching = [
        t("document/ubnd/kh/2024/8", A, str(DH.ImplementationPlan)),
        t("agency/ubnd", dh("branch"), "branch/state"),
    ]
    with pytest.raises(InvalidChange, match="agency/ubnd"):
        add_document(store, ID + "document/ubnd/kh/2024/8", reaching)
    new_agency = [t("document/ubnd/kh/2024/8", A, str(DH.ImplementationPlan)), t("agency/new", A, str(DH.Agency))]
    assert graph_iri("data", "agencies") in add_document(store, ID + "document/ubnd/kh/2024/8", new_agency).added


def test_a_document_write_must_type_the_document() -> None:
    with pytest.raises(InvalidChange, match="rdf:type"):
        add_document(
            seed(*EXISTING), ID + "document/x/kh/2024/9", [t("document/x/kh/2024/9", dh("number"), ox.Literal("9"))]
        )


def test_replace_and_retract_need_the_document() -> None:
    with pytest.raises(DocumentNotFound):
        replace_document(seed(), ID + DOC, EXISTING)
    with pytest.raises(DocumentNotFound):
        retract_document(seed(), NQ15)


# -- GraphStore.apply ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", [False, True], ids=["one update", "with blank nodes"])
def test_apply_keeps_the_default_graph_the_union(blank: bool) -> None:
    rng = random.Random(int(blank))
    graphs = [
        graph_iri("data", "a"),
        graph_iri("data", "b"),
        graph_iri("ontology", "o"),
        graph_iri("shapes", "s"),
        "http://example.org/g",
    ]
    pool = [t(f"s/{i % 4}", dh(f"p{i % 3}"), ox.Literal(str(i % 5))) for i in range(30)]
    if blank:
        pool.append(ox.Triple(ox.BlankNode("b"), dh("p"), ox.Literal("x")))
    store = GraphStore()
    for _ in range(40):
        added = {g: set(rng.sample(pool, 3)) for g in rng.sample(graphs, 2)}
        removed = {g: set(rng.sample(pool, 4)) for g in rng.sample(graphs, 2)}
        expected = {g: set(store.triples_in(g)) for g in graphs}
        for g, ts in removed.items():
            expected[g] -= ts
        for g, ts in added.items():
            expected[g] |= ts
        store.apply(added, removed)
        assert {g: set(store.triples_in(g)) for g in graphs} == expected
        assert default_is_union(store)
    assert store.revision >= 40


def test_apply_creates_and_drops_graphs() -> None:
    store = GraphStore()
    g = graph_iri("data", "a")
    triple = t("s/1", dh("p"), ox.Literal("1"))
    store.apply({g: {triple}}, {}, created=["http://example.org/empty"])
    assert set(store.graphs()) == {g, "http://example.org/empty"}
    store.apply({}, {}, dropped=[g, "http://example.org/empty"])
    assert store.graphs() == []
    assert default_is_union(store)
