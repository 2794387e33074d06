"""The real SPARQL clients, and the request shapes of the others, against the live service over the project graph.

Expected answers are computed with the library on a store built from the same files.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from xml.dom.minidom import Document

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import GET, JSON, POST, POSTDIRECTLY, TSV, XML, SPARQLWrapper

from graph_api.loading import build_store
from graph_api.namespaces import PREFIXES
from graph_api.settings import Settings
from graph_api.store import graph_iri

if TYPE_CHECKING:
    from conftest import LiveService

    from graph_api.store import GraphStore

DH = "https://w3id.org/vn-directives/ontology#"
SYMBOLS = f"SELECT ?doc ?symbol WHERE {{ ?doc <{DH}symbol> ?symbol }} ORDER BY ?symbol ?doc"
DOCUMENTS_GRAPH = graph_iri("data", "documents")

#: Accept headers sent by real clients (from their sources).
YASGUI_SELECT = "application/sparql-results+json,*/*;q=0.9"
YASGUI_CONSTRUCT = "text/turtle,*/*;q=0.9"
COMUNICA_SELECT = "application/sparql-results+json;q=1.0,application/sparql-results+xml;q=0.7"
COMUNICA_CONSTRUCT = "text/turtle"
COMUNICA_DEREFERENCE = (
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,application/n-triples;q=0.8,"
    "text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,application/xml;q=0.3,image/svg+xml;q=0.3,"
    "text/xml;q=0.3,text/html;q=0.2,application/xhtml+xml;q=0.18,application/json;q=0.135,text/shaclc;q=0.1,"
    "text/shaclc-ext;q=0.05"
)
JENA_SELECT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, text/tab-separated-values;q=0.7, "
    "text/csv;q=0.5, application/json;q=0.2, application/xml;q=0.2, */*;q=0.1"
)
JENA_ANY = (
    "application/rdf+xml, application/n-triples, text/turtle, text/plain, application/n-quads, text/x-nquads, "
    "text/turtle, application/trig, text/n3, application/ld+json, application/trix, application/x-binary-rdf, "
    + JENA_SELECT
)
XML_RESULTS = "application/sparql-results+xml"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def local() -> GraphStore:
    return build_store(Settings(_env_file=None), progress=False)


@pytest.fixture(scope="module")
def expected_symbols(local: GraphStore) -> list[tuple[str, str]]:
    rows = [(str(s["doc"].value), str(s["symbol"].value)) for s in local.select(SYMBOLS)]
    assert rows, "the project graph has documents"
    return rows


def _rows_from_json(document: Any) -> list[tuple[str, str]]:
    bindings = document["results"]["bindings"]
    return [(b["doc"]["value"], b["symbol"]["value"]) for b in bindings]


# -- SPARQLWrapper ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "request_method"), [(GET, None), (POST, None), (POST, POSTDIRECTLY)])
def test_sparqlwrapper_json(
    project_service: LiveService, expected_symbols: list[tuple[str, str]], method: str, request_method: str | None
) -> None:
    client = SPARQLWrapper(project_service.sparql)
    client.setQuery(SYMBOLS)
    client.setReturnFormat(JSON)
    client.setMethod(method)
    if request_method is not None:
        client.setRequestMethod(request_method)
    assert _rows_from_json(client.queryAndConvert()) == expected_symbols


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_xml(project_service: LiveService, expected_symbols: list[tuple[str, str]], method: str) -> None:
    client = SPARQLWrapper(project_service.sparql)
    client.setQuery(SYMBOLS)
    client.setReturnFormat(XML)
    client.setMethod(method)
    document = client.queryAndConvert()
    assert isinstance(document, Document)
    results = document.getElementsByTagName("result")
    symbols = [r.getElementsByTagName("literal")[0].firstChild.data for r in results]
    assert symbols == [symbol for _, symbol in expected_symbols]


def test_sparqlwrapper_tsv_and_ask(project_service: LiveService, expected_symbols: list[tuple[str, str]]) -> None:
    client = SPARQLWrapper(project_service.sparql)
    client.setQuery(SYMBOLS)
    client.setReturnFormat(TSV)  # sends format=tsv&format=text/tab-separated-values
    table = client.queryAndConvert()
    assert isinstance(table, bytes)
    lines = table.decode("utf-8").splitlines()
    assert lines[0] == "?doc\t?symbol"
    assert len(lines) == len(expected_symbols) + 1
    client.setQuery(f"ASK {{ ?doc <{DH}symbol> ?symbol }}")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert() == {"head": {}, "boolean": True}


# -- rdflib SPARQLStore ------------------------------------------------------------------------------------------


def test_sparqlstore_with_prefixes_and_default_graph(project_service: LiveService, local: GraphStore) -> None:
    """rdflib's SPARQLStore: GET, ~30 PREFIX lines, default-graph-uri from the graph's identifier."""
    prefixes = dict(PREFIXES)
    for number in range(30 - len(prefixes)):
        prefixes[f"x{number}"] = f"http://example.org/unused/{number}#"
    header = "\n".join(f"PREFIX {name}: <{iri}>" for name, iri in prefixes.items())
    assert header.count("PREFIX") >= 30
    query = header + "\nSELECT ?doc ?symbol WHERE { ?doc dh:symbol ?symbol } ORDER BY ?symbol ?doc"
    store = SPARQLStore(query_endpoint=project_service.sparql, method="GET", returnFormat="xml")
    graph = Graph(store=store, identifier=URIRef(DOCUMENTS_GRAPH))
    rows = [(str(row[0]), str(row[1])) for row in graph.query(query)]
    expected = [
        (str(s["doc"].value), str(s["symbol"].value)) for s in local.query(query, default_graph=[DOCUMENTS_GRAPH])
    ]
    assert rows == expected
    assert rows
    # The same query against a graph that has no documents: default-graph-uri really restricts the dataset.
    agencies = Graph(store=store, identifier=URIRef(graph_iri("data", "agencies")))
    assert list(agencies.query(query)) == []
    store.close()


def test_sparqlstore_ask_and_literals(project_service: LiveService) -> None:
    store = SPARQLStore(query_endpoint=project_service.sparql, method="GET")
    graph = Graph(store=store)
    result = graph.query(f'ASK {{ ?doc <{DH}symbol> "15-NQ/TW" }}')
    assert result.askAnswer is True
    rows = list(graph.query(f'SELECT ?title {{ ?doc <{DH}symbol> "15-NQ/TW" ; <{DH}title> ?title }}'))
    assert Literal(
        "Về phương hướng, nhiệm vụ phát triển Thủ đô Hà Nội đến năm 2030, tầm nhìn đến năm 2045", lang="vi"
    ) in [row[0] for row in rows]
    store.close()


# -- request shapes of YASGUI, Comunica, Jena and browsers -------------------------------------------------------


def _post_form(service: LiveService, query: str, accept: str) -> httpx.Response:
    return httpx.post(
        service.sparql,
        content=urlencode({"query": query}).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Accept": accept},
        timeout=30.0,
    )


def test_yasgui(project_service: LiveService, expected_symbols: list[tuple[str, str]]) -> None:
    response = _post_form(project_service, SYMBOLS, YASGUI_SELECT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert _rows_from_json(response.json()) == expected_symbols
    construct = _post_form(project_service, f"CONSTRUCT WHERE {{ ?doc <{DH}symbol> ?symbol }}", YASGUI_CONSTRUCT)
    assert construct.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=construct.text, format="turtle")) == len(expected_symbols)


def test_comunica(project_service: LiveService, expected_symbols: list[tuple[str, str]]) -> None:
    # Comunica first dereferences the source URL with its RDF Accept list, and finds the service description.
    described = httpx.get(project_service.sparql, headers={"Accept": COMUNICA_DEREFERENCE})
    assert described.status_code == 200
    assert described.headers["content-type"] == "application/ld+json"
    endpoint = "http://www.w3.org/ns/sparql-service-description#endpoint"
    quads = ox.parse(described.content, format=ox.RdfFormat.JSON_LD)
    assert project_service.sparql in {q.object.value for q in quads if q.predicate.value == endpoint}
    # Then its SPARQL endpoint fetcher POSTs a form.
    response = _post_form(project_service, SYMBOLS, COMUNICA_SELECT)
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert _rows_from_json(response.json()) == expected_symbols
    construct = _post_form(project_service, f"CONSTRUCT WHERE {{ ?doc <{DH}symbol> ?symbol }}", COMUNICA_CONSTRUCT)
    assert construct.headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (JENA_SELECT, "application/sparql-results+json"),
        (JENA_ANY, "application/sparql-results+json"),
        ("text/tab-separated-values, text/csv;q=0.5, */*;q=0.1", "text/tab-separated-values"),
        ("text/csv, application/sparql-results+json;q=0.5", "text/csv"),
        ("application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.8", XML_RESULTS),
    ],
)
def test_q_valued_accept_lists(
    project_service: LiveService, expected_symbols: list[tuple[str, str]], accept: str, media_type: str
) -> None:
    response = httpx.get(project_service.sparql, params={"query": SYMBOLS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    if media_type == "text/csv":
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["doc", "symbol"]
        assert [tuple(r) for r in rows[1:]] == expected_symbols


def test_jena_construct_and_ask(project_service: LiveService) -> None:
    construct = httpx.get(
        project_service.sparql,
        params={"query": f"CONSTRUCT WHERE {{ ?doc <{DH}symbol> ?symbol }}"},
        headers={"Accept": JENA_ANY},
    )
    # Jena lists RDF/XML, N-Triples and Turtle at the same q: the server's preference (Turtle) decides.
    assert construct.headers["content-type"] == "text/turtle; charset=utf-8"
    assert len(Graph().parse(data=construct.text, format="turtle")) > 0
    rdfxml = httpx.get(
        project_service.sparql,
        params={"query": f"CONSTRUCT WHERE {{ ?doc <{DH}symbol> ?symbol }}"},
        headers={"Accept": "application/rdf+xml, text/turtle;q=0.5"},
    )
    assert rdfxml.headers["content-type"] == "application/rdf+xml"
    assert len(Graph().parse(data=rdfxml.text, format="xml")) > 0
    ask = httpx.get(project_service.sparql, params={"query": "ASK {}"}, headers={"Accept": JENA_SELECT})
    assert ask.json() == {"head": {}, "boolean": True}


def test_browser_with_format_csv(project_service: LiveService, expected_symbols: list[tuple[str, str]]) -> None:
    params = {"query": SYMBOLS, "format": "csv"}
    response = httpx.get(project_service.sparql, params=params, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert [tuple(r) for r in rows[1:]] == expected_symbols
    # Without the shortcut, a browser gets XML (its application/xml;q=0.9), never HTML it did not ask for.
    plain = httpx.get(project_service.sparql, params={"query": SYMBOLS}, headers={"Accept": BROWSER})
    assert plain.headers["content-type"] == "application/xml"
    assert "<sparql" in plain.text


def test_cors_open_for_get(project_service: LiveService) -> None:
    response = httpx.get(
        project_service.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        project_service.sparql,
        headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["access-control-allow-methods"]


def test_service_description_turtle(project_service: LiveService) -> None:
    response = httpx.get(project_service.sparql)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    sd = Graph().parse(data=response.text, format="turtle")
    names = {str(o) for o in sd.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#name"))}
    assert DOCUMENTS_GRAPH in names
    languages = set(sd.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#supportedLanguage")))
    assert languages == {URIRef("http://www.w3.org/ns/sparql-service-description#SPARQL11Query")}
    assert json.loads(httpx.get(project_service.sparql, params={"format": "jsonld"}).text)
