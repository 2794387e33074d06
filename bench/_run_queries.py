"""The researchers' query mix (``bench/queries/*.rq``) and the SPARQL endpoints it is sent to over HTTP.

Every endpoint gets the same request: ``POST`` of an ``application/x-www-form-urlencoded`` body ``query=…`` with
``Accept: application/sparql-results+json``; a query's latency is the median of its repeats after one warm-up.
:func:`run_mixes` sends the mix to several endpoints interleaved (each repeat of a query goes to every endpoint in
turn, the order rotating), so that a change in the machine's speed during the run (other jobs on its cores) falls
on all of them alike and their ratio stays meaningful.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import httpx

from bench._run_common import DH, QUERIES_DIR, median

if TYPE_CHECKING:
    from pathlib import Path

    from bench._run_common import SizeRun

RESULTS_JSON: Final = "application/sparql-results+json"
PROLOGUE: Final = f"PREFIX dh: <{DH}>\n"


@dataclass(frozen=True)
class Query:
    name: str
    text: str


@dataclass(frozen=True)
class Endpoint:
    """A SPARQL endpoint: ``key`` names its figures (``oxigraph``), ``url`` takes the form POST."""

    key: str
    label: str
    url: str


def load_mix(directory: Path = QUERIES_DIR) -> list[Query]:
    """The ten queries of the mix, by file name."""
    return [Query(path.stem, path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.rq"))]


def lineage_query(root: str) -> str:
    """Lineage down from ``root`` as a SPARQL property path (what an endpoint without /lineage is asked)."""
    return PROLOGUE + f"SELECT DISTINCT ?doc WHERE {{ ?doc dh:implements+ <{root}> }}"


def lookup_query(doc: str) -> str:
    """A point lookup: the light query of the throughput test."""
    return PROLOGUE + f"SELECT ?symbol ?date WHERE {{ <{doc}> dh:symbol ?symbol ; dh:issueDate ?date }}"


class Unanswered(Exception):
    """The endpoint answered with an error status or not within the timeout."""


def ask(client: httpx.Client, endpoint: Endpoint, query: str, timeout: float) -> int:
    """Send one query; return the number of result rows."""
    try:
        response = client.post(endpoint.url, data={"query": query}, headers={"Accept": RESULTS_JSON}, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise Unanswered(f"no answer within {timeout:.0f} s") from exc
    except httpx.HTTPError as exc:
        raise Unanswered(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise Unanswered(f"HTTP {response.status_code}: {response.text[:120]}")
    bindings = response.json().get("results", {}).get("bindings", [])
    return len(bindings)


def time_interleaved(
    client: httpx.Client, endpoints: list[Endpoint], query: str, *, repeats: int, timeout: float, budget: float
) -> dict[str, tuple[float | None, str]]:
    """Median milliseconds of ``repeats`` runs of ``query`` after a warm-up, and a note (rows, or why it was not
    measured), per endpoint: a warm-up on each, then each repeat on each endpoint in turn (the first of a round
    rotating); an endpoint stops when it fails or has spent ``budget`` seconds (then fewer repeats count)."""
    times: dict[str, list[float]] = {e.key: [] for e in endpoints}
    spent = dict.fromkeys(times, 0.0)
    rows: dict[str, int] = {}
    failed: dict[str, str] = {}  # endpoint key -> why it was not measured
    for endpoint in endpoints:
        started = time.perf_counter()
        try:
            rows[endpoint.key] = ask(client, endpoint, query, timeout)
        except Unanswered as exc:
            failed[endpoint.key] = f"not measured: {exc}"
        spent[endpoint.key] = time.perf_counter() - started
    for round_ in range(repeats):
        live = [e for e in endpoints if e.key not in failed and spent[e.key] < budget]
        if not live:
            break
        first = round_ % len(live)
        for endpoint in live[first:] + live[:first]:
            begin = time.perf_counter()
            try:
                ask(client, endpoint, query, timeout)
            except Unanswered as exc:
                failed[endpoint.key] = f"not measured: {exc}"
                continue
            elapsed = time.perf_counter() - begin
            times[endpoint.key].append(elapsed * 1000)
            spent[endpoint.key] += elapsed
    found: dict[str, tuple[float | None, str]] = {}
    for key, values in times.items():
        if key in failed:
            found[key] = (None, failed[key])
        else:
            found[key] = (median(values) if values else spent[key] * 1000, f"{rows[key]} rows")
    return found


def run_mixes(
    run: SizeRun, endpoints: list[Endpoint], *, repeats: int, timeout: float, budget: float, roots: dict[str, str]
) -> None:
    """Time every query of the mix and the lineage property paths on the endpoints, interleaved (see the module
    docstring); figures ``{key}.q.{name}`` and ``{key}.lineage_{typical|largest}_ms``."""
    texts = [(f"q.{query.name}", query.text, repeats, False) for query in load_mix()]
    texts += [(f"lineage_{name}_ms", lineage_query(root), repeats * 2, True) for name, root in roots.items()]
    with httpx.Client() as client:
        for suffix, text, times, lineage in texts:
            found = time_interleaved(client, endpoints, text, repeats=times, timeout=timeout, budget=budget)
            for key, (value, note) in found.items():
                run.put(f"{key}.{suffix}", value, "ms", f"property path: {note}" if lineage else note)
                if value is None and "within" in note and not lineage:
                    run.meta.setdefault("at_least_ms", {})[f"{key}.{suffix}"] = timeout * 1000


def mix_median(run: SizeRun, key: str) -> tuple[float | None, str]:
    """Median over the mix of the per-query medians of ``key``. A query that timed out counts as its timeout, and
    the median is then a lower bound ("≥"); None when a query failed otherwise."""
    names = [query.name for query in load_mix()]
    bounds: dict[str, float] = run.meta.get("at_least_ms", {}) | run.meta.get("at_least", {})
    values: list[float] = []
    bounded: list[str] = []
    for name in names:
        figure = run.get(f"{key}.q.{name}")
        if figure.value is not None and figure.measured:
            values.append(figure.value)
        elif f"{key}.q.{name}" in bounds:
            values.append(bounds[f"{key}.q.{name}"])
            bounded.append(name)
        elif figure.note.startswith("skipped at"):
            return None, figure.note
        else:
            return None, f"{name}: {figure.note}"
    if bounded:
        return median(values), f"lower bound: {len(bounded)} of {len(names)} queries timed out ({', '.join(bounded)})"
    return median(values), f"median of {len(names)} query medians"
