"""Smoke test of bench/run's pieces on a tiny generated graph, in process and without servers.

Structure only: the figures exist and are positive, the markdown renders and keeps other sections. Never a timing
threshold: the numbers depend on the machine.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from bench import _run_ours
from bench._run_common import Figure, SizeRun, median, percentile
from bench._run_floor import CONSTANT, create_floor_app
from bench._run_queries import load_mix, mix_median
from bench._run_report import SECTION, render, targets, write_section
from bench.generate import generate

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> SizeRun:
    """The in-process probe of graph_api run once on a ~2,000-triple graph; its JSON lines read into a SizeRun."""
    work = tmp_path_factory.mktemp("bench")
    generate(work / "g", size=2000, seed=7)
    (work / "empty").mkdir()
    argv = ["--data", str(work / "g" / "graph.nt"), "--store", str(work / "store"), "--empty", str(work / "empty"),
            "--repeats", "2"]  # fmt: skip
    capture = pytest.MonkeyPatch()
    lines: list[str] = []
    capture.setattr("builtins.print", lambda text, **_: lines.append(text))
    try:
        assert _run_ours.main(argv) == 0
    finally:
        capture.undo()
    run = SizeRun("tiny")
    for line in lines:
        message = json.loads(line)
        if "figure" in message:
            run.put("ours." + message["figure"], message["value"], message["unit"], message["note"])
        else:
            run.meta.update(message.get("meta", {}))
    return run


def test_probe_reports_positive_figures(probed: SizeRun):
    for key in ("load_s", "reopen_s", "index_s", "rss_mb", "lineage_typical_ms", "lineage_largest_ms",
                "nx_typical_ms", "handler_largest_ms"):  # fmt: skip
        figure = probed.get("ours." + key)
        assert figure.measured, key
        assert figure.value is not None
        assert figure.value > 0, key
    assert probed.meta["largest_descendants"] >= probed.meta["typical_descendants"] >= 1
    assert "typical_mismatch" not in probed.meta
    assert "largest_mismatch" not in probed.meta


def test_probe_times_the_whole_query_mix(probed: SizeRun):
    queries = load_mix()
    assert len(queries) == 10
    for query in queries:
        assert query.text.startswith("#+ summary:"), query.name
        assert probed.get(f"ours.q.{query.name}").measured, query.name
    value, note = mix_median(probed, "ours")
    assert value is not None
    assert value > 0
    assert "10" in note


def test_markdown_renders_tables_and_targets(probed: SizeRun, tmp_path: Path):
    runs = {"M": probed}
    found = targets(runs)
    assert {t.size for t in found} == {"M", "L"}
    assert all(t.verdict in ("**met**", "**not met**", "not measured") for t in found)
    section = render(runs, command="python -m bench.run --sizes M", date="2026-11-22", machine=["machine: test"],
                     notes=["a note"], plot="benchmarks.png")  # fmt: skip
    assert section.startswith(SECTION)
    assert "| figure | graph_api | value | compared with | value | ratio |" in section
    assert "`count-documents-by-type`" in section
    assert "![" in section
    assert "benchmarks.png" in section
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Store: load and reopen\n\ntheirs\n", encoding="utf-8")
    write_section(doc, section)
    write_section(doc, section.replace("a note", "another note"))  # replaced in place, not appended twice
    text = doc.read_text(encoding="utf-8")
    assert text.count(SECTION) == 1
    assert "## Store: load and reopen\n\ntheirs" in text
    assert "another note" in text
    assert "a note\n" not in text


def test_unmeasured_figures_show_their_reason():
    run = SizeRun("L")
    run.put("rdflib.load_s", None, "s", "skipped: too slow")
    section = render({"L": run}, command="c", date="d", machine=[], notes=[], plot=None)
    assert "— (skipped: too slow)" in section
    assert "not measured" in section


def test_floor_returns_a_constant():
    with TestClient(create_floor_app()) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.json() == CONSTANT


def test_statistics():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 0.99) == 99.0
    assert math.isnan(percentile([], 0.5))
    assert Figure(1.0, "s").measured
    assert not Figure(None, "s").measured


def test_plot_writes_a_png(probed: SizeRun, tmp_path: Path):
    pytest.importorskip("matplotlib")
    from bench._run_plot import plot

    assert plot({"S": probed}, tmp_path / "b.png", "test")
    assert (tmp_path / "b.png").stat().st_size > 0


def test_interleaved_timing_sends_each_repeat_to_every_endpoint_in_turn():
    import httpx

    from bench._run_queries import Endpoint, time_interleaved

    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "broken":
            return httpx.Response(500, text="no")
        return httpx.Response(200, json={"head": {"vars": ["s"]}, "results": {"bindings": [{}, {}]}})

    endpoints = [Endpoint(key, key, f"http://{key}/sparql") for key in ("a", "b", "broken")]
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        found = time_interleaved(client, endpoints, "ASK {}", repeats=3, timeout=5, budget=60)
    # the warm-ups, then rounds of the endpoints still answering, the first of a round rotating
    assert seen == ["a", "b", "broken", "a", "b", "b", "a", "a", "b"]
    assert found["a"][1] == found["b"][1] == "2 rows"
    assert found["a"][0] is not None
    assert found["broken"] == (None, "not measured: HTTP 500: no")
