"""The corpus of malformed inputs (tests/malformed/corpus.py) against the service over the project graph: no 5xx, a
problem+json body on every 4xx, the required status where the corpus names one, and the graph unchanged."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from http_helpers import PROBLEM, client_for
from malformed.corpus import all_cases

if TYPE_CHECKING:
    from graph_api.store import GraphStore

CASES = all_cases()


def _digest(store: GraphStore) -> tuple[int, str]:
    dump = store.oxigraph.dump(format=ox.RdfFormat.N_QUADS)
    assert dump is not None
    lines = sorted(dump.splitlines())
    return len(lines), hashlib.sha256(b"\n".join(lines)).hexdigest()


def test_the_corpus_is_large_and_named_uniquely() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) > 200


@pytest.mark.slow
def test_malformed_inputs_give_no_5xx_and_leave_the_graph_unchanged(project_store: GraphStore) -> None:
    before = _digest(project_store)
    statuses: Counter[int] = Counter()
    failures = []
    with client_for(project_store, query_timeout=20) as client:
        dump_before = hashlib.sha256(client.get("/dump.nt").content).hexdigest()
        for case in CASES:
            response = client.request(case.method, case.url, content=case.body, headers=case.headers)
            statuses[response.status_code] += 1
            problem = response.headers.get("content-type", "").startswith(PROBLEM)
            if response.status_code >= 500:
                failures.append(f"{case.name}: {response.status_code} {response.text[:200]}")
            elif 400 <= response.status_code < 500 and not problem:
                failures.append(f"{case.name}: {response.status_code} is not problem+json")
            elif case.expect is not None and response.status_code != case.expect:
                failures.append(f"{case.name}: {response.status_code}, not {case.expect}: {response.text[:200]}")
            if problem:
                body = response.json()
                if not {"type", "title", "status", "detail", "instance"} <= body.keys() or "Traceback" in response.text:
                    failures.append(f"{case.name}: incomplete problem {body}")
        dump_after = hashlib.sha256(client.get("/dump.nt").content).hexdigest()
    classes = Counter(f"{status // 100}xx" for status in statuses.elements())
    print(
        f"\nmalformed inputs: {len(CASES)} requests; {dict(sorted(classes.items()))}; {dict(sorted(statuses.items()))}"
    )
    assert not failures, "\n".join(failures)
    assert _digest(project_store) == before
    assert dump_after == dump_before
