"""The W3C SPARQL 1.1 Protocol tests (../shared/w3c/sparql11-protocol/manifest.ttl) against the live service.

The manifest's data files are served into the named graphs their ``rdfs:label`` gives (``serve --graph IRI=FILE``,
without the project graph); each ``ht:Request`` is replayed as written (method, path with ``/sparql/`` replaced by
``/sparql``, headers, body in its ``cnt:characterEncoding``) and the response checked against ``mf:expectedStatus``,
``mf:expectedFormat`` (by response media type) and ``mf:expectedBoolean``. The service runs with writes enabled (a
write token, sent as ``Authorization: Bearer`` with every request), so the update tests run too: 34/34. Under the
'server' backend, which has no writes, the update tests are skipped; the bad-update tests run (they must get a 4xx).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import httpx
import pytest
from conftest import ROOT, SERVER, LiveService
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

if TYPE_CHECKING:
    from collections.abc import Callable

W3C = ROOT.parent / "shared" / "w3c" / "sparql11-protocol"
MANIFEST = W3C / "manifest.ttl"
if not MANIFEST.is_file():
    pytest.skip(f"W3C protocol tests not found at {W3C}", allow_module_level=True)

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

UPDATES_DISABLED = "writes need the embedded backend"
TOKEN = "w3c-protocol-test-token"
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  # the first digit of each acceptable status class
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[Request]
    graphs: dict[str, Path] = field(default_factory=dict)

    @property
    def is_update(self) -> bool:
        """An update operation that is expected to succeed (the bad-update tests expect a 4xx and are kept)."""
        first = self.requests[0]
        updating = (
            first.headers.get("content-type", "").startswith("application/sparql-update")
            or "update=" in first.path
            or "using-" in first.path
            or (first.body or b"").startswith(b"update=")
        )
        return updating and 2 in first.statuses


def _text(graph: Graph, node: Any, predicate: URIRef) -> str | None:
    value = graph.value(node, predicate)
    return None if value is None else str(value)


def _request(graph: Graph, node: Any) -> Request:
    headers: dict[str, str] = {}
    header_list = graph.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers[str(graph.value(header, HT.fieldName)).lower()] = str(graph.value(header, HT.fieldValue))
    body = None
    body_node = graph.value(node, HT.body)
    if body_node is not None:
        encoding = _text(graph, body_node, CNT.characterEncoding) or "UTF-8"
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    statuses = {int(str(s).removeprefix(HTS)[0]) for s in graph.objects(response, MF.expectedStatus)}
    boolean = graph.value(response, MF.expectedBoolean)
    path = str(graph.value(node, HT.absolutePath))
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path="/sparql" + path.removeprefix("/sparql/") if path.startswith("/sparql/") else path,
        headers=headers,
        body=body,
        statuses=statuses,
        expected_format=_text(graph, response, MF.expectedFormat),
        expected_boolean=None if boolean is None else bool(boolean.toPython()),
    )


def read_manifest(path: Path = MANIFEST) -> list[ProtocolTest]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = [_request(graph, node) for node in Collection(graph, graph.value(action, HT.requests))]
        graphs = {}
        for data in graph.objects(entry, UT.graphData):
            file = graph.value(data, UT.graph)
            graphs[str(graph.value(data, RDFS.label))] = Path(str(file).removeprefix("file://"))
        name = str(entry).rsplit("#", 1)[-1]
        tests.append(ProtocolTest(name, str(graph.value(entry, MF.name)), requests, graphs))
    return tests


TESTS = read_manifest()
RESULTS: dict[str, str] = {}


@pytest.fixture(scope="module")
def w3c_service(live_service: Callable[..., LiveService]) -> LiveService:
    graphs = {iri: path for test in TESTS for iri, path in test.graphs.items()}
    args = [f"--graph={iri}={path}" for iri, path in sorted(graphs.items())]
    env = {} if SERVER else {"GRAPH_API_WRITE_TOKEN": TOKEN}
    return live_service("--no-project", *args, env=env)


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _boolean(response: httpx.Response) -> bool:
    media = _media_type(response)
    if media == "application/sparql-results+json":
        value = json.loads(response.content)["boolean"]
        assert isinstance(value, bool)
        return value
    root = ElementTree.fromstring(response.content)
    element = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None
    assert element.text is not None
    return element.text.strip() == "true"


def check(request: Request, response: httpx.Response) -> None:
    assert response.status_code // 100 in request.statuses, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        assert _media_type(response) == "application/problem+json"
        assert response.status_code < 500
    formats = {"boolean": BOOLEAN_TYPES, "tabular": TABULAR_TYPES, "RDF": RDF_TYPES}
    if request.expected_format is not None:
        assert _media_type(response) in formats[request.expected_format], response.headers.get("content-type")
    if request.expected_boolean is not None:
        assert _boolean(response) is request.expected_boolean


def test_manifest_is_complete() -> None:
    """34 tests: 13 query, 7 update, 14 bad requests (7 of them bad updates)."""
    assert len(TESTS) == 34
    assert sum(t.is_update for t in TESTS) == 7
    assert sum(t.name.startswith("bad_") for t in TESTS) == 14


@pytest.mark.parametrize("case", TESTS, ids=[t.name for t in TESTS])
def test_protocol(case: ProtocolTest, w3c_service: LiveService) -> None:
    if case.is_update and SERVER:
        RESULTS[case.name] = "skipped"
        pytest.skip(UPDATES_DISABLED)
    RESULTS[case.name] = "failed"
    auth = {} if SERVER else {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=w3c_service.url, timeout=30.0, headers=auth) as client:
        for request in case.requests:
            response = client.request(request.method, request.path, headers=request.headers, content=request.body)
            check(request, response)
    RESULTS[case.name] = "passed"


def test_score() -> None:
    """Print the score; every test that ran must have passed."""
    passed = sum(v == "passed" for v in RESULTS.values())
    skipped = sum(v == "skipped" for v in RESULTS.values())
    failed = sorted(k for k, v in RESULTS.items() if v == "failed")
    ran = len(TESTS) - skipped
    print(
        f"\nW3C SPARQL 1.1 Protocol: {passed}/{len(TESTS)} tests passed ({ran} run, {skipped} update tests skipped: "
        f"{UPDATES_DISABLED if skipped else 'none'}); failed: {failed or 'none'}"
    )
    assert not failed
    if not SERVER and len(RESULTS) == len(TESTS):  # the whole module ran
        assert passed == len(TESTS) == 34
