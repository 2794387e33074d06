"""Durability, for real: a writable server is SIGKILLed (with its workers) at random moments while a client adds
documents in a loop; after each kill it is started again on the same store. At the end every acknowledged write is
stored with its audit record, and every write that was not acknowledged is either wholly stored or wholly absent."""

from __future__ import annotations

import random
import threading
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from write_server import AUTH, WriteServer, plan, plan_iri

from graph_api import journal
from graph_api.audit import history
from graph_api.document_edit import document_closure
from graph_api.document_rdf import document_to_rdf
from graph_api.executor import CHECKPOINTS
from graph_api.persistence import open_current

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.embedded_only("kills a server over a store directory")]

KILLS = 6
SEED = 20261122


class WriteLoop(threading.Thread):
    """POSTs plan 1, 2, 3… one after the other; records which were acknowledged (2xx) and which were sent
    without an answer (the server died meanwhile); a connection refused while it is down is tried again."""

    def __init__(self, server: WriteServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.acknowledged: set[int] = set()
        self.unanswered: set[int] = set()
        self.refused: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        number = 1
        with httpx.Client(timeout=10.0, headers=AUTH) as client:
            while not self.stopping.is_set():
                body = {"message": f"kế hoạch {number}", "document": plan(number)}
                try:
                    response = client.post(self.server.url + "/documents", json=body)
                except httpx.ConnectError:
                    time.sleep(0.05)  # the server is down: nothing was sent, send it again
                    continue
                except httpx.HTTPError:
                    self.unanswered.add(number)  # sent, no answer: may or may not have been committed
                    number += 1
                    continue
                if response.status_code == 201:
                    self.acknowledged.add(number)
                else:
                    self.refused.append(f"{number}: {response.status_code} {response.text[:200]}")
                number += 1


def test_acknowledged_writes_survive_sigkill_and_half_writes_leave_no_trace(tmp_path: Path) -> None:
    server = WriteServer(tmp_path / "store", tmp_path / "serve.log")
    chance = random.Random(SEED)
    startups = [server.start()]
    loop = WriteLoop(server)
    try:
        loop.start()
        for _ in range(KILLS):
            time.sleep(chance.uniform(0.3, 1.5))
            server.kill()
            assert server.process is None
            startups.append(server.start())  # reopens cleanly: a leftover journal is rolled back
            assert journal.read(server.store) is None
            # the killed server's checkpoints are gone: the new one keeps a few of its own
            assert len(list((server.store / CHECKPOINTS).iterdir())) <= 3
        time.sleep(0.5)
    finally:
        loop.stopping.set()
        loop.join(30)
        server.stop()
    assert not loop.refused, loop.refused

    store = open_current(server.store)
    try:
        stored, half = set(), []
        for number in sorted(loop.acknowledged | loop.unanswered):
            iri = plan_iri(number)
            closure = document_closure(store, iri)
            records = history(store, iri)
            if not closure and not records:
                continue  # wholly absent
            expected = document_to_rdf(plan(number), store=store).triples
            if closure == set(expected) and len(records) == 1 and records[0].message == f"kế hoạch {number}":
                stored.add(number)
            else:
                half.append(number)
    finally:
        store.close()
    print(
        f"\ndurability: {KILLS} kills (seed {SEED}), {len(loop.acknowledged)} writes acknowledged, "
        f"{len(loop.unanswered)} unanswered, {len(stored)} stored ({len(stored - loop.acknowledged)} of them "
        f"unanswered), {len(half)} half-stored; restarts took {', '.join(f'{s:.1f}' for s in startups)} s"
    )
    assert not half, f"half-stored writes: {half}"
    assert loop.acknowledged <= stored, f"acknowledged but lost: {sorted(loop.acknowledged - stored)}"
    assert len(loop.acknowledged) >= KILLS  # the loop really wrote between the kills
