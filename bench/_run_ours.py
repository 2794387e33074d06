"""Probe of graph_api in one process: load, reopen, lineage against networkx, the query mix, validation.

``python -m bench._run_ours --data graph.nt --store DIR --empty DIR [--repeats N] [--validate-deadline S]`` prints
figures as JSON lines (:mod:`bench._run_common`). The store is the persistent on-disk store of
:func:`graph_api.build_store`: the ontology and the shapes of the repository plus the generated graph as an extra
file (the curated seed data is left out: ``data_dir`` points to an empty directory).
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from bench._run_common import emit, emit_meta, median, timed_ms
from bench._run_queries import load_mix
from graph_api.documents import find_document
from graph_api.lineage import lineage, lineage_index
from graph_api.lineage_views import lineage_json_bytes
from graph_api.loading import build_store
from graph_api.settings import Settings
from graph_api.store import GraphStore

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graph_api.lineage import LineageIndex


def settings_for(data: Path, store: Path, empty: Path) -> Settings:
    """The settings the benchmark serves with: the repository's ontology and shapes, and ``data``."""
    return Settings(store=store, data_dir=empty, extra_files=[data], named_graph_files={}, load_project=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def implements_graph(index: LineageIndex) -> nx.DiGraph:
    """The ``implements`` edges of the lineage index as a plain DiGraph (what networkx alone would traverse)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(index.graph.nodes)
    graph.add_edges_from((a, b) for a, b, relation in index.graph.edges(keys=True) if relation == "implements")
    return graph


def choose_documents(graph: nx.DiGraph) -> tuple[tuple[str, int], tuple[str, int]]:
    """(typical, largest) documents with their number of descendants: the median and the largest lineage among the
    documents something implements; ties broken by IRI so that the choice is deterministic."""
    counts = sorted((len(nx.ancestors(graph, node)), node) for node in graph.nodes if graph.in_degree(node))
    if not counts:
        raise SystemExit("no document is implemented by another: nothing to trace")
    typical = counts[(len(counts) - 1) // 2]
    largest = max(counts, key=lambda item: (item[0], item[1]))
    return (typical[1], typical[0]), (largest[1], largest[0])


def measure_lineage(store: GraphStore, base: str, repeats: int) -> None:
    started = time.perf_counter()
    index = lineage_index(store)
    emit("index_s", time.perf_counter() - started, "s", f"{index.graph.number_of_edges():,} document relations")
    graph = implements_graph(index)
    (typical, typical_n), (largest, largest_n) = choose_documents(graph)
    emit_meta(typical=typical, typical_descendants=typical_n, largest=largest, largest_descendants=largest_n,
              documents=len(index.symbols))  # fmt: skip
    find_document(store, typical, base)  # builds the document index once
    lineage_json_bytes(store, lineage(store, typical), base, relations=["implements"], depth=None)
    for name, root, count in (("typical", typical, typical_n), ("largest", largest, largest_n)):
        reps = repeats * (10 if name == "typical" else 2)
        found = lineage(store, root)
        if len(found.nodes) != count:
            emit_meta(**{f"{name}_mismatch": f"lineage found {len(found.nodes)}, networkx {count}"})
        emit(f"lineage_{name}_ms", median(timed_ms(partial(lineage, store, root), reps, budget_s=5)), "ms",
             f"{count:,} documents")  # fmt: skip
        emit(f"nx_{name}_ms", median(timed_ms(partial(nx.ancestors, graph, root), reps, budget_s=5)), "ms")

        def handler(r: str = root) -> object:
            # What GET /lineage computes: resolve the document, traverse, build the JSON body (its bytes).
            return lineage_json_bytes(store, lineage(store, find_document(store, r, base)), base,
                                      relations=["implements"], depth=None)  # fmt: skip

        emit(f"handler_{name}_ms", median(timed_ms(handler, reps, budget_s=5)), "ms")


def measure_queries(store: GraphStore, repeats: int) -> None:
    for query in load_mix():

        def run(text: str = query.text) -> int:
            return sum(1 for _ in store.select(text))

        rows = run()
        emit(f"q.{query.name}", median(timed_ms(run, repeats, budget_s=20)), "ms", f"{rows} rows")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._run_ours")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--empty", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    settings = settings_for(args.data.resolve(), args.store.resolve(), args.empty.resolve())

    started = time.perf_counter()
    store = build_store(settings, progress=False, reload=True)
    emit("load_s", time.perf_counter() - started, "s", f"{len(store):,} quads, persistent store")
    emit_meta(quads=len(store))
    database = store.path
    store.close()
    del store
    gc.collect()

    started = time.perf_counter()
    store = build_store(settings, progress=False)
    emit("reopen_s", time.perf_counter() - started, "s", "build_store on unchanged files: hash them, open read-only")
    if database is not None:
        began = time.perf_counter()
        raw = GraphStore(database, read_only=True)
        len(raw)
        emit("open_s", time.perf_counter() - began, "s", "GraphStore(read_only=True) alone")
        raw.close()

    measure_lineage(store, settings.base_iri, args.repeats)
    measure_queries(store, args.repeats)
    emit("rss_mb", current_rss_mb(), "MB", f"peak {peak_rss_mb():,.0f} MB (loading included)")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
