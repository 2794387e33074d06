"""graph_api/ssrf.py and graph_api/sparql_text.py: nothing a request sends makes the service fetch anything.

A loopback HTTP server, started and stopped by each test, records every request it receives; each way to make the
service fetch (SERVICE, LOAD, a remote JSON-LD context, an XML external entity) is first shown to reach it, or not,
through pyoxigraph alone, then shown not to reach it through the service.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

import pyoxigraph as ox
import pytest
from http_helpers import client_for, problem

from graph_api.errors import LimitExceeded, LoadError, RemoteAccessRefused
from graph_api.limits import MAX_NESTING
from graph_api.settings import Settings
from graph_api.sparql_text import keyword_found, mask
from graph_api.ssrf import refuse_remote_load, refuse_service, remote_contexts, screen_submission

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi.testclient import TestClient

    from graph_api.store import GraphStore

SPARQL_RESULTS = "application/sparql-results+json"
REMOTE_ROW = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "from-remote"}}]}}
MARKER = "MARKER-7f3c-XXE-FILE-CONTENT"
OFF = Settings(_env_file=None, store=None)
ON = Settings(_env_file=None, store=None, allow_service=True, allow_load=True)


@dataclass
class Recorder:
    """A loopback HTTP server on a free port that answers anything and records each request's path."""

    server: ThreadingHTTPServer
    paths: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def contacted(self) -> bool:
        return bool(self.paths)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        record: ClassVar[Recorder]

        def _answer(self) -> None:
            self.record.paths.append(self.path)
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            if "ctx" in self.path:
                body, media = b'{"@context": {"name": "http://schema.org/name"}}', "application/ld+json"
            elif "ttl" in self.path:
                body, media = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .", "text/turtle"
            elif "ent" in self.path:
                body, media = MARKER.encode(), "text/plain"
            else:
                body, media = json.dumps(REMOTE_ROW).encode(), SPARQL_RESULTS
            self.send_response(200)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _answer  # noqa: N815 - the names http.server calls
        do_POST = _answer  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found = Recorder(server)
    Handler.record = found
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def client(documents_store: GraphStore) -> Iterator[TestClient]:
    """The service over the fixture graph, with the default settings (SERVICE, LOAD off)."""
    with client_for(documents_store) as started:
        yield started


@pytest.fixture(scope="module")
def one_triple() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b"), ox.Literal("c")))
    return store


# -- SERVICE ------------------------------------------------------------------------------------------------------

#: Ways to write a SERVICE call that pyoxigraph 0.5 follows; several fool a regex that blanks strings, IRIs and
#: comments: ``\'`` and ``\#`` are legal escapes in a local name, and ``<``
#: may be a less-than whose "IRI" runs into a comment.
CALLS = {
    "plain": "SELECT * WHERE { SERVICE <{url}/sparql> { ?x ?y ?z } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <{url}/sparql> { ?x ?y ?z } }",
    "lower case": "select * where { service <{url}/sparql> { ?x ?y ?z } }",
    "no spaces": "SELECT * WHERE{?a ?b ?c.SERVICE<{url}/sparql>{?x ?y ?z}}",
    "empty prefix": "PREFIX : <{url}/> SELECT * WHERE { SERVICE:sparql { ?x ?y ?z } }",
    "relative IRI": "BASE <{url}/> SELECT * WHERE { SERVICE <sparql> { ?x ?y ?z } }",
    "inside EXISTS": "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <{url}/sparql> { ?x ?y ?z } } }",
    "after a quote escaped in a name": "PREFIX ex: <http://e/> SELECT * WHERE { { BIND(ex:a\\' AS ?q) } UNION "
    "{ SERVICE <{url}/sparql> { ?x ?y ?z } } BIND('y' AS ?w) }",
    "after a hash escaped in a name": "PREFIX ex: <http://e/> SELECT * WHERE { { BIND(ex:a\\# AS ?q) } UNION "
    "{ SERVICE <{url}/sparql> { ?x ?y ?z } } }",
    "inside a comparison taken for an IRI": "SELECT * WHERE { BIND(1 AS ?a) FILTER(?a<2)SERVICE#>\n"
    "<{url}/sparql> { ?x ?y ?z } }",
}

