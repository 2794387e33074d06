"""The SHACL shapes in shapes/*.ttl: documented, valid SHACL, and each with data that conforms and data that violates.

Every shape (node shapes and named property shapes) has a folder ``tests/shapes/<local name>/`` holding
``conforms.ttl`` (no validation result at all), ``violates.ttl`` (exactly the results in ``expected.json``) and
``expected.json`` (a list of ``{focus, shape, severity, path?, value?}``, IRIs as CURIEs, literals by lexical form).
Each file is validated after ``tests/shapes/_base.ttl``, a small valid graph whose prefixes it may use, with the real
ontology in the data graph and as ``ont_graph``, and with every shape active, through graph_api.validation.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyshacl
import pytest
import rdflib
from rdflib import RDF, RDFS, BNode, URIRef
from rdflib.collection import Collection
from rdflib.plugins.sparql import processor as sparql_processor

from graph_api.namespaces import DH, DHS, PREFIXES, SH
from graph_api.validation import ValidationReport, validate_graph

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY = ROOT / "ontology" / "directives.ttl"
CASES_DIR = Path(__file__).resolve().parent / "shapes"
BASE = CASES_DIR / "_base.ttl"
SHACL_SHACL = Path(pyshacl.__file__).resolve().parent / "assets" / "shacl-shacl.ttl"

CURIES = {**PREFIXES, "ex": "http://example.org/"}
SHAPE_FILES = ("structure.ttl", "consistency.ttl", "provenance.ttl", "quality.ttl")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: Constraint parameters whose values are themselves shapes.
SHAPE_VALUED = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
LANGUAGES = ("vi", "en")

Result = tuple[str, str, str, str | None, str | None]


# -- Speed -------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="module")
def _reuse_parsed_sparql() -> Iterator[None]:
    """Parse each SHACL-SPARQL query once for the ~130 validations below instead of once per validation.

    Parsing dominates pySHACL's run time here; a translated query is reusable by design (rdflib's prepareQuery),
    so evaluating a cached translation is the same as re-parsing the same text.
    """
    original = sparql_processor.SPARQLProcessor.query
    parsed: dict[tuple[str, str | None, frozenset[tuple[str, str]]], object] = {}

    def query(self, query, init_bindings=None, init_ns=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(query, str):
            key = (query, base, frozenset((k, str(v)) for k, v in (init_ns or {}).items()))
            if key not in parsed:
                parsed[key] = sparql_processor.translateQuery(sparql_processor.parseQuery(query), base, init_ns)
            query = parsed[key]
        return original(self, query, init_bindings, init_ns, base, DEBUG)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sparql_processor.SPARQLProcessor, "query", query)
        yield


# -- Loading -----------------------------------------------------------------------------------------


@cache
def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def ontology_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


def all_shapes(graph: rdflib.Graph) -> set[rdflib.term.Node]:
    """Every shape of the graph, named or not: declared, targeted, with a path, or the value of a shape parameter."""
    shapes: set[rdflib.term.Node] = set(graph.subjects(RDF.type, SH.NodeShape))
    shapes |= set(graph.subjects(RDF.type, SH.PropertyShape))
    shapes |= set(graph.subjects(SH.path, None))
    for predicate in TARGETS:
        shapes |= set(graph.subjects(predicate, None))
    for predicate in SHAPE_VALUED:
        shapes |= set(graph.objects(None, predicate))
    for predicate in SHAPE_LISTS:
        for head in graph.objects(None, predicate):
            shapes |= set(Collection(graph, head))
    return shapes


def named_shapes() -> list[str]:
    return sorted(str(s) for s in all_shapes(shapes_graph()) if isinstance(s, URIRef))


def local_name(iri: str) -> str:
    return iri.removeprefix(str(DHS))


def expand(text: str) -> str:
    """``dh:issueDate`` -> its IRI; ``^dh:assigns`` -> ``^<IRI>``; anything else (a literal's form) unchanged."""
    if text.startswith("^"):
        return "^" + expand(text[1:])
    prefix, sep, rest = text.partition(":")
    if sep and prefix in CURIES and not rest.startswith("//"):
        return CURIES[prefix] + rest
    return text


def show_path(report: ValidationReport, path: str | None) -> str | None:
    """A result path as text; a blank-node path (``sh:inversePath``) as ``^<IRI>``."""
    if path is None or not path.startswith("_:"):
        return path
    node = BNode(path[2:])
    inverse = report.graph.value(node, SH.inversePath)
    return f"^{inverse}" if inverse is not None else path


def validate_text(*texts: str) -> tuple[ValidationReport, set[Result]]:
    """Validate the ontology plus the given Turtle texts (concatenated, so later texts use earlier prefixes)."""
    data = rdflib.Graph().parse(data="\n".join(texts), format="turtle")
    data += ontology_graph()
    report = validate_graph(data, shapes_graph(), ontology_graph())
    results = {(r.focus_node, r.shape, r.severity, show_path(report, r.path), r.value) for r in report.results}
    return report, results


def expected_results(folder: Path) -> set[Result]:
    items = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    results: set[Result] = set()
    for item in items:
        assert set(item) <= {"focus", "shape", "severity", "path", "value"}, item
        path = item.get("path")
        value = item.get("value")
        results.add(
            (
                expand(item["focus"]),
                expand(item["shape"]),
                item["severity"],
                expand(path) if path is not None else None,
                expand(value) if value is not None else None,
            )
        )
    return results


def case_folders() -> list[Path]:
    return sorted(p for p in CASES_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def texts_of(*nodes: rdflib.term.Node, predicate: URIRef) -> Iterator[rdflib.Literal]:
    graph = shapes_graph()
    for node in nodes:
        for value in graph.objects(node, predicate):
            assert isinstance(value, rdflib.Literal), f"{node} {predicate} {value!r} is not a literal"
            yield value


# -- The shapes files ---------------------------------------------------------------------------------


def test_shape_files_are_split_by_purpose() -> None:
    assert sorted(p.name for p in SHAPES_DIR.glob("*.ttl")) == sorted(SHAPE_FILES)


def test_shapes_conform_to_the_shacl_meta_shapes() -> None:
    shacl_shacl = rdflib.Graph().parse(SHACL_SHACL, format="turtle")
    conforms, _, text = pyshacl.validate(shapes_graph(), shacl_graph=shacl_shacl, inference="none")
    assert conforms, text


def test_every_shape_is_named_in_the_shapes_namespace() -> None:
    unnamed = [s for s in all_shapes(shapes_graph()) if not (isinstance(s, URIRef) and str(s).startswith(str(DHS)))]
    assert not unnamed, f"shapes without a dhs: IRI: {unnamed}"


def test_shape_local_names_are_unique_folder_names() -> None:
    names = [local_name(s) for s in named_shapes()]
    assert len(names) == len(set(names))
    assert all("/" not in n and n for n in names)


@pytest.mark.parametrize("shape", named_shapes(), ids=local_name)
def test_shape_is_documented_in_both_languages(shape: str) -> None:
    node = URIRef(shape)
    for predicate in (SH.name, SH.description, SH.message):
        languages = [t.language for t in texts_of(node, predicate=predicate)]
        assert sorted(languages, key=str) == sorted(LANGUAGES), f"{local_name(shape)} {predicate}: {languages}"
        assert all(str(t).strip() for t in texts_of(node, predicate=predicate))
    severities = list(shapes_graph().objects(node, SH.severity))
    assert severities in ([SH.Violation], [SH.Warning], [SH.Info]), f"{local_name(shape)}: {severities}"


def test_sparql_constraints_declare_their_prefixes() -> None:
    graph = shapes_graph()
    for constraint in graph.objects(None, SH.sparql):
        prefixes = graph.value(constraint, SH.prefixes)
        assert prefixes is not None, f"a SPARQL constraint without sh:prefixes: {graph.value(constraint, SH.select)}"
        assert (prefixes, RDF.type, rdflib.OWL.Ontology) in graph
        assert list(graph.objects(prefixes, SH.declare))


def test_document_targets_cover_every_document_class() -> None:
    """A shape targeting dh:Document targets every subclass too (validation runs without RDFS inference)."""
    ontology = ontology_graph()
    document_classes = set(ontology.transitive_subjects(RDFS.subClassOf, DH.Document))
    graph = shapes_graph()
    for shape in graph.subjects(SH.targetClass, DH.Document):
        missing = document_classes - set(graph.objects(shape, SH.targetClass))
        assert not missing, f"{local_name(str(shape))} does not target {sorted(missing)}"


def test_every_shape_has_a_test_folder() -> None:
    shapes = {local_name(s) for s in named_shapes()}
    folders = {p.name for p in case_folders()}
    assert shapes - folders == set(), "shapes without tests/shapes/<name>/"
    assert folders - shapes == set(), "test folders naming no shape"
    for folder in case_folders():
        assert sorted(p.name for p in folder.iterdir()) == ["conforms.ttl", "expected.json", "violates.ttl"]


# -- The shapes on test data --------------------------------------------------------------------------


def base_text() -> str:
    return BASE.read_text(encoding="utf-8")


def test_base_fixture_conforms() -> None:
    _, results = validate_text(base_text())
    assert results == set()


@pytest.mark.parametrize("folder", case_folders(), ids=lambda p: p.name)
def test_conforming_data_gives_no_result(folder: Path) -> None:
    _, results = validate_text(base_text(), (folder / "conforms.ttl").read_text(encoding="utf-8"))
    assert results == set()


@pytest.mark.parametrize("folder", case_folders(), ids=lambda p: p.name)
def test_violating_data_gives_exactly_the_expected_results(folder: Path) -> None:
    report, results = validate_text(base_text(), (folder / "violates.ttl").read_text(encoding="utf-8"))
    expected = expected_results(folder)
    assert expected, "expected.json must list at least one result"
    assert results == expected
    # The folder's shape, or for a node shape one of its property shapes, is among the results.
    shape = URIRef(str(DHS) + folder.name)
    owned = {str(shape)} | {str(p) for p in shapes_graph().objects(shape, SH.property)}
    assert {r[1] for r in results} & owned
    # Every result carries a message in both languages with its placeholders filled in.
    for result in report.results:
        assert set(result.message) == set(LANGUAGES), result
        assert all("{?" not in text and "{$" not in text for text in result.message.values()), result
