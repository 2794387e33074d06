"""bench/generate: deterministic, about the size asked, parseable, IRIs by the scheme, and validation finds exactly
the defects it lists in defects.json (and the quality-control queries find nothing)."""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pytest
import rdflib

from bench._defects import KINDS
from bench.generate import generate, main, parse_size, plan_for
from graph_api.iris import agency_iri, document_iri
from graph_api.namespaces import DH, SKOS
from graph_api.validation import validate_graph

if TYPE_CHECKING:
    from bench.generate import Summary

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "directives.ttl"
SMALL = 4000
SEED = 42


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    return generate(tmp_path_factory.mktemp("small"), size=SMALL, seed=SEED)


@pytest.fixture(scope="module")
def manifest(small: Summary) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(small.manifest.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def graph(small: Summary) -> rdflib.Graph:
    return rdflib.Graph().parse(small.data, format="nt")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


def expected(manifest: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(r["focus"], r["shape"], r["severity"]) for d in manifest["defects"] for r in d["results"]}


# -- determinism and size ---------------------------------------------------------------------------


def test_same_seed_and_size_give_the_same_bytes(small: Summary, tmp_path: Path) -> None:
    again = generate(tmp_path, size=SMALL, seed=SEED)
    assert again.data.read_bytes() == small.data.read_bytes()
    assert again.manifest.read_bytes() == small.manifest.read_bytes()


def test_another_seed_gives_another_graph(small: Summary, tmp_path: Path) -> None:
    other = generate(tmp_path, size=SMALL, seed=SEED + 1)
    assert other.data.read_bytes() != small.data.read_bytes()


def test_gzip_output_is_deterministic_and_holds_the_same_triples(small: Summary, tmp_path: Path) -> None:
    first = generate(tmp_path / "a", size=SMALL, seed=SEED, compress=True)
    second = generate(tmp_path / "b", size=SMALL, seed=SEED, compress=True)
    assert first.data.name == "graph.nt.gz"
    assert first.data.read_bytes() == second.data.read_bytes()
    assert gzip.decompress(first.data.read_bytes()) == small.data.read_bytes()


def test_size_is_roughly_as_requested(small: Summary, manifest: dict[str, Any]) -> None:
    assert 0.8 * SMALL <= small.triples <= 1.3 * SMALL
    assert manifest["triples"] == small.triples == len(small.data.read_text(encoding="utf-8").splitlines())


def test_sizes_parse() -> None:
    assert [parse_size(s) for s in ("S", "m", "L", "250000", "2.5e6")] == [10**4, 10**6, 10**7, 250_000, 2_500_000]
    with pytest.raises(argparse.ArgumentTypeError, match="size"):
        parse_size("huge")
    big = plan_for(10**7)
    assert big.provinces <= 63
    assert big.lower >= 2
    assert big.content == 1.0


def test_command_line_writes_the_graph_and_the_manifest(tmp_path: Path) -> None:
    assert main(["--size", "3000", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "graph.nt").stat().st_size > 0
    assert json.loads((tmp_path / "defects.json").read_text(encoding="utf-8"))["seed"] == 3


# -- the graph --------------------------------------------------------------------------------------


def test_output_parses_without_duplicate_triples(small: Summary, graph: rdflib.Graph) -> None:
    assert len(graph) == small.triples


def test_hierarchy_spans_the_levels_and_the_reform(graph: rdflib.Graph) -> None:
    """Central, province, district (only before 1 July 2025) and commune (only from then) documents."""
    code = "https://w3id.org/vn-directives/code/issuer-code/"
    dates: dict[str, list[str]] = {}
    for document, issuer_code in graph.subject_objects(DH.issuerCode):
        dates.setdefault(str(issuer_code).removeprefix(code), []).append(str(graph.value(document, DH.issueDate)))
    assert {"TW", "TU", "UBND", "DU"} <= set(dates)
    assert {"HU", "QU"} & set(dates)
    assert all(day < "2025-07-01" for c in ("HU", "QU") for day in dates.get(c, []))
    assert all(day >= "2025-07-01" for day in dates["DU"])


def test_documents_follow_the_iri_scheme(graph: rdflib.Graph, ontology: rdflib.Graph) -> None:
    documents = set(graph.subjects(DH.documentType, None))
    assert len(documents) >= 10
    for document in documents:
        issuer = graph.value(document, DH.issuedBy)
        notation = ontology.value(graph.value(document, DH.documentType), SKOS.notation)
        number = graph.value(document, DH.number)
        issued = graph.value(document, DH.issueDate)
        assert issuer is not None
        assert notation is not None
        assert number is not None
        assert issued is not None
        labels = graph.objects(issuer, SKOS.prefLabel)
        name = next(str(label) for label in labels if isinstance(label, rdflib.Literal) and label.language == "vi")
        assert str(issuer) == agency_iri(name)
        year = int(str(issued)[:4])
        assert str(document) == document_iri(name, str(notation), number=str(number), year=year)


def test_quality_control_queries_find_nothing(small: Summary) -> None:
    store = ox.Store()
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE)
    store.load(path=str(small.data), format=ox.RdfFormat.N_TRIPLES)
    for query in sorted((ROOT / "tests" / "qc").glob("*-violation.rq")):
        solutions = store.query(query.read_text(encoding="utf-8"))
        assert isinstance(solutions, ox.QuerySolutions)
        rows = list(solutions)
        assert not rows, f"{query.name}: {rows[:3]}"


# -- defects ----------------------------------------------------------------------------------------


def test_manifest_lists_every_kind_with_its_shape(manifest: dict[str, Any]) -> None:
    assert set(manifest["counts"]) == set(KINDS)
    assert all(n >= 1 for n in manifest["counts"].values()), manifest["counts"]
    for defect in manifest["defects"]:
        assert defect["results"]
        for result in defect["results"]:
            assert result["shape"].startswith("https://w3id.org/vn-directives/shapes#")
            assert result["severity"] in {"Violation", "Warning"}
    assert manifest["expected_results"] == len(expected(manifest))


@pytest.mark.slow
def test_validation_reports_exactly_the_injected_defects(
    graph: rdflib.Graph, ontology: rdflib.Graph, manifest: dict[str, Any]
) -> None:
    """Precision and recall 1: every listed (focus, shape, severity) is reported, and nothing else."""
    shapes = rdflib.Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    data = rdflib.Graph()
    data += graph
    data += ontology  # pySHACL reads the SKOS code lists from the data graph
    report = validate_graph(data, shapes, ontology)
    found = {(r.focus_node, r.shape, r.severity) for r in report.results}
    assert found == expected(manifest), report.to_text()
