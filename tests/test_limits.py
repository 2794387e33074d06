"""graph_api/limits.py: every limit answered with a 4xx/429 problem that names it and its value."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pyoxigraph as ox
import pytest
from http_helpers import client_for, problem

from graph_api.app import create_app
from graph_api.errors import LimitExceeded, QueryTimeout, TooManyRequests
from graph_api.http.sparql import TRUNCATED_LINK, check_query
from graph_api.limits import (
    MAX_NESTING,
    MAX_OPERATORS,
    ClientLimiter,
    check_json_nesting,
    check_parameters_length,
    check_query_complexity,
    check_query_length,
    json_depth,
)
from graph_api.settings import Settings
from graph_api.sparql_text import complexity
from graph_api.worker import QueryAnswer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from graph_api.store import GraphStore
    from graph_api.worker import QueryRequest

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(_env_file=None, store=None, max_query_chars=200)


# -- query length -------------------------------------------------------------------------------------------------


def test_query_length() -> None:
    check_query_length("x" * 200, SETTINGS)
    with pytest.raises(LimitExceeded) as exceeded:
        check_query_length("x" * 201, SETTINGS)
    assert exceeded.value.extra() == {
        "limit": "max_query_chars",
        "max": 200,
        "actual": 201,
        "setting": "GRAPH_API_MAX_QUERY_CHARS",
    }
    with pytest.raises(LimitExceeded, match="the parameters: 201 characters"):
        check_parameters_length(["x" * 100, "y" * 101], SETTINGS)


# -- nesting and operators ----------------------------------------------------------------------------------------


def test_complexity_counts_brackets_and_operators_in_code_only() -> None:
    assert complexity("SELECT * WHERE " + "{" * 10 + "}" * 10) == complexity("SELECT*WHERE" + "{" * 10 + "}" * 10)
    assert complexity("SELECT * WHERE " + "{" * 10 + "}" * 10).depth == 10
    assert complexity('SELECT * { ?s ?p "{{{{((((" } # ((((((').depth == 1
    rows = " ".join(f"(<http://e/{i}> {i})" for i in range(5000))
    values = complexity(f"SELECT * {{ VALUES (?a ?b) {{ {rows} }} }}")
    assert values.operators < 10  # rows are data
    # A comparison that reads as an IRI: its operators count; a real IRI's / . - do not.
    assert complexity("SELECT * { FILTER(?a<!!!!!!!!!!1&&?b>2) }").operators >= 10
    assert complexity("SELECT * { FILTER(?a<1" + "/1" * 3_000 + "&&?b>2) }").operators > MAX_OPERATORS
    assert complexity("SELECT * { ?s <http://e/a.b-c/d> ?o }").operators == 2  # `*` and `{`
    wiki = " ".join(f"<http://en.wikipedia.org/wiki/A_({i})>" for i in range(3_000))
    assert complexity(f"SELECT * {{ VALUES ?x {{ {wiki} }} }}").operators < 10


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        ("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000, "max_nesting"),
        ("SELECT * WHERE " + "{" * 10_000, "max_nesting"),
        ("SELECT * WHERE { FILTER(" + "(" * 5_000 + "1" + ")" * 5_000 + ") }", "max_nesting"),
        ("SELECT * WHERE { FILTER(" + "!" * 20_000 + "true) }", "max_operators"),
        ("SELECT * WHERE { " + "".join(f"BIND(1 AS ?v{i}) " for i in range(3_000)) + "}", "max_operators"),
        ("SELECT * WHERE { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * 3_000 + "}", "max_operators"),
        ("SELECT * WHERE { {?s ?p ?o}" + " UNION {?s ?p ?o}" * 20_000 + " }", "max_operators"),
        ("SELECT * WHERE { " + "?s?p?o." * 10_000 + "}", "max_operators"),
    ],
)
def test_queries_that_crash_pyoxigraph_are_refused(query: str, limit: str) -> None:
    """Each of these kills a pyoxigraph 0.5 process (stack overflow, SIGSEGV) on an 8 MiB stack."""
    with pytest.raises(LimitExceeded) as exceeded:
        check_query_complexity(query)
    assert exceeded.value.limit == limit


def test_queries_at_the_limits_run(tmp_path: Path) -> None:
    """At the limits pyoxigraph parses and evaluates without coming near the end of its stack (a fresh process,
    as a query worker is: a crash would kill the test run)."""
    at_limits = [
        "SELECT * WHERE " + "{" * MAX_NESTING + "}" * MAX_NESTING,
        "SELECT * WHERE { FILTER(" + "(" * (MAX_NESTING - 2) + "1" + ")" * (MAX_NESTING - 2) + ") }",
        "SELECT * WHERE { FILTER(" + "!" * (MAX_OPERATORS - 4) + "true) }",
        "SELECT * WHERE { " + "".join(f"BIND(1 AS ?v{i}) " for i in range(MAX_OPERATORS // 2 - 1)) + "}",
        "SELECT * WHERE { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * ((MAX_OPERATORS - 4) // 3) + "}",
    ]
    for query in at_limits:
        check_query_complexity(query)
    script = tmp_path / "run.py"
    script.write_text(
        "import json, sys, pyoxigraph as ox\n"
        "for q in json.load(open(sys.argv[1])):\n"
        "    list(ox.Store().query(q))\n"
        "print('ok')\n"
    )
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps(at_limits))
    done = subprocess.run(
        [sys.executable, str(script), str(queries)], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


def test_the_named_queries_are_within_the_limits() -> None:
    for path in sorted((ROOT / "queries").glob("*.rq")):
        check_query(path.read_text(encoding="utf-8"), Settings(_env_file=None, store=None))


def test_json_depth() -> None:
    assert json_depth('{"a": [1, {"b": "]]]}}}\\"[[["}]}') == 3
    assert json_depth("[" * 100_000) == 100_000
    assert json_depth('"just a string"') == 0
    check_json_nesting("[" * MAX_NESTING + "]" * MAX_NESTING)
    with pytest.raises(LimitExceeded) as exceeded:
        check_json_nesting("[" * (MAX_NESTING + 1))
    assert exceeded.value.extra() == {"limit": "max_nesting", "max": MAX_NESTING, "actual": MAX_NESTING + 1}


# -- simultaneous queries per client ------------------------------------------------------------------------------


def test_client_limiter_counts_per_client() -> None:
    limiter = ClientLimiter(2)
    assert limiter.try_acquire("a")
    assert limiter.try_acquire("a")
    assert not limiter.try_acquire("a")
    assert limiter.try_acquire("b")
    limiter.release("a")
    assert limiter.running("a") == 1
    with limiter.slot("a"), pytest.raises(TooManyRequests) as refused, limiter.slot("a"):
        pass  # pragma: no cover - the second slot is refused
    assert refused.value.headers() == {"Retry-After": "1"}
    assert refused.value.extra()["setting"] == "GRAPH_API_MAX_CONCURRENT_PER_CLIENT"
    assert limiter.running("a") == 1


def test_client_limiter_is_thread_safe() -> None:
    limiter = ClientLimiter(3)
    peak = 0
    lock = threading.Lock()
    inside = 0

    def hammer() -> None:
        nonlocal peak, inside
        for _ in range(2_000):
            if limiter.try_acquire("x"):
                with lock:
                    inside += 1
                    peak = max(peak, inside)
                with lock:
                    inside -= 1
                limiter.release("x")

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak <= 3
    assert limiter.running("x") == 0


class GateExecutor:
    """A stand-in for the query pool whose queries all wait until the gate opens; it counts those running."""

    def __init__(self, *, fail: bool = False) -> None:
        self.gate = asyncio.Event()
        self.running = 0
        self.fail = fail

    async def run(self, request: QueryRequest) -> QueryAnswer:
        self.running += 1
        try:
            await self.gate.wait()
            if self.fail:
                raise QueryTimeout(1)
            body = b'{"head":{},"boolean":true}'
            return QueryAnswer("boolean", "json", "application/sparql-results+json", body)
        finally:
            self.running -= 1

    async def until_running(self, count: int) -> None:
        for _ in range(500):
            if self.running == count:
                return
            await asyncio.sleep(0.01)
        self.gate.set()  # let the waiting requests end, so that the failure is reported at once
        raise AssertionError(f"{self.running} queries running, not {count}")


def _app_with(executor: GateExecutor, store: GraphStore, **settings: Any) -> Any:
    chosen = Settings(_env_file=None, store=None, **settings)
    app = create_app(chosen, store=store)
    app.state.settings = chosen  # no lifespan: no worker processes, the stand-in answers
    app.state.store = store
    app.state.executor = executor
    return app


def _client(app: Any, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 5000)), base_url="http://test")


ASK = {"query": "ASK {}"}


def test_a_fifth_simultaneous_query_is_429(documents_store: GraphStore) -> None:
    async def scenario() -> None:
        executor = GateExecutor()
        app = _app_with(executor, documents_store)
        async with _client(app, "10.0.0.1") as one, _client(app, "10.0.0.2") as other:
            held = [asyncio.create_task(one.get("/sparql", params=ASK)) for _ in range(3)]
            held.append(asyncio.create_task(one.get("/queries/list-implementing-documents")))
            await executor.until_running(4)
            refused = [
                await one.get("/sparql", params=ASK),
                await one.post("/sparql", content="ASK {}", headers={"Content-Type": "application/sparql-query"}),
                await one.get("/queries/list-implementing-documents"),
            ]
            if any(response.status_code != 429 for response in refused):
                executor.gate.set()
            for response in refused:
                body = problem(response, 429)  # type: ignore[arg-type]
                assert response.headers["retry-after"] == "1"
                assert (body["limit"], body["max"]) == ("max_concurrent_per_client", 4)
                assert body["setting"] == "GRAPH_API_MAX_CONCURRENT_PER_CLIENT"
            assert (await one.get("/queries")).status_code == 200  # listing runs no query
            held.append(asyncio.create_task(other.get("/sparql", params=ASK)))  # another client has its own slots
            await executor.until_running(5)
            executor.gate.set()
            assert [r.status_code for r in await asyncio.gather(*held)] == [200] * 5
            assert (await one.get("/sparql", params=ASK)).status_code == 200  # the slots were given back

    asyncio.run(scenario())


def test_failed_queries_give_their_slot_back(documents_store: GraphStore) -> None:
    async def scenario() -> None:
        executor = GateExecutor(fail=True)
        app = _app_with(executor, documents_store, max_concurrent_per_client=2)
        async with _client(app, "10.0.0.3") as one:
            held = [asyncio.create_task(one.get("/sparql", params=ASK)) for _ in range(2)]
            await executor.until_running(2)
            third = await one.get("/sparql", params=ASK)
            executor.gate.set()
            problem(third, 429)  # type: ignore[arg-type]
            assert [r.status_code for r in await asyncio.gather(*held)] == [503, 503]
            assert app.state.query_limiter.running("10.0.0.3") == 0
            problem(await one.get("/sparql", params=ASK), 503)  # type: ignore[arg-type]

    asyncio.run(scenario())


# -- through the service ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(documents_store: GraphStore) -> Iterator[TestClient]:
    with client_for(documents_store, max_query_chars=200, max_body_bytes=4096) as started:
        yield started


def test_long_queries_are_400(client: TestClient) -> None:
    query = "ASK { ?s ?p " + '"' + "x" * 300 + '" }'
    for response in (
        client.get("/sparql", params={"query": query}),
        client.post("/sparql", data={"query": query}),
        client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"}),
    ):
        body = problem(response, 400)
        assert body["type"].endswith("/limit-exceeded")
        assert (body["limit"], body["max"], body["actual"]) == ("max_query_chars", 200, len(query))
        assert "200" in body["detail"]
    fits = "ASK { ?s ?p " + '"' + "x" * 150 + '" }'
    assert client.get("/sparql", params={"query": fits}).status_code == 200


def test_long_parameters_of_named_queries_are_400(client: TestClient) -> None:
    response = client.get("/queries/list-implementing-documents", params={"doc": "http://e/" + "x" * 300})
    assert problem(response, 400)["limit"] == "max_query_chars"


def test_nested_and_overlong_queries_are_400(rows_client: TestClient) -> None:
    nested = "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000
    operators = "SELECT * WHERE { FILTER(" + "!" * 20_000 + "true) }"
    for query, limit, maximum in ((nested, "max_nesting", MAX_NESTING), (operators, "max_operators", MAX_OPERATORS)):
        for response in (
            rows_client.get("/sparql", params={"query": query}),
            rows_client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"}),
        ):
            body = problem(response, 400)
            assert (body["limit"], body["max"]) == (limit, maximum)
            assert "setting" not in body  # fixed limits


def test_every_post_route_limits_its_body(client: TestClient) -> None:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    posts = sorted(re.sub(r"\{[^}]*\}", "x", path) for path, operations in paths.items() if "post" in operations)
    assert {"/sparql", "/validation"} <= set(posts)
    for path in posts:
        declared = client.post(path, content=b"#" * 4097, headers={"Content-Type": "text/turtle"})
        streamed = client.post(path, content=iter([b"#" * 2048] * 3), headers={"Content-Type": "text/turtle"})
        for response in (declared, streamed):
            if response.status_code in (401, 403):  # refused before its body is read (a write without a token)
                continue
            body = problem(response, 413)
            assert (body["max_bytes"], body["setting"]) == (4096, "GRAPH_API_MAX_BODY_BYTES")


# -- truncated results say so -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rows_client() -> Iterator[TestClient]:
    from conftest import make_store

    rows = "".join(f"<http://example.org/s{i}> <http://example.org/p> {i} .\n" for i in range(30))
    with client_for(make_store(rows, ontology=False), max_rows=20) as started:
        yield started


SELECT = "SELECT ?s ?o { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"


def test_truncated_json_and_xml_results_carry_a_link(rows_client: TestClient) -> None:
    link = f"{TRUNCATED_LINK}?max_rows=20"
    response = rows_client.get("/sparql", params={"query": SELECT, "format": "json"})
    assert response.headers["graph-api-truncated"] == "20"
    document = response.json()
    assert document["head"] == {"link": [link], "vars": ["s", "o"]}
    assert len(document["results"]["bindings"]) == 20
    xml = rows_client.get("/sparql", params={"query": SELECT, "format": "xml"})
    assert f'<link href="{link}"/></head>' in xml.text
    parsed = ox.parse_query_results(xml.content, ox.QueryResultsFormat.XML)
    assert len(list(parsed)) == 20  # type: ignore[arg-type]
    complete = rows_client.get("/sparql", params={"query": SELECT + " LIMIT 20"})
    assert "graph-api-truncated" not in complete.headers
    assert "link" not in complete.json()["head"]


@pytest.mark.parametrize(("fmt", "syntax"), [("turtle", "turtle"), ("nt", "nt"), ("rdfxml", "rdfxml")])
def test_truncated_graphs_carry_a_comment(rows_client: TestClient, fmt: str, syntax: str) -> None:
    response = rows_client.get("/sparql", params={"query": CONSTRUCT, "format": fmt})
    assert response.headers["graph-api-truncated"] == "20"
    assert "result cut at 20 rows (GRAPH_API_MAX_ROWS)" in response.text
    formats = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML}
    assert len(list(ox.parse(input=response.content, format=formats[syntax]))) == 20


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_say_it_in_the_header_only(rows_client: TestClient, fmt: str) -> None:
    response = rows_client.get("/sparql", params={"query": SELECT, "format": fmt})
    assert response.headers["graph-api-truncated"] == "20"
    assert len(response.text.strip().splitlines()) == 21
