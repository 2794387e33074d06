"""The compiled SPARQL validator gives pySHACL's report, result for result, and validate_focus gives the full run's.

Compared as multisets of (focus, shape, path, value, severity, message vi, message en, component), a blank-node path
(``sh:inversePath``) written ``^<IRI>``: on the seed graph, on every tests/shapes/<Shape>/{conforms,violates}.ttl
after _base.ttl, and on graphs from bench.generate (several seeds, small size). Incremental: for random documents of
a generated graph, ``validate_focus(affected_focus_nodes(doc))`` equals the full run restricted to those nodes.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import rdflib
from conftest import new_store
from test_shapes import _reuse_parsed_sparql, base_text, case_folders, ontology_graph, shapes_graph

from graph_api.errors import UnsupportedShape
from graph_api.namespaces import SH
from graph_api.shacl_focus import affected_focus_nodes
from graph_api.shacl_sparql import compile_shapes, validate_focus, validate_store
from graph_api.store import GraphStore, Source, graph_iri
from graph_api.validation import ValidationReport, validate, validate_graph

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["_reuse_parsed_sparql"]  # the fixture that caches pySHACL's parsed queries, active here too

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "directives.ttl"
SHAPE_FILES = sorted((ROOT / "shapes").glob("*.ttl"))
GENERATED_SEEDS = (1, 2, 3)
GENERATED_SIZE = 2500

Key = tuple[str, str, str | None, str | None, str, str | None, str | None, str | None]


def keys(report: ValidationReport, focus: Iterable[str] | None = None) -> Counter[Key]:
    wanted = set(focus) if focus is not None else None

    def path(text: str | None) -> str | None:
        if text is None or not text.startswith("_:"):
            return text
        inverse = report.graph.value(rdflib.BNode(text[2:]), SH.inversePath)
        return f"^{inverse}" if inverse is not None else text

    return Counter(
        (r.focus_node, r.shape, path(r.path), r.value, r.severity, r.message.get("vi"), r.message.get("en"),
         r.component)
        for r in report.results
        if wanted is None or r.focus_node in wanted
    )  # fmt: skip


def store_with(*data: Path | str) -> GraphStore:
    """Ontology, shapes and the data (files, or Turtle texts) in one store, as the project loads them."""
    store = new_store()
    sources = [Source(ONTOLOGY, "ontology"), *(Source(p, "shapes") for p in SHAPE_FILES)]
    sources += [Source(d, "data") for d in data if isinstance(d, Path)]
    store.load(sources, progress=False)
    for number, text in enumerate(d for d in data if isinstance(d, str)):
        store.load_text(text, name=f"case-{number}.ttl")
    return store


def pyshacl_report(store: GraphStore) -> ValidationReport:
    return validate_graph(store.to_rdflib(), shapes_graph(), ontology_graph())


# -- the seed graph and the shape cases ---------------------------------------------------------------------


def test_seed_graph(project_store: GraphStore) -> None:
    compiled = validate(project_store)
    assert keys(compiled) == keys(validate(project_store, engine="pyshacl"))
    assert len(compiled.results) == 4


@pytest.mark.parametrize("case", ["conforms", "violates"])
@pytest.mark.parametrize("folder", case_folders(), ids=lambda p: p.name)
def test_shape_cases(folder: Path, case: str) -> None:
    store = store_with(base_text() + "\n" + (folder / f"{case}.ttl").read_text(encoding="utf-8"))
    compiled = validate_store(store)
    assert keys(compiled) == keys(pyshacl_report(store))
    assert bool(compiled.results) == (case == "violates")


def test_deactivated_shapes_are_skipped_as_pyshacl_skips_them() -> None:
    cycles = (ROOT / "tests/shapes/ImplementsCycleShape/violates.ttl").read_text(encoding="utf-8")
    store = store_with(base_text() + "\n" + cycles)
    before = validate_store(store)
    store.load_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix dhs: <https://w3id.org/vn-directives/shapes#> .\n"
        "dhs:ImplementsCycleShape sh:deactivated true . dhs:DocumentShape-title sh:deactivated true .",
        name="off.ttl",
        kind="shapes",
    )
    after = validate_store(store)
    pyshacl = validate_graph(store.to_rdflib(), store.to_rdflib(("shapes",)), ontology_graph())
    assert keys(after) == keys(pyshacl)
    assert any(r.shape.endswith("#ImplementsCycleShape") for r in before.results)
    assert not any(r.shape.endswith("#ImplementsCycleShape") for r in after.results)


def test_report_graph_is_a_shacl_validation_report() -> None:
    store = store_with(base_text() + "\n" + (ROOT / "tests/shapes/AssignmentShape-madeBy/violates.ttl").read_text())
    report = validate_store(store)
    graph = report.graph
    (node,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(node, SH.conforms) == rdflib.Literal(False)
    assert len(list(graph.objects(node, SH.result))) == len(report.results)
    assert "sh:inversePath" in report.to_turtle()


# -- generated national graphs -------------------------------------------------------------------------------

generate = pytest.importorskip("bench.generate", reason="bench.generate is not there yet").generate


@pytest.fixture(scope="module", params=GENERATED_SEEDS, ids=lambda s: f"seed{s}")
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    summary = generate(tmp_path_factory.mktemp("generated"), size=GENERATED_SIZE, seed=request.param)
    return store_with(summary.data)


def test_generated_graph(generated: GraphStore) -> None:
    compiled = validate_store(generated)
    assert keys(compiled) == keys(pyshacl_report(generated))
    assert compiled.results


def test_incremental_equals_the_full_run(generated: GraphStore) -> None:
    full = validate_store(generated)
    rows = generated.select("SELECT DISTINCT ?d WHERE { ?d <https://w3id.org/vn-directives/ontology#documentType> ?t }")
    documents = sorted(str(r["d"].value) for r in rows)
    chosen = random.Random(7).sample(documents, 8)
    # Documents with results first: the defects' documents, so the comparison is not vacuous.
    chosen += sorted({r.focus_node for r in full.results if r.focus_node in documents})[:8]
    for document in chosen:
        focus = affected_focus_nodes(generated, document)
        assert document in focus
        assert keys(validate_focus(generated, focus)) == keys(full, focus), document


def test_incremental_sees_a_change(generated: GraphStore) -> None:
    """After a change (here: a new cycle), the affected nodes' results are the new full run's for them."""
    implements = "https://w3id.org/vn-directives/ontology#implements"
    (row,) = generated.select(f"SELECT ?a ?b WHERE {{ ?a <{implements}> ?b }} ORDER BY ?a ?b LIMIT 1")
    a, b = row["a"].value, row["b"].value
    before = affected_focus_nodes(generated, b)
    generated.load_text(f"<{b}> <{implements}> <{a}> .", name="change.ttl")
    try:
        focus = before | affected_focus_nodes(generated, b)
        assert a in focus
        report = validate_focus(generated, focus)
        assert keys(report) == keys(validate_store(generated), focus)
        assert {(r.focus_node, r.shape.rsplit("#", 1)[1]) for r in report.results} >= {
            (a, "ImplementsCycleShape"),
            (b, "ImplementsCycleShape"),
        }
    finally:
        generated.remove_graphs([graph_iri("data", "change")])


# -- unsupported features are refused -------------------------------------------------------------------------

SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:Shape a sh:NodeShape ; sh:targetClass ex:C ; sh:message "m"@en ; {node} sh:property ex:Property .
ex:Property a sh:PropertyShape ; sh:message "m"@en ; {property} .
"""
UNSUPPORTED = {
    "sh:in": ("", 'sh:path ex:p ; sh:in ( "a" )'),
    "sh:pattern": ("", 'sh:path ex:p ; sh:pattern "^a"'),
    "sh:node": ("sh:node ex:Other ;", ""),
    "sh:or": ("sh:or ( [ sh:path ex:p ; sh:minCount 1 ] [ sh:path ex:q ; sh:minCount 1 ] ) ;", ""),
    "sh:targetNode": ("sh:targetNode ex:x ;", ""),
    "a sequence path": ("", "sh:path ( ex:p ex:q )"),
    "MINUS": ('sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?o MINUS { $this ex:q ?o } }" ] ;', ""),
    "LIMIT": ('sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?o } LIMIT 1" ] ;', ""),
    "an aggregate": ('sh:sparql [ sh:select "SELECT (COUNT(?o) AS ?n) WHERE { $this ex:p ?o }" ] ;', ""),
    "sh:ask": ('sh:sparql [ sh:ask "ASK { $this ex:p ?o }" ] ;', ""),
}


@pytest.mark.parametrize("feature", sorted(UNSUPPORTED))
def test_unsupported_features_are_refused_by_name(feature: str) -> None:
    node, prop = UNSUPPORTED[feature]
    text = SHAPE.format(node=node, property=prop or "sh:path ex:p ; sh:minCount 1")
    graph = rdflib.Graph().parse(data=text, format="turtle")
    with pytest.raises(UnsupportedShape) as raised:
        compile_shapes(graph)
    assert raised.value.feature


def test_the_project_shapes_compile() -> None:
    compiled = compile_shapes(shapes_graph())
    assert sum(1 + len(shape.properties) for shape in compiled.shapes) == 66  # every shape of shapes/*.ttl
    assert len(compiled.checks) == 115  # one query per constraint
