"""The figure of docs/benchmarks.md: query-mix median, typical lineage and throughput, by size and by system.

matplotlib is an optional dependency (the ``bench`` group); it is imported when a plot is drawn, and its absence
only leaves the plot out.
"""

from __future__ import annotations

import importlib
import math
from typing import TYPE_CHECKING, Any

from bench._run_queries import mix_median

if TYPE_CHECKING:
    from pathlib import Path

    from bench._run_common import SizeRun

#: (panel title, y label, log scale, [(series label, figure key or "mix:<system>")])
PANELS: list[tuple[str, str, bool, list[tuple[str, str]]]] = [
    ("SPARQL query mix, median", "ms (log)", True, [
        ("graph_api /sparql", "mix:ours_http"), ("Oxigraph server", "mix:oxigraph"),
        ("rdflib-endpoint", "mix:rdflib_endpoint"), ("rdflib in memory", "mix:rdflib"),
    ]),
    ("Lineage of the typical document", "ms (log)", True, [
        ("GET /lineage", "ours_http.lineage_typical_ms"), ("networkx alone", "ours.nx_typical_ms"),
        ("Oxigraph path query", "oxigraph.lineage_typical_ms"),
        ("rdflib-endpoint path", "rdflib_endpoint.lineage_typical_ms"),
    ]),
    ("Throughput, 8 loopback clients", "requests/s", False, [
        ("FastAPI floor", "load.floor.c8.rps"), ("GET /lineage", "load.ours_lineage.c8.rps"),
        ("/sparql lookup", "load.ours_sparql.c8.rps"), ("Oxigraph lookup", "load.oxigraph_sparql.c8.rps"),
    ]),
]  # fmt: skip


def value_of(run: SizeRun, key: str) -> float:
    if key.startswith("mix:"):
        value, _ = mix_median(run, key[4:])
    else:
        figure = run.get(key)
        value = figure.value if figure.measured else None
    return math.nan if value is None else value


def plot(runs: dict[str, SizeRun], path: Path, title: str) -> bool:
    """Draw the PNG; False when matplotlib is not installed."""
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
    except ImportError:
        return False
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    sizes = list(runs)
    figure, axes = plt.subplots(1, len(PANELS), figsize=(5 * len(PANELS), 4.2))
    for axis, (name, ylabel, log, series) in zip(axes, PANELS, strict=True):
        width = 0.8 / len(series)
        for i, (label, key) in enumerate(series):
            values = [value_of(runs[size], key) for size in sizes]
            positions = [s + (i - (len(series) - 1) / 2) * width for s in range(len(sizes))]
            axis.bar(positions, values, width, label=label)
        axis.set_xticks(range(len(sizes)), sizes)
        axis.set_title(name, fontsize=10)
        axis.set_ylabel(ylabel)
        heights = [bar.get_height() for bar in axis.patches]
        if log and any(math.isfinite(height) and height > 0 for height in heights):
            axis.set_yscale("log")
        axis.legend(fontsize=7)
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
