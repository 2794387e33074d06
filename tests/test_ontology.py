"""Ontology hygiene, ODK-style: every term documented, every term used declared, no typo'd IRI, no untyped date,
every literal in NFC, and the quality-control queries ``tests/qc/*-violation.rq`` return no row on ontology + data.

W3C ORG and DCAT both shipped IRIs with typos and untyped literals; these checks are the automated reader that would
have caught them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, XSD, Literal, URIRef

from graph_api.namespaces import DH, DHS, SH, SKOS

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from rdflib.term import Node

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = ROOT / "ontology" / "directives.ttl"
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))
SHAPE_FILES = sorted((ROOT / "shapes").glob("*.ttl"))
FIXTURE_BASE = ROOT / "tests" / "shapes" / "_base.ttl"
FIXTURE_FILES = sorted((ROOT / "tests" / "shapes").glob("*/*.ttl"))
QC_FILES = sorted((ROOT / "tests" / "qc").glob("*-violation.rq"))

ONTOLOGY_IRI = URIRef("https://w3id.org/vn-directives/ontology")
CODE = "https://w3id.org/vn-directives/code/"
ID = "https://w3id.org/vn-directives/id/"
LANGUAGES = ("vi", "en")

PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(SH))
#: Literals that may look like dates because they record what a source prints.
VERBATIM = (DH.asPrinted, DH.quote)
DATE_LIKE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,5})\s*$")

needs_data = pytest.mark.skipif(not DATA_FILES, reason="data/ has no .ttl file yet")


# -- Loading -----------------------------------------------------------------------------------------


def parse(*paths: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def parse_fixture(path: Path) -> rdflib.Graph:
    """A shape-test file is Turtle only after the shared fixture, whose prefixes it uses."""
    base = FIXTURE_BASE.read_text(encoding="utf-8")
    if path == FIXTURE_BASE:
        return rdflib.Graph().parse(data=base, format="turtle")
    return rdflib.Graph().parse(data=base + "\n" + path.read_text(encoding="utf-8"), format="turtle")


@cache
def fixtures() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in [FIXTURE_BASE, *FIXTURE_FILES]:
        graph += parse_fixture(path)
    return graph


@cache
def ontology() -> rdflib.Graph:
    return parse(ONTOLOGY_FILE)


@cache
def data() -> rdflib.Graph:
    return parse(*DATA_FILES)


@cache
def shapes() -> rdflib.Graph:
    return parse(*SHAPE_FILES)


@cache
def ontology_and_data() -> rdflib.Graph:
    return parse(ONTOLOGY_FILE, *DATA_FILES)


def declared(kinds: Iterable[URIRef]) -> set[Node]:
    graph = ontology()
    return {s for kind in kinds for s in graph.subjects(RDF.type, kind)}


def classes() -> set[Node]:
    return declared((OWL.Class, RDFS.Class))


def properties() -> set[Node]:
    return declared(PROPERTY_TYPES)


def concepts() -> set[Node]:
    return declared((SKOS.Concept, SKOS.ConceptScheme))


def is_built_in(iri: Node) -> bool:
    return str(iri).startswith(BUILT_IN)


def is_datatype(iri: Node) -> bool:
    return str(iri).startswith(str(XSD)) or iri in (RDF.langString, RDFS.Literal, RDF.PlainLiteral)


def iris(graph: rdflib.Graph) -> Iterator[URIRef]:
    for triple in graph:
        yield from (t for t in triple if isinstance(t, URIRef))


# -- Every term documented ----------------------------------------------------------------------------


def own_terms() -> list[Node]:
    """Terms of the dh: namespace and of the code lists, as declared (typed) in the ontology."""
    graph = ontology()
    terms = {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
    return sorted(t for t in terms if str(t).startswith((str(DH), CODE)))


def test_the_ontology_declares_terms_and_code_lists() -> None:
    terms = own_terms()
    assert DH.Document in terms
    assert URIRef(CODE + "doc-type/NQ") in terms


@pytest.mark.parametrize("term", own_terms(), ids=lambda t: str(t).rsplit("/", 2)[-1].replace("ontology#", ""))
def test_term_has_labels_definitions_and_is_defined_by(term: URIRef) -> None:
    graph = ontology()
    for predicate in (RDFS.label, SKOS.definition):
        languages = sorted(str(o.language) for o in graph.objects(term, predicate) if isinstance(o, Literal))
        assert set(languages) >= set(LANGUAGES), f"{term} {predicate}: {languages}"
        for language in LANGUAGES:
            assert languages.count(language) == 1, f"{term} has {languages.count(language)} {predicate}@{language}"
    assert list(graph.objects(term, RDFS.isDefinedBy)) == [ONTOLOGY_IRI], f"{term} rdfs:isDefinedBy"


def test_the_ontology_header_is_complete() -> None:
    graph = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    for predicate in (OWL.versionIRI, rdflib.DCTERMS.license, rdflib.DCTERMS.modified):
        assert graph.value(ONTOLOGY_IRI, predicate) is not None, predicate
    for predicate in (rdflib.DCTERMS.title, rdflib.DCTERMS.description):
        languages = {o.language for o in graph.objects(ONTOLOGY_IRI, predicate) if isinstance(o, Literal)}
        assert languages == set(LANGUAGES), predicate


# -- Every term used is declared -----------------------------------------------------------------------


def classes_and_properties_used(graph: rdflib.Graph) -> tuple[set[Node], set[Node]]:
    used_classes = set(graph.objects(None, RDF.type))
    used_properties = set(graph.predicates())
    return used_classes, used_properties


@needs_data
def test_classes_and_properties_of_the_data_are_declared() -> None:
    used_classes, used_properties = classes_and_properties_used(data())
    missing_classes = {c for c in used_classes if not is_built_in(c)} - classes()
    missing_properties = {p for p in used_properties if not is_built_in(p)} - properties()
    assert not missing_classes, f"classes used in data/ but not declared: {sorted(missing_classes)}"
    assert not missing_properties, f"properties used in data/ but not declared: {sorted(missing_properties)}"


def test_classes_and_properties_of_the_shape_fixtures_are_declared() -> None:
    used_classes, used_properties = classes_and_properties_used(fixtures())
    missing_classes = {c for c in used_classes if not is_built_in(c)} - classes()
    missing_properties = {p for p in used_properties if not is_built_in(p)} - properties()
    assert not missing_classes, f"classes used in tests/shapes/ but not declared: {sorted(missing_classes)}"
    assert not missing_properties, f"properties used in tests/shapes/ but not declared: {sorted(missing_properties)}"


def test_shape_targets_and_paths_are_declared() -> None:
    graph = shapes()
    used_classes = set(graph.objects(None, SH.targetClass)) | set(graph.objects(None, SH["class"]))
    used_properties: set[Node] = set()
    for predicate in (
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.lessThanOrEquals,
        SH.lessThan,
        SH.equals,
        SH.disjoint,
        SH.inversePath,
    ):
        used_properties |= set(graph.objects(None, predicate))
    used_properties |= {p for p in graph.objects(None, SH.path) if isinstance(p, URIRef)}
    missing_classes = {c for c in used_classes if not is_built_in(c)} - classes()
    missing_properties = {p for p in used_properties if not is_built_in(p)} - properties()
    assert not missing_classes, f"classes targeted by shapes but not declared: {sorted(missing_classes)}"
    assert not missing_properties, f"properties used by shapes but not declared: {sorted(missing_properties)}"


def test_terms_named_in_shape_sparql_are_declared() -> None:
    """A misspelt dh: term in a SHACL-SPARQL query would silently make the constraint never fire."""
    graph = shapes()
    prefixes = {
        str(graph.value(d, SH.prefix)): str(graph.value(d, SH.namespace)) for d in graph.objects(None, SH.declare)
    }
    declared_terms = set(ontology().subjects(RDF.type, None))
    missing = set()
    for select in graph.objects(None, SH.select):
        for prefix, local in re.findall(r"\b([a-z]+):([A-Za-z][\w-]*)", str(select)):
            namespace = prefixes.get(prefix)
            if namespace is None or not namespace.startswith("https://w3id.org/vn-directives/"):
                continue
            term = URIRef(namespace + local)
            if term not in declared_terms:
                missing.add(term)
    assert not missing, f"terms named in SHACL-SPARQL but not declared in the ontology: {sorted(missing)}"


def test_axiom_targets_are_declared() -> None:
    graph = ontology()
    known = classes() | properties() | concepts()
    undeclared = []
    for predicate in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf, RDFS.domain, RDFS.range):
        for subject, target in graph.subject_objects(predicate):
            if target in known or is_datatype(target) or target in (OWL.Class, RDF.Statement):
                continue
            undeclared.append((subject, predicate, target))
    assert not undeclared, f"axioms pointing at undeclared terms: {undeclared}"


def test_no_iri_of_our_namespaces_is_used_but_undeclared() -> None:
    """Catches typos such as ``dh:implemnts`` or ``dtype:NQQ`` anywhere in ontology/, data/ and shapes/."""
    declared_terms = set(ontology().subjects(RDF.type, None))
    shape_iris = set(shapes().subjects(RDF.type, None))
    problems = set()
    for graph in (ontology(), data(), shapes()):
        for iri in iris(graph):
            vocabulary = str(iri).startswith((str(DH), CODE)) and iri not in declared_terms
            shape = str(iri).startswith(str(DHS)) and iri not in shape_iris
            if vocabulary or shape:
                problems.add(iri)
    assert not problems, f"IRIs in our namespaces used but never declared: {sorted(problems)}"


@needs_data
def test_every_data_node_has_a_type() -> None:
    graph = data()
    untyped = {i for i in iris(graph) if str(i).startswith(ID) and graph.value(i, RDF.type) is None}
    assert not untyped, f"data IRIs with no rdf:type (typo or missing node): {sorted(untyped)}"


def test_every_inverse_is_declared_once() -> None:
    graph = ontology()
    pairs = [frozenset(pair) for pair in graph.subject_objects(OWL.inverseOf)]
    assert len(pairs) == len(set(pairs)), "an owl:inverseOf pair is declared twice (once from each side)"


# -- Literals -----------------------------------------------------------------------------------------


@needs_data
def test_no_untyped_dates_in_the_data() -> None:
    bad = []
    for subject, predicate, obj in data():
        if not isinstance(obj, Literal) or predicate in VERBATIM:
            continue
        if obj.datatype not in (None, XSD.string):
            continue
        if DATE_LIKE.match(str(obj)):
            bad.append((subject, predicate, obj))
    assert not bad, f"dates written as strings (use xsd:date, or dh:asPrinted for the printed form): {bad}"


def nfc_problems(paths: Iterable[Path]) -> list[tuple[str, str]]:
    problems = []
    for path in paths:
        graph = parse_fixture(path) if path.is_relative_to(FIXTURE_BASE.parent) else parse(path)
        literals = (t for triple in graph for t in triple if isinstance(t, Literal))
        problems.extend((path.name, str(t)) for t in literals if not unicodedata.is_normalized("NFC", str(t)))
    return problems


@pytest.mark.parametrize(
    ("name", "paths"),
    [
        ("ontology", [ONTOLOGY_FILE]),
        ("data", DATA_FILES),
        ("shapes", SHAPE_FILES),
        ("fixtures", [FIXTURE_BASE, *FIXTURE_FILES]),
    ],
)
def test_every_literal_is_nfc(name: str, paths: list[Path]) -> None:
    assert not nfc_problems(paths), f"{name}: literals not in Unicode NFC"


def test_language_tags_are_vi_or_en() -> None:
    for graph in (ontology(), data(), shapes()):
        tags = {o.language for o in graph.objects() if isinstance(o, Literal) and o.language}
        assert tags <= set(LANGUAGES), tags


# -- Quality-control queries --------------------------------------------------------------------------


def test_there_are_quality_control_queries() -> None:
    assert QC_FILES
    for path in QC_FILES:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#+ summary:"), f"{path.name} must start with a '#+ summary:' header"


@needs_data
@pytest.mark.parametrize("query", QC_FILES, ids=lambda p: p.stem)
def test_quality_control_query_returns_no_row(query: Path) -> None:
    rows = list(ontology_and_data().query(query.read_text(encoding="utf-8")))
    shown = "\n".join("  " + " | ".join(str(v) for v in row) for row in rows[:20])
    assert not rows, f"{query.name}: {len(rows)} row(s)\n{shown}"
