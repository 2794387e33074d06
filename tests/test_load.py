"""A bounded loopback load test: reader threads (/sparql, /lineage, /documents) and writer threads (POST
/documents) against one live writable server for about 20 s. No 5xx, no lost write, and the memory of the server and
its query workers stays within a bound (see RSS_GROWTH)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TYPE_CHECKING

import httpx
import pytest
from write_server import AUTH, WriteServer, plan, plan_iri

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.embedded_only("writes need the embedded store")]

SECONDS = 20.0
WARM_UP = 3.0
READERS = 3
WRITERS = 2
#: Allowed growth of the resident memory of server + workers from the end of the warm-up to the end: the graph grows
#: by the documents written (≈ 30 triples each, some hundreds of them: well under 1 MB of data, a few MB with
#: Oxigraph's indexes and caches), and the workers re-open the store after every commit (each keeps one open). A
#: leak of even 1 KB per request over the ~10⁴ requests of the run would pass 10 MB per process; 64 MB for
#: three processes (server + 2 workers) leaves room for allocator and RocksDB cache warm-up, and catches a leak per
#: commit (a store left open per re-open: ≥ 5 MB each, hundreds of commits).
RSS_GROWTH = 64 * 1024 * 1024
READS = (
    ("GET", "/sparql", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}),
    ("GET", "/lineage", {"doc": "15-NQ/TW", "direction": "down"}),
    ("GET", "/documents", {"symbol": "306/KH-UBND"}),
    ("GET", "/documents/306/KH-UBND", {}),
    ("GET", "/documents", {"issuer": "UBND", "limit": "50"}),
)


class Load:
    def __init__(self, server: WriteServer) -> None:
        self.server = server
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []
        self.acknowledged: list[int] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def note(self, response: httpx.Response, what: str) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.errors.append(f"{what}: {response.status_code} {response.text[:200]}")

    def read(self, offset: int) -> None:
        with httpx.Client(base_url=self.server.url, timeout=30.0) as client:
            turn = offset
            while not self.stopping.is_set():
                method, path, params = READS[turn % len(READS)]
                turn += 1
                self.note(client.request(method, path, params=params), path)

    def write(self, first: int) -> None:
        with httpx.Client(base_url=self.server.url, timeout=30.0, headers=AUTH) as client:
            number = first
            while not self.stopping.is_set():
                body = {"message": f"tải {number}", "document": plan(number)}
                response = client.post("/documents", json=body)
                self.note(response, f"POST {number}")
                if response.status_code == 201:
                    with self.lock:
                        self.acknowledged.append(number)
                number += 1


def test_mixed_reads_and_writes_under_load(tmp_path: Path) -> None:
    server = WriteServer(tmp_path / "store", tmp_path / "serve.log", workers=2)
    server.start()
    load = Load(server)
    threads = [threading.Thread(target=load.read, args=(i,), daemon=True) for i in range(READERS)]
    threads += [threading.Thread(target=load.write, args=(10_000 * (i + 1),), daemon=True) for i in range(WRITERS)]
    try:
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(WARM_UP)
        rss_start = server.rss()
        time.sleep(SECONDS - WARM_UP)
        rss_end = server.rss()
        load.stopping.set()
        for thread in threads:
            thread.join(60)
        elapsed = time.monotonic() - started
        with httpx.Client(base_url=server.url, timeout=30.0) as client:
            missing = [n for n in load.acknowledged if client.get(f"/documents/{plan_iri(n)}").status_code != 200]
            query = 'SELECT (COUNT(*) AS ?n) WHERE { ?d <https://w3id.org/vn-directives/ontology#title> ?t FILTER(STRSTARTS(STR(?t), "Kế hoạch kiểm thử")) }'  # noqa: E501
            counted = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
            assert counted.status_code == 200, (counted.text, dict(load.statuses), load.errors[:5])
            in_queries = int(counted.text.split()[-1])
    finally:
        server.stop()
    requests = sum(load.statuses.values())
    classes = Counter(f"{status // 100}xx" for status in load.statuses.elements())
    print(
        f"\nload: {requests} requests in {elapsed:.1f} s ({requests / elapsed:.0f}/s; {READERS} readers, {WRITERS} "
        f"writers), status classes {dict(sorted(classes.items()))}, {len(load.acknowledged)} writes acknowledged, "
        f"{len(missing)} missing, {in_queries} seen by the query workers; RSS server + workers "
        f"{rss_start / 2**20:.0f} MiB after warm-up -> {rss_end / 2**20:.0f} MiB at the end"
    )
    assert not load.errors, load.errors[:5]
    assert not missing, missing[:10]
    assert in_queries == len(load.acknowledged)
    assert len(load.acknowledged) >= 10
    assert rss_end - rss_start <= RSS_GROWTH
