from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import KH306, NQ15, ROOT, new_store

from graph_api.errors import LoadError, QueryError, QuerySyntaxError, QueryTimeout, ResultTooLarge, UnsupportedFormat
from graph_api.sparql import (
    AskResult,
    GraphResult,
    SelectResult,
    call_with_timeout,
    load_named_queries,
    load_named_query,
    parse_named_query,
    run_named_query,
    run_query,
)

if TYPE_CHECKING:
    from graph_api.store import GraphStore

DH = "PREFIX dh: <https://w3id.org/vn-directives/ontology#>\n"
SYMBOLS = DH + "SELECT ?doc ?symbol WHERE { ?doc dh:symbol ?symbol } ORDER BY ?symbol ?doc"


def test_select_gives_variables_and_rows(documents_store: GraphStore) -> None:
    result = run_query(documents_store, SYMBOLS)
    assert isinstance(result, SelectResult)
    assert result.variables == ("doc", "symbol")
    symbols = [row[1] for row in result.rows]
    assert ox.Literal("15-NQ/TW") in symbols
    assert len(result.rows) == 8
    assert result.bindings()[0].keys() == {"doc", "symbol"}


def test_unbound_variables_are_none(documents_store: GraphStore) -> None:
    result = run_query(documents_store, "SELECT ?a ?b WHERE { VALUES (?a ?b) { (1 UNDEF) } }")
    assert isinstance(result, SelectResult)
    assert result.rows == ((ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), None),)
    assert result.bindings() == [{"a": result.rows[0][0]}]


def test_select_serialises_in_every_results_format(documents_store: GraphStore) -> None:
    result = run_query(documents_store, SYMBOLS)
    assert isinstance(result, SelectResult)
    data = json.loads(result.serialize("json"))
    assert data["head"]["vars"] == ["doc", "symbol"]
    assert len(data["results"]["bindings"]) == 8
    rows = list(csv.reader(io.StringIO(result.serialize("csv").decode())))
    assert rows[0] == ["doc", "symbol"]
    assert len(rows) == 9
    tsv = result.serialize("tsv").decode().splitlines()
    assert tsv[0] == "?doc\t?symbol"
    root = ET.fromstring(result.serialize("xml"))
    assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    assert result.media_type("json") == "application/sparql-results+json"
    with pytest.raises(UnsupportedFormat):
        result.serialize("turtle")


def test_ask(documents_store: GraphStore) -> None:
    result = run_query(documents_store, DH + 'ASK { ?d dh:symbol "15-NQ/TW" }')
    assert isinstance(result, AskResult)
    assert result.value is True
    assert json.loads(result.serialize("json")) == {"head": {}, "boolean": True}
    assert result.serialize("csv").strip() == b"true"


def test_construct_and_describe_give_graphs(documents_store: GraphStore) -> None:
    result = run_query(documents_store, DH + "CONSTRUCT { ?a dh:implements ?b } WHERE { ?a dh:implements ?b }")
    assert isinstance(result, GraphResult)
    assert len(result.triples) == 4
    turtle = result.serialize("turtle").decode()
    assert "dh:implements" in turtle
    assert len(list(ox.parse(result.serialize("nt"), ox.RdfFormat.N_TRIPLES))) == 4
    assert len(list(ox.parse(result.serialize("rdfxml"), ox.RdfFormat.RDF_XML))) == 4
    jsonld = json.loads(result.serialize("jsonld"))
    assert jsonld["@context"]["dh"] == "https://w3id.org/vn-directives/ontology#"
    assert len(list(ox.parse(result.serialize("jsonld"), ox.RdfFormat.JSON_LD))) == 4
    described = run_query(documents_store, f"DESCRIBE <{NQ15}>")
    assert isinstance(described, GraphResult)
    assert described.triples


def test_substitutions_bind_parameters(documents_store: GraphStore) -> None:
    result = run_query(documents_store, SYMBOLS, substitutions={"doc": ox.NamedNode(KH306)})
    assert isinstance(result, SelectResult)
    assert [row[1] for row in result.rows] == [ox.Literal("306/KH-UBND")]


def test_syntax_error_has_position(documents_store: GraphStore) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        run_query(documents_store, "SELECT * WHERE {\n  ?s ?p }")
    assert (caught.value.line, caught.value.column) == (2, 10)
    assert str(caught.value).startswith("SPARQL syntax error at line 2, column 10: ")
    assert "\n" not in str(caught.value)


def test_binding_a_variable_outside_the_projection_is_a_query_error(documents_store: GraphStore) -> None:
    with pytest.raises(QueryError, match="projection"):
        run_query(documents_store, "SELECT ?o WHERE { ?s ?p ?o }", substitutions={"s": ox.NamedNode(NQ15)})


def test_timeout() -> None:
    with pytest.raises(QueryTimeout, match=r"0\.05 s"):
        call_with_timeout(lambda: time.sleep(2), 0.05)
    assert call_with_timeout(lambda: 42, 1.0) == 42


def test_timeout_on_a_slow_query() -> None:
    store = new_store()
    store.load_text("".join(f"<http://e/{i}> <http://e/p> {i} .\n" for i in range(1500)), name="n.ttl")
    # About a second of work: long enough to time out, short enough not to burn CPU for the rest of the suite.
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y . FILTER(?x != ?y) }"
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        run_query(store, slow, timeout=0.05)
    assert time.monotonic() - started < 2