#: Texts where "service" is not the keyword.
NOT_CALLS = {
    "a string": 'SELECT * WHERE { ?s ?p "SERVICE <{url}/sparql> { }" }',
    "a long string": "SELECT * WHERE { ?s ?p '''x\nSERVICE <{url}/sparql> {{ }}''' }",
    "an IRI": "SELECT * WHERE { ?s <{url}/service> ?o }",
    "a comment": "SELECT * WHERE { ?s ?p ?o } # SERVICE <{url}/sparql> { ?x ?y ?z }",
    "variables": "SELECT ?service WHERE { ?service ?p $SERVICE }",
    "local names": "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * WHERE { ?s a sd:Service }",
}


def _format(template: str, url: str) -> str:
    return template.replace("{url}", url)


@pytest.mark.parametrize("name", CALLS)
def test_pyoxigraph_follows_service_and_keyword_found_sees_it(
    name: str, recorder: Recorder, one_triple: ox.Store
) -> None:
    query = _format(CALLS[name], recorder.url)
    list(one_triple.query(query))  # the hole: pyoxigraph calls the URL itself
    assert recorder.contacted
    assert keyword_found(query, "SERVICE")
    with pytest.raises(RemoteAccessRefused) as refused:
        refuse_service(query, OFF)
    assert refused.value.extra()["setting"] == "GRAPH_API_ALLOW_SERVICE"
    refuse_service(query, ON)


@pytest.mark.parametrize("name", NOT_CALLS)
def test_the_word_elsewhere_is_not_the_keyword(name: str, recorder: Recorder, one_triple: ox.Store) -> None:
    query = _format(NOT_CALLS[name], recorder.url)
    list(one_triple.query(query))
    assert not recorder.contacted
    assert not keyword_found(query, "SERVICE")
    refuse_service(query, OFF)


def test_codepoint_escapes_are_read_both_ways() -> None:
    # pyoxigraph 0.5 does not apply \u escapes outside strings and IRIs; SPARQL 1.1 says a parser should.
    assert keyword_found("SELECT * WHERE { SERVIC\\u0045 <http://x/> { ?s ?p ?o } }", "SERVICE")
    assert keyword_found("SELECT * WHERE { \\U00000053ERVICE <http://x/> { ?s ?p ?o } }", "service")


def test_from_is_found_where_a_regex_of_strings_iris_and_comments_misses_it(one_triple: ox.Store) -> None:
    # A FROM after an escaped quote, or written `FROM:g`, is a FROM all the same.
    for query in (
        "PREFIX ex: <http://e/> SELECT (ex:a\\' AS ?x) FROM <http://e/g> WHERE { } # '",
        "PREFIX : <http://e/> SELECT * FROM:g WHERE { }",
    ):
        list(one_triple.query(query))  # it parses: the FROM is real
        assert keyword_found(query, "FROM")
    assert not keyword_found("SELECT ?from WHERE { ?from <http://e/from> 'FROM' } # FROM", "FROM")


def test_mask_keeps_offsets_and_hides_only_data() -> None:
    text = "PREFIX ex: <http://e/> SELECT ?v WHERE { ?v ex:p 'x' ; ex:q\\' \"y\" } # c"
    masked = mask(text)
    assert len(masked) == len(text)
    assert masked.split() == ["PREFIX", "SELECT", "WHERE", "{", ";", "}"]
    # A prefix ending in a watched keyword stays visible: `SERVICE:x` is the keyword and the name `:x` to pyoxigraph.
    assert mask("{ SERVICE:x { } }").split() == ["{", "SERVICE", "{", "}", "}"]


def test_http_refuses_service_and_nothing_is_contacted(recorder: Recorder, client: TestClient) -> None:
    for template in CALLS.values():
        query = _format(template, recorder.url)
        body = problem(client.get("/sparql", params={"query": query}), 400)
        assert body["type"].endswith("/remote-access-refused")
        assert (body["feature"], body["setting"]) == ("SERVICE", "GRAPH_API_ALLOW_SERVICE")
        posted = client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
        problem(posted, 400)
    named = problem(client.get("/sparql", params={"query": _format(CALLS["plain"], recorder.url)}), 400)
    assert named["target"] == f"<{recorder.url}/sparql>"
    assert not recorder.contacted


