"""Answering one query request (graph_api.worker.answer), in this process: formats, row limit, typed errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import new_store

from graph_api.errors import QueryError, QuerySyntaxError, UnsupportedFormat
from graph_api.worker import Failure, QueryRequest, answer, solutions_json

if TYPE_CHECKING:
    from graph_api.store import GraphStore

G = "http://example.org/g"


@pytest.fixture(scope="module")
def store() -> GraphStore:
    store = new_store()
    triples = "\n".join(f'<http://example.org/s{i}> <http://example.org/p> "v{i}"@vi .' for i in range(10))
    store.load_text(triples, name="ten.ttl", kind="extra")
    store.load_text(
        "<http://example.org/a> <http://example.org/q> <http://example.org/b> .", name="g.ttl", kind="extra"
    )
    return store


def test_select_json_is_standard(store: GraphStore) -> None:
    reply = answer(store, QueryRequest("SELECT ?s ?o { ?s <http://example.org/p> ?o } ORDER BY ?s"))
    assert (reply.kind, reply.format, reply.media_type, reply.rows, reply.truncated) == (
        "solutions",
        "json",
        "application/sparql-results+json",
        10,
        None,
    )
    document = json.loads(reply.body)
    assert document["head"]["vars"] == ["s", "o"]
    assert document["results"]["bindings"][0]["o"] == {"type": "literal", "value": "v0", "xml:lang": "vi"}


def test_row_limit_cuts_and_says_so(store: GraphStore) -> None:
    query = "SELECT ?s { ?s <http://example.org/p> ?o } ORDER BY ?s"
    for fmt in ("json", "xml", "csv", "tsv"):
        reply = answer(store, QueryRequest(query, format=fmt, max_rows=3))
        assert (reply.rows, reply.truncated) == (3, 3)
    csv = answer(store, QueryRequest(query, format="csv", max_rows=3)).body.decode().splitlines()
    assert csv == ["s", "http://example.org/s0", "http://example.org/s1", "http://example.org/s2"]
    exact = answer(store, QueryRequest(query, max_rows=10))
    assert (exact.rows, exact.truncated) == (10, None)
    graph = answer(store, QueryRequest("CONSTRUCT WHERE { ?s <http://example.org/p> ?o }", format="nt", max_rows=4))
    assert (graph.kind, graph.rows, graph.truncated) == ("graph", 4, 4)
    assert len(graph.body.decode().strip().splitlines()) == 4


def test_ask_and_describe(store: GraphStore) -> None:
    ask = answer(store, QueryRequest("ASK { ?s ?p ?o }", accept="application/sparql-results+xml"))
    assert ask.kind == "boolean"
    assert b"<boolean>true</boolean>" in ask.body
    described = answer(store, QueryRequest("DESCRIBE <http://example.org/a>"))
    assert (described.kind, described.format) == ("graph", "turtle")
    with pytest.raises(UnsupportedFormat):
        answer(store, QueryRequest("ASK {}", accept="text/csv"))


def test_relative_iris_resolve_against_the_base(store: GraphStore) -> None:
    reply = answer(store, QueryRequest("CONSTRUCT { <s> <p> 1 } WHERE {}", format="nt", base_iri="http://x/sparql"))
    assert reply.body.startswith(b"<http://x/s> <http://x/p>")


def test_errors_are_typed_and_cross_the_pipe(store: GraphStore) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        answer(store, QueryRequest("SELECT * WHERE {\n ?s ?p }"))
    rebuilt = Failure.of(caught.value).rebuild()
    assert isinstance(rebuilt, QuerySyntaxError)
    assert (rebuilt.line, rebuilt.column) == (caught.value.line, caught.value.column) == (2, 9)
    assert str(rebuilt) == str(caught.value)
    with pytest.raises(QueryError):
        answer(store, QueryRequest("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"))
    failure = Failure.of(UnsupportedFormat("text/html", ["a/b"]))
    assert isinstance(failure.rebuild(), UnsupportedFormat)
    assert Failure.of(RuntimeError("boom")).rebuild().status == 500


def test_solutions_json_terms() -> None:
    results = ox.Store().query(
        "SELECT ?t ?b ?l ?u { BIND(<<( <http://a> <http://b> 1 )>> AS ?t) BIND(BNODE() AS ?b) BIND('x' AS ?l) }"
    )
    assert isinstance(results, ox.QuerySolutions)
    variables = [v.value for v in results.variables]
    document = json.loads(solutions_json(variables, list(results)))
    binding = document["results"]["bindings"][0]
    assert binding["t"]["type"] == "triple"
    assert binding["t"]["value"]["object"] == {
        "type": "literal",
        "value": "1",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }
    assert binding["b"]["type"] == "bnode"
    assert binding["l"] == {"type": "literal", "value": "x"}
    assert "u" not in binding
