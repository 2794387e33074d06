"""graph_api.timing: the Server-Timing header is on every response, well-formed, with the parts each route records."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from http_helpers import client_for
from starlette.concurrency import run_in_threadpool

from graph_api import timing

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx

    from graph_api.store import GraphStore

# W3C Server Timing: metric *( OWS ";" OWS param ), param = name OWS "=" OWS ( token / quoted-string ).
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_METRIC = re.compile(rf"\s*({_TOKEN})((?:\s*;\s*{_TOKEN}\s*=\s*(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\"))*)\s*")
_PARAM = re.compile(rf";\s*({_TOKEN})\s*=\s*({_TOKEN}|\"(?:[^\"\\]|\\.)*\")")


def parse_server_timing(value: str) -> dict[str, float]:
    """Metric name → ``dur`` (milliseconds) of a Server-Timing value; fails on anything the grammar refuses."""
    metrics: dict[str, float] = {}
    for entry in value.split(","):
        found = _METRIC.fullmatch(entry)
        assert found is not None, f"malformed Server-Timing metric {entry!r} in {value!r}"
        params = dict(_PARAM.findall(found[2]))
        assert "dur" in params, entry
        duration = float(params["dur"])
        assert duration >= 0, entry
        metrics[found[1]] = duration
    return metrics


def timings_of(response: httpx.Response) -> dict[str, float]:
    values = response.headers.get_list(timing.HEADER)
    assert len(values) == 1, response.headers
    metrics = parse_server_timing(values[0])
    assert list(metrics)[-1] == timing.TOTAL
    return metrics


# -- the mechanism ------------------------------------------------------------------------------------------------


def test_the_header_lists_parts_in_order_summed_then_the_total() -> None:
    timings = timing.Timings(started=10.0)
    timings.add("lineage", 0.002)
    timings.add("serialize", 0.001)
    timings.add("lineage", 0.001)
    assert timings.header(now=10.005) == "lineage;dur=3.000, serialize;dur=1.000, total;dur=5.000"
    assert parse_server_timing(timings.header()).keys() == {"lineage", "serialize", "total"}


def test_recording_outside_a_request_does_nothing() -> None:
    assert timing.current() is None
    timing.record("query", 1.0)
    with timing.timed("lineage"):
        pass
    assert timing.current() is None


def _tiny_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(timing.ServerTimingMiddleware)

    def work() -> str:
        with timing.timed("work"):
            return "done"

    @app.get("/work")
    async def work_route() -> PlainTextResponse:
        timing.record("wait", 0.0)
        return PlainTextResponse(await run_in_threadpool(work))

    @app.get("/fails")
    async def fails() -> PlainTextResponse:
        with timing.timed("failing"):
            raise ValueError("no")

    return app


def test_parts_recorded_in_threads_reach_the_header() -> None:
    with TestClient(_tiny_app()) as client:
        response = client.get("/work")
        assert response.text == "done"
        assert list(timings_of(response)) == ["wait", "work", "total"]
        assert list(timings_of(client.get("/nowhere"))) == ["total"]


def test_each_request_has_its_own_timings() -> None:
    with TestClient(_tiny_app(), raise_server_exceptions=False) as client:
        assert client.get("/fails").status_code == 500
        assert list(timings_of(client.get("/work"))) == ["wait", "work", "total"]


# -- the service --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(project_store: GraphStore) -> Iterator[TestClient]:
    with client_for(project_store) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "params",
    [{"doc": "15-NQ/TW"}, {"doc": "15-NQ/TW", "shape": "tree"}, {"doc": "15-NQ/TW", "format": "graphml"}],
)
def test_lineage_says_where_its_time_went(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/lineage", params=params)
    assert response.status_code == 200
    assert list(timings_of(response)) == ["resolve", "lineage", "serialize", "total"]


def test_a_lineage_problem_is_timed_too(client: TestClient) -> None:
    response = client.get("/lineage", params={"doc": "99-NQ/TW"})
    assert response.status_code == 404
    assert list(timings_of(response)) == ["resolve", "total"]


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": {"query": "ASK { ?s ?p ?o }"}}),
        ("POST", {"data": {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}}),
        ("POST", {"content": b"ASK {}", "headers": {"Content-Type": "application/sparql-query"}}),
    ],
)
def test_sparql_says_queue_query_and_ipc(client: TestClient, method: str, kwargs: dict[str, object]) -> None:
    """The first time a query is asked (a repeated cheap one runs in process: test_executor_inline)."""
    response = client.request(method, "/sparql", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert list(timings_of(response)) == ["queue", "query", "ipc", "total"]


def test_a_failed_query_is_timed_too(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE {"})
    assert response.status_code == 400
    assert list(timings_of(response)) == ["queue", "query", "ipc", "total"]


def test_named_queries_say_load_queue_query_and_ipc(client: TestClient) -> None:
    response = client.get("/queries/find-uncertain-facts", params={"format": "csv"})
    assert response.status_code == 200
    assert list(timings_of(response)) == ["load-queries", "queue", "query", "ipc", "total"]


def test_a_cross_origin_script_may_read_it(client: TestClient) -> None:
    response = client.get("/health", headers={"Origin": "https://example.org"})
    assert timing.HEADER.lower() in response.headers["access-control-expose-headers"].lower()
    assert list(timings_of(response)) == ["total"]