def test_service_works_when_allowed(recorder: Recorder, documents_store: GraphStore) -> None:
    with client_for(documents_store, allow_service=True) as allowed:
        response = allowed.get("/sparql", params={"query": _format(CALLS["plain"], recorder.url)})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == REMOTE_ROW["results"]["bindings"]
    assert recorder.paths
    assert recorder.paths[0].startswith("/sparql")


# -- LOAD ---------------------------------------------------------------------------------------------------------


LOADS = [
    "LOAD <{url}/data.ttl>",
    "load silent <{url}/data.ttl> into graph <http://example.org/g>",
    "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 } ;LOAD<{url}/data.ttl>",
    "PREFIX : <{url}/> LOAD:data.ttl",
]


@pytest.mark.parametrize("template", LOADS)
def test_load_is_refused_unless_allowed(template: str, recorder: Recorder) -> None:
    update = _format(template, recorder.url)
    ox.Store().update(update)  # the hole: pyoxigraph fetches the URL itself
    assert recorder.contacted
    with pytest.raises(RemoteAccessRefused) as refused:
        refuse_remote_load(update, OFF)
    assert (refused.value.feature, refused.value.setting) == ("LOAD", "GRAPH_API_ALLOW_LOAD")
    refuse_remote_load(update, ON)


def test_load_and_service_in_data_are_not_refused() -> None:
    update = 'INSERT DATA { <http://example.org/load> <http://example.org/p> "LOAD <http://x/> SERVICE" }'
    refuse_remote_load(update, OFF)
    refuse_service(update, OFF)
    with pytest.raises(RemoteAccessRefused):
        refuse_service("DELETE WHERE { SERVICE <http://x/> { ?s ?p ?o } }", OFF)


# -- JSON-LD contexts ---------------------------------------------------------------------------------------------

CONTEXTS = {
    "string": '{"@context": "{url}/ctx", "@id": "http://example.org/a", "name": "x"}',
    "array": '{"@context": ["{url}/ctx", {"n": "http://e/n"}], "@id": "http://example.org/a", "name": "x"}',
    "import": '{"@context": {"@version": 1.1, "@import": "{url}/ctx"}, "@id": "http://example.org/a", "name": "x"}',
    "relative": '{"@context": "ctx", "@id": "http://example.org/a", "name": "x"}',
    "scoped": '{"@context": {"p": {"@id": "http://e/p", "@context": "{url}/ctx"}}, "@id": "http://example.org/a", '
    '"p": {"name": "x"}}',
    "nested": '[{"@id": "http://example.org/a", "http://e/p": {"@context": "{url}/ctx", "name": "x"}}]',
}


@pytest.mark.parametrize("name", CONTEXTS)
def test_remote_contexts_are_refused_and_never_fetched(name: str, recorder: Recorder, client: TestClient) -> None:
    document = _format(CONTEXTS[name], recorder.url)
    with pytest.raises(SyntaxError):  # pyoxigraph alone: no document loader, no request
        list(ox.parse(input=document.encode(), format=ox.RdfFormat.JSON_LD, base_iri=recorder.url + "/"))
    assert list(remote_contexts(json.loads(document)))
    for media in ("application/ld+json", "application/json"):
        response = client.post("/validation", content=document.encode(), headers={"Content-Type": media})
        body = problem(response, 400)
        assert body["feature"] == "JSON-LD remote context"
        assert "setting" not in body  # never allowed
    assert not recorder.contacted


def test_inline_contexts_are_accepted(client: TestClient) -> None:
    document = {"@context": {"dh": "https://w3id.org/vn-directives/ontology#"}, "@id": "document/x", "dh:symbol": "1"}
    screen_submission(json.dumps(document).encode(), ox.RdfFormat.JSON_LD)
    response = client.post(
        "/validation", content=json.dumps(document).encode(), headers={"Content-Type": "application/ld+json"}
    )
    assert response.status_code == 200, response.text


# -- XML external entities ----------------------------------------------------------------------------------------

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"'


