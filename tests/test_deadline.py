"""The deadline, end to end: a slow query is stopped while other requests are answered promptly.

The service runs with ``GRAPH_API_QUERY_TIMEOUT=2`` and two query workers over generated data (a named graph of
300 triples); the slow query is a four-way cross product of it (8.1e9 solutions to count).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import LiveService

TIMEOUT = 2.0
GENERATED = "http://example.org/generated"
SLOW = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GENERATED}> {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }} }}"


@pytest.fixture(scope="module")
def slow_service(live_service: Callable[..., LiveService], tmp_path_factory: pytest.TempPathFactory) -> LiveService:
    data = tmp_path_factory.mktemp("generated") / "generated.nt"
    lines = [
        f"<http://example.org/n{i}> <http://example.org/p{i % 7}> <http://example.org/n{i + 1}> ." for i in range(300)
    ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"GRAPH_API_QUERY_TIMEOUT": str(TIMEOUT), "GRAPH_API_QUERY_WORKERS": "2"}
    return live_service("--no-project", f"--graph={GENERATED}={Path(data)}", env=env)


def _workers(service: LiveService) -> dict[str, int]:
    status: dict[str, int] = httpx.get(service.url + "/health").json()["workers"]
    return status


@pytest.mark.embedded_only(
    "the SPARQL server goes on evaluating a query whose worker was killed (--timeout-s does not stop it)"
)
@pytest.mark.slow
def test_slow_query_is_stopped_while_others_are_answered(slow_service: LiveService) -> None:
    slow: dict[str, object] = {}

    def run_slow() -> None:
        started = time.monotonic()
        slow["response"] = httpx.get(slow_service.sparql, params={"query": SLOW}, timeout=30.0)
        slow["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    # The slow query must really be running: wait until a worker is busy with it, and a little more.
    deadline = time.monotonic() + 5.0
    while _workers(slow_service)["busy"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _workers(slow_service)["busy"] == 1
    time.sleep(0.5)

    started = time.monotonic()
    quick = httpx.get(slow_service.sparql, params={"query": f"ASK {{ GRAPH <{GENERATED}> {{ ?s ?p ?o }} }}"})
    elapsed = time.monotonic() - started
    print(f"\nsecond request answered in {elapsed * 1000:.0f} ms while the slow query was running")
    assert quick.status_code == 200
    assert quick.json()["boolean"] is True
    assert elapsed < 1.0
    assert "response" not in slow, "the slow query was still running when the second request was answered"

    thread.join(30.0)
    response = slow["response"]
    assert isinstance(response, httpx.Response)
    print(f"slow query answered {response.status_code} after {slow['elapsed']:.2f} s")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Query timed out"
    assert problem["timeout"] == TIMEOUT
    assert "2 s" in problem["detail"]
    assert TIMEOUT <= float(str(slow["elapsed"])) < TIMEOUT + 3.0

    # The killed worker is replaced, and queries keep working.
    third = httpx.get(slow_service.sparql, params={"query": "SELECT (1 AS ?one) {}"}, timeout=30.0)
    assert third.status_code == 200
    deadline = time.monotonic() + 20.0
    while (status := _workers(slow_service))["idle"] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status["replaced"] == 1
    assert status["idle"] == 2
