from __future__ import annotations

import json

import rdflib
from conftest import PREFIXES, make_store

from graph_api.validation import ValidationReport, compact, validate, validate_graph

SHAPES = """
@prefix sh:  <http://www.w3.org/ns/shacl#> .
@prefix dh:  <https://w3id.org/vn-directives/ontology#> .
@prefix dhs: <https://w3id.org/vn-directives/shapes#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

dhs:DocumentShape a sh:NodeShape ;
    sh:targetClass dh:Document ;
    sh:property dhs:DocumentShape-symbol .

dhs:DocumentShape-symbol a sh:PropertyShape ;
    sh:path dh:symbol ;
    sh:minCount 1 ;
    sh:severity sh:Violation ;
    sh:message "Văn bản thiếu số, ký hiệu."@vi, "The document has no symbol."@en .

dhs:IssueDateShape a sh:NodeShape ;
    sh:targetClass dh:Document ;
    sh:severity sh:Info ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "Năm ban hành là {?year}."@vi, "Issued in {?year}."@en ;
        sh:select \"\"\"PREFIX dh: <https://w3id.org/vn-directives/ontology#>
            SELECT $this ?value ?year WHERE { $this dh:issueDate ?value . BIND(YEAR(?value) AS ?year) }\"\"\" ;
    ] .

dhs:TitleShape a sh:NodeShape ;
    sh:targetClass dh:Resolution ;
    sh:severity sh:Warning ;
    sh:property [ sh:path dh:title ; sh:minCount 1 ; sh:severity sh:Warning ] .
"""

GOOD = (
    PREFIXES
    + """
<document/a> a dh:Resolution ; dh:symbol "1-NQ/TW" ; dh:title "Nghị quyết"@vi .
"""
)

BAD = (
    PREFIXES
    + """
<document/a> a dh:Resolution ; dh:issueDate "2022-05-05"^^xsd:date .
<document/b> a dh:ImplementationPlan ; dh:symbol "2/KH-UBND" .
"""
)
DOC_A = "https://w3id.org/vn-directives/id/document/a"


def _report(data: str) -> ValidationReport:
    store = make_store(data)
    store.load_text(SHAPES, name="shapes.ttl", kind="shapes")
    return validate(store)


def test_conforming_data() -> None:
    report = _report(GOOD)
    assert report.conforms
    assert report.results == ()
    assert report.counts() == {"Violation": 0, "Warning": 0, "Info": 0}
    assert "Conforms: 0 violation, 0 warning, 0 info" in report.to_text()


def test_results_are_typed_and_sorted_by_severity() -> None:
    report = _report(BAD)
    assert not report.conforms
    assert [(r.severity, r.focus_node, r.shape) for r in report.results] == [
        ("Violation", DOC_A, "https://w3id.org/vn-directives/shapes#DocumentShape-symbol"),
        ("Warning", DOC_A, report.of("Warning")[0].shape),
        ("Info", DOC_A, "https://w3id.org/vn-directives/shapes#IssueDateShape"),
    ]
    violation = report.of("Violation")[0]
    assert violation.path == "https://w3id.org/vn-directives/ontology#symbol"
    assert violation.component == "http://www.w3.org/ns/shacl#MinCountConstraintComponent"
    assert violation.message == {"vi": "Văn bản thiếu số, ký hiệu.", "en": "The document has no symbol."}


def test_sparql_messages_are_filled_in_and_keep_their_language() -> None:
    info = _report(BAD).of("Info")[0]
    assert info.message == {"vi": "Năm ban hành là 2022.", "en": "Issued in 2022."}
    assert info.value == "2022-05-05"


def test_a_shape_without_message_gets_pyshacls_text_in_both_languages() -> None:
    warning = _report(BAD).of("Warning")[0]
    assert warning.path == "https://w3id.org/vn-directives/ontology#title"
    assert warning.message["vi"] == warning.message["en"]
    assert warning.message["en"]


def test_warnings_and_infos_do_not_fail_conformance() -> None:
    report = _report(BAD.replace("dh:issueDate", 'dh:symbol "1-NQ/TW" ; dh:issueDate'))
    assert report.conforms
    assert report.counts() == {"Violation": 0, "Warning": 1, "Info": 1}


def test_renderings() -> None:
    report = _report(BAD)
    data = json.loads(report.to_json())
    assert data["conforms"] is False
    assert data["counts"] == {"Violation": 1, "Warning": 1, "Info": 1}
    assert data["results"][0]["message"]["vi"] == "Văn bản thiếu số, ký hiệu."
    text = report.to_text()
    assert text.index("Violation (1)") < text.index("Warning (1)") < text.index("Info (1)")
    assert "[dhs:DocumentShape-symbol]" in text
    assert "en: The document has no symbol." in text
    assert text.endswith("Does not conform: 1 violation, 1 warning, 1 info")
    graph = rdflib.Graph().parse(data=report.to_turtle(), format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert len(list(graph.subjects(rdflib.RDF.type, sh.ValidationResult))) == 3


def test_validate_graph_on_rdflib_graphs() -> None:
    data = rdflib.Graph().parse(data=BAD, format="turtle")
    shapes = rdflib.Graph().parse(data=SHAPES, format="turtle")
    ontology = rdflib.Graph().parse(
        data="""@prefix dh: <https://w3id.org/vn-directives/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        dh:Resolution rdfs:subClassOf dh:Document . dh:ImplementationPlan rdfs:subClassOf dh:Document .""",
        format="turtle",
    )
    with_ontology = validate_graph(data, shapes, ontology)
    assert with_ontology.counts() == {"Violation": 1, "Warning": 1, "Info": 1}
    without = validate_graph(data, shapes)
    assert without.counts() == {"Violation": 0, "Warning": 1, "Info": 0}, "no class hierarchy, no dh:Document"


def test_compact() -> None:
    assert compact("https://w3id.org/vn-directives/ontology#symbol") == "dh:symbol"
    assert compact("https://example.org/x") == "https://example.org/x"