def _rdfxml(doctype: str, value: str) -> str:
    return (
        f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF {RDF}><rdf:Description rdf:about="http://example.org/a">'
        f"<ex:p>{value}</ex:p></rdf:Description></rdf:RDF>"
    )


def _external_entities(marker_file: Path, url: str) -> dict[str, str]:
    return {
        "file": _rdfxml(f'<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file://{marker_file}">]>', "&xxe;"),
        "http": _rdfxml(f'<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "{url}/ent">]>', "&xxe;"),
        "public": _rdfxml(f'<!DOCTYPE rdf:RDF [<!ENTITY xxe PUBLIC "-//x//EN" "{url}/ent">]>', "&xxe;"),
        "parameter": _rdfxml(f'<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{url}/ent"> %p;]>', "x"),
    }


def test_xml_external_entities_are_refused_and_never_read(
    tmp_path: Path, recorder: Recorder, client: TestClient
) -> None:
    marker_file = tmp_path / "secret.txt"
    marker_file.write_text(MARKER, encoding="utf-8")
    documents = _external_entities(marker_file, recorder.url)
    for name, document in documents.items():
        try:  # pyoxigraph alone refuses them too, without reading anything
            parsed = " ".join(str(q) for q in ox.parse(input=document.encode(), format=ox.RdfFormat.RDF_XML))
        except SyntaxError as exc:
            parsed = str(exc)
        assert MARKER not in parsed, name
    for name, document in documents.items():
        response = client.post(
            "/validation", content=document.encode(), headers={"Content-Type": "application/rdf+xml"}
        )
        assert MARKER not in response.text
        body = problem(response, 400)
        assert body["feature"] == "XML external entity", name
    assert not recorder.contacted


def test_internal_entities_and_external_dtds_are_accepted(recorder: Recorder, client: TestClient) -> None:
    protege = _rdfxml('<!DOCTYPE rdf:RDF [<!ENTITY ex "http://example.org/">]>', "&ex;value")
    external_dtd = _rdfxml(f'<!DOCTYPE rdf:RDF SYSTEM "{recorder.url}/ent.dtd">', "x")
    for document in (protege, external_dtd):
        response = client.post(
            "/validation", content=document.encode(), headers={"Content-Type": "application/rdf+xml"}
        )
        assert response.status_code == 200, response.text
    assert not recorder.contacted


def test_billion_laughs_is_refused_quickly(client: TestClient) -> None:
    # pyoxigraph would expand this 1 KB body to 3 GB (49 s on the development machine).
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    document = _rdfxml(f'<!DOCTYPE rdf:RDF [<!ENTITY l0 "lol">{entities}]>', "&l9;")
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as exceeded:
        screen_submission(document.encode(), ox.RdfFormat.RDF_XML)
    assert exceeded.value.limit == "xml_entity_expansion"
    response = client.post("/validation", content=document.encode(), headers={"Content-Type": "application/rdf+xml"})
    assert problem(response, 400)["limit"] == "xml_entity_expansion"
    assert time.monotonic() - started < 10


def test_bodies_nested_too_deep_are_refused_before_parsing() -> None:
    deep_xml = _rdfxml("", "<ex:q rdf:parseType='Resource'>" * (MAX_NESTING + 1) + "</ex:q>" * (MAX_NESTING + 1))
    with pytest.raises(LimitExceeded, match="nested"):
        screen_submission(deep_xml.encode(), ox.RdfFormat.RDF_XML)
    deep_json = '{"http://e/p": ' * 5000 + "1" + "}" * 5000  # 5,000 objects deep crash pyoxigraph's JSON-LD parser
    with pytest.raises(LimitExceeded, match="nested"):
        screen_submission(deep_json.encode(), ox.RdfFormat.JSON_LD)
    shallow = '{"http://e/p": ' * 10 + "1" + "}" * 10
    screen_submission(shallow.encode(), ox.RdfFormat.JSON_LD)


def test_xml_that_is_not_well_formed_is_a_load_error() -> None:
    with pytest.raises(LoadError, match="not well-formed XML") as error:
        screen_submission(b'<?xml version="1.0"?>\n<rdf:RDF>\n<a></b>', ox.RdfFormat.RDF_XML)
    assert error.value.line == 3
