"""Probe of rdflib in memory, and of pySHACL on the same rdflib graph.

``python -m bench._run_rdflib --data graph.nt --typical IRI --largest IRI [--repeats N] [--no-validation]`` parses
the ontology and the generated graph into one ``rdflib.Graph``, then times the query mix, the lineage property paths,
pySHACL on the focus nodes of one document (``focus_nodes``), and a full pySHACL run through
:func:`graph_api.validation.validate_graph` (the ontology is already in the data graph, so it is not mixed in
again). The parent stops the probe at its deadline; the phase it was in is then reported as too slow.
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pyshacl
import rdflib

from bench._run_common import ROOT, emit, emit_phase, median, timed_ms
from bench._run_ours import current_rss_mb
from bench._run_queries import lineage_query, load_mix
from graph_api.validation import validate_graph

if TYPE_CHECKING:
    from collections.abc import Sequence


def focus_nodes(graph: rdflib.Graph, document: str) -> list[str | rdflib.URIRef]:
    """A document and every node minted under its IRI (indicators, targets, tasks, assignments, statements)."""
    prefix = document + "/"
    found = {document} | {str(s) for s in graph.subjects(unique=True) if str(s).startswith(prefix)}
    return [rdflib.URIRef(iri) for iri in sorted(found)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._run_rdflib")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--typical", required=True)
    parser.add_argument("--largest", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-validation", action="store_true")
    args = parser.parse_args(argv)

    emit_phase("load_s", "s")
    started = time.perf_counter()
    graph = rdflib.Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path)
    graph.parse(args.data, format="nt")
    emit("load_s", time.perf_counter() - started, "s", f"{len(graph):,} triples")
    emit("rss_mb", current_rss_mb(), "MB")

    def run(text: str) -> int:
        return sum(1 for _ in graph.query(text))

    for name, root in (("typical", args.typical), ("largest", args.largest)):
        text = lineage_query(root)
        emit_phase(f"lineage_{name}_ms", "ms")
        rows = sum(1 for _ in graph.query(text))
        emit(f"lineage_{name}_ms", median(timed_ms(partial(run, text), args.repeats, budget_s=10)),
             "ms", f"property path: {rows} rows")  # fmt: skip
    for query in load_mix():
        emit_phase(f"q.{query.name}", "ms")
        first = time.perf_counter()
        rows = sum(1 for _ in graph.query(query.text))
        once = (time.perf_counter() - first) * 1000
        times = timed_ms(partial(run, query.text), args.repeats - 1, budget_s=5) if once < 5000 else []
        emit(f"q.{query.name}", median([once, *times]), "ms", f"{rows} rows")

    if args.no_validation:
        return 0
    shapes = rdflib.Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path)
    focus = focus_nodes(graph, args.typical)
    emit_phase("pyshacl_incremental_ms", "ms")
    started = time.perf_counter()
    pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
                     allow_infos=True, focus_nodes=focus)  # fmt: skip
    emit("pyshacl_incremental_ms", (time.perf_counter() - started) * 1000, "ms",
         f"pySHACL focus_nodes: {len(focus)} nodes of one document")  # fmt: skip
    emit_phase("pyshacl_full_s", "s")
    started = time.perf_counter()
    report = validate_graph(graph, shapes)
    counts = report.counts()
    emit("pyshacl_full_s", time.perf_counter() - started, "s",
         f"{counts['Violation']} violations, {counts['Warning']} warnings")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