def test_errors_inside_the_worker_reach_the_caller(documents_store: GraphStore) -> None:
    with pytest.raises(QuerySyntaxError):
        run_query(documents_store, "NOT SPARQL", timeout=5)


def test_max_rows(documents_store: GraphStore) -> None:
    with pytest.raises(ResultTooLarge, match="more than 3 rows"):
        run_query(documents_store, SYMBOLS, max_rows=3)
    result = run_query(documents_store, SYMBOLS, max_rows=8)
    assert isinstance(result, SelectResult)


NAMED = """#+ summary: Documents that implement a document
#+ description: Direct implementers only.
#+ description: Second line.
#+ tags: lineage, implements
#+ summary_vi: Các văn bản triển khai
#+ param: doc iri — the document (default: <https://w3id.org/vn-directives/id/document/bo-chinh-tri/nq/2022/15>)
#+ param: symbol [literal] -- its symbol
#+ param: limit [integer] – unused here, a number (default: 10)
#
# Free comment lines are ignored.

PREFIX dh: <https://w3id.org/vn-directives/ontology#>
SELECT ?doc ?implementer WHERE { ?implementer dh:implements ?doc }
"""


def test_named_query_header() -> None:
    named = parse_named_query(NAMED, Path("list-implementers.rq"))
    assert named.name == "list-implementers"
    assert named.summary == "Documents that implement a document"
    assert named.description == "Direct implementers only. Second line."
    assert named.tags == ("lineage", "implements")
    assert named.meta == {"summary_vi": "Các văn bản triển khai"}
    assert [(p.name, p.type, p.default) for p in named.parameters] == [
        ("doc", "iri", "<https://w3id.org/vn-directives/id/document/bo-chinh-tri/nq/2022/15>"),
        ("symbol", "literal", None),
        ("limit", "integer", "10"),
    ]
    assert named.parameters[1].description == "its symbol"


def test_named_query_binding() -> None:
    named = parse_named_query(NAMED, Path("q.rq"))
    bound = named.bind({"symbol": '"16-CTr/TU"', "doc": "dh:Foo"})
    assert bound["symbol"] == ox.Literal("16-CTr/TU")
    assert bound["doc"] == ox.NamedNode("https://w3id.org/vn-directives/ontology#Foo")
    assert bound["limit"] == ox.Literal("10", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    with pytest.raises(QueryError, match="required"):
        named.bind({})
    with pytest.raises(QueryError, match="unknown parameter"):
        named.bind({"symbol": "x", "nope": "1"})
    with pytest.raises(QueryError, match="integer"):
        named.bind({"symbol": "x", "limit": "ten"})
    with pytest.raises(QueryError, match="IRI"):
        named.bind({"symbol": "x", "doc": "not an iri"})


def test_run_named_query_with_defaults_and_values(documents_store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "implementers.rq"
    text = "".join(line for line in NAMED.splitlines(keepends=True) if "symbol [" not in line and "limit" not in line)
    path.write_text(text, encoding="utf-8")
    named = load_named_query(path)
    result = run_named_query(documents_store, named)
    assert isinstance(result, SelectResult)
    assert len(result.rows) == 2
    result = run_named_query(documents_store, named, {"doc": f"<{KH306}>"})
    assert isinstance(result, SelectResult)
    assert result.rows == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * {}", "no '#\\+ summary:'"),
        ("#+ summary: x\n#+ param: 1bad — x\nSELECT * {}", "bad param line"),
        ("#+ summary: x\n#+ param: a [date] — x\nSELECT * {}", "parameter type"),
        ("#+ summary: x\n#+ param: a — x\n#+ param: a — y\nSELECT * {}", "declared twice"),
    ],
)
def test_bad_headers_are_load_errors(text: str, message: str) -> None:
    with pytest.raises(LoadError, match=message):
        parse_named_query(text, Path("q.rq"))


def test_header_stops_at_the_first_query_line() -> None:
    named = parse_named_query("#+ summary: x\nSELECT * {}\n#+ param: late — ignored\n", Path("q.rq"))
    assert named.parameters == ()


def test_project_queries_have_readable_headers() -> None:
    queries = load_named_queries(ROOT / "queries")
    if not queries:
        pytest.skip("queries/ has no .rq file yet")
    for named in queries.values():
        assert named.summary, named.name
    assert load_named_queries(ROOT / "no-such-dir") == {}


def test_named_queries_are_parsed_again_only_when_a_file_changes(tmp_path: Path) -> None:
    from graph_api.sparql import load_named_queries

    path = tmp_path / "q.rq"
    path.write_text("#+ summary: first\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    first = load_named_queries(tmp_path)
    assert load_named_queries(tmp_path)["q"] is first["q"], "unchanged files are not parsed again"
    path.write_text("#+ summary: second, longer\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert load_named_queries(tmp_path)["q"].summary == "second, longer"
    (tmp_path / "r.rq").write_text("#+ summary: third\nASK {}\n", encoding="utf-8")
    assert sorted(load_named_queries(tmp_path)) == ["q", "r"]
    path.unlink()
    assert sorted(load_named_queries(tmp_path)) == ["r"]
