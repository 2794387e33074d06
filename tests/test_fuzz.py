"""Fuzzing the HTTP API from its own OpenAPI description with schemathesis, in process (ASGI, no network).

Every operation of ``app.openapi()`` gets ``EXAMPLES`` generated requests that fit its schema and as many that do not
(schemathesis's positive and negative modes; an operation with nothing to get wrong has no negative ones). Each
answer must be below 500, and a 4xx must be an RFC 9457 problem. Hypothesis runs derandomised (a fixed seed; what it
draws still follows the constants it finds in the code) and without its example database; ``GRAPH_API_FUZZ_EXAMPLES``
asks for more requests per operation.
The counts are printed (``pytest -s``) so that they can be quoted.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from http_helpers import PROBLEM
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans

from graph_api.app import create_app
from graph_api.settings import Settings

if TYPE_CHECKING:
    from graph_api.store import GraphStore

EXAMPLES = int(os.environ.get("GRAPH_API_FUZZ_EXAMPLES", "60"))
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}


def _header(response: Any, name: str) -> str:
    value = response.headers.get(name, "")
    return str(value[0] if isinstance(value, list) else value)


@pytest.mark.slow
def test_fuzzed_requests_give_no_5xx_and_only_problems(project_store: GraphStore) -> None:
    app = create_app(Settings(_env_file=None, store=None, query_workers=1, query_timeout=20), store=project_store)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    statuses: Counter[int] = Counter()
    per_operation: Counter[str] = Counter()
    failures: list[str] = []
    skipped: list[str] = []
    started = time.monotonic()

    def check(label: str, case: schemathesis.Case) -> None:
        response = case.call()
        statuses[response.status_code] += 1
        per_operation[label] += 1
        where = f"{label} {case.path_parameters or ''} {case.query or ''} {str(case.body)[:120]!r}"
        if response.status_code >= 500:
            failures.append(f"{where}: {response.status_code} {response.text[:300]}")
        elif response.status_code >= 400:
            if not _header(response, "content-type").startswith(PROBLEM):
                failures.append(f"{where}: {response.status_code} is not problem+json")
            elif not response.json().keys() >= PROBLEM_MEMBERS:
                failures.append(f"{where}: incomplete problem {response.text[:300]}")

    def runner(label: str, strategy: Any) -> Any:
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def exercise(case: schemathesis.Case) -> None:
            check(label, case)

        return exercise

    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in GenerationMode:
                label = f"{operation.label} ({mode.value})"
                try:
                    runner(label, operation.as_strategy(generation_mode=mode))()
                except Unsatisfiable:
                    skipped.append(label)
    finally:
        shutdown_lifespans()
    classes = Counter(f"{status // 100}xx" for status in statuses.elements())
    print(
        f"\nschemathesis {schemathesis.__version__}: {sum(statuses.values())} requests on "
        f"{len({label.rsplit(' (', 1)[0] for label in per_operation})} operations in "
        f"{time.monotonic() - started:.0f} s; {dict(sorted(classes.items()))}; {dict(sorted(statuses.items()))}; "
        f"{len(skipped)} operations have nothing a negative example could get wrong"
    )
    assert not failures, "\n".join(failures[:20])
    assert sum(statuses.values()) >= 10 * len(per_operation)
