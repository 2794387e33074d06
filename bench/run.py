"""Side-by-side benchmark: graph_api beside rdflib, rdflib-endpoint, the Oxigraph server and a FastAPI floor.

```
python -m bench.run [--sizes S,M,L] [--quick] [--out docs/benchmarks.md]     # or: make bench
```

For each size the generated graph (``bench.generate``, seed 42) is measured, one system at a time, on 127.0.0.1
only: load, reopen and memory; lineage (a typical and the largest document) against networkx alone and against
SPARQL property paths; ten researcher queries (``bench/queries/*.rq``) through ``/sparql``, the Oxigraph server,
rdflib-endpoint and rdflib in memory; throughput and p50/p99 under a few seconds of bounded load (a separate httpx
client process); full and incremental validation. It writes the "Side by side" section of ``--out`` (other
sections are kept), a PNG plot beside it and the raw figures in ``var/bench/results.json``.

Every server it starts is stopped when it ends, also on an error, Ctrl-C or SIGTERM. ``--quick`` measures S only,
with fewer repeats and shorter load points (about a minute). A full S, M, L run takes about 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from bench._run_common import ROOT, SizeRun
from bench._run_machine import describe, load_average
from bench._run_plot import plot
from bench._run_report import render, write_section
from bench._run_servers import Servers
from bench._run_size import RDFLIB_SKIPPED, Context, measure_size

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

SIZES: Final = ("S", "M", "L")

NOTES: Final = (
    "graph_api serves the repository's ontology and shapes plus the generated `graph.nt` from its persistent store "
    "(`graph-api serve --store DIR --data graph.nt`, two query workers) with its defaults: where the copies fit its "
    "memory budget (a quarter of the machine's memory: at S and M here, not at L) each query worker is replaced, "
    "in the background after the start, by one holding the store in memory, and every figure of the served "
    "graph_api is taken once that is done (the warm-up figure says how long it took); at S and M it is also served "
    "with the copies off (`GRAPH_API_QUERY_MEMORY_MB=0`), every query on disk. The Oxigraph server and "
    "rdflib-endpoint "
    "serve `ontology/directives.ttl` + `graph.nt` in their default graph; rdflib parses the same two files.",
    "Query latency: one warm-up, then the median of the repeats (5 at S and M, 3 at L; fewer when a query takes "
    "seconds), each a form POST with `Accept: application/sparql-results+json`, sequential. graph_api, its "
    "on-disk variant and the Oxigraph server are up together and asked interleaved (each repeat of a query "
    "goes to each of them in turn, the first of a round rotating), so that other jobs slowing the machine for a "
    "while slow them alike; rdflib-endpoint is asked on its own, later. The mix median is the "
    "median of the ten per-query medians. A query that times out counts as its timeout, making the median a lower "
    "bound (≥). graph_api runs with its defaults: a query a worker has answered in under 5 ms "
    "(`GRAPH_API_INLINE_QUERY_MS`) is run again in the server process itself, while it is faster there than the "
    "worker's round trip, so from the first repeat on the cheap queries skip the round trip to a worker; every "
    "repeat is still evaluated (no result cache).",
    "Lineage: `library lineage()` is `graph_api.lineage.lineage` on the warm index; networkx alone is "
    "`nx.ancestors` on a DiGraph of the same `implements` edges; the handler work is what GET /lineage computes in "
    "process (resolve the document, traverse, build the JSON body); the target's server time is the median "
    "`total` of the `Server-Timing` header of the sequential GET /lineage requests (from the request reaching the "
    "application to its response starting); GET /lineage is their HTTP round trip. The typical document is the "
    "median lineage among documents something implements; the largest is the central document with most descendants.",
    "Load: a separate process of httpx async clients (1 or 8 at once, keep-alive) for a fixed time per point; the "
    "client shares the 2 cores with the server, which caps every throughput, the floor's included. The floor is a "
    "FastAPI app returning a constant JSON under the same uvicorn defaults as `graph-api serve` (access log on).",
    "RSS serving: resident memory summed over the server process and its children (graph_api's query workers each "
    "open the store read-only), read after the load points.",
    "Reopen: `build_store` on unchanged files (hashes the sources, opens the database read-only); "
    "`graph-api serve` start is process start until /health answers, interpreter start-up included.",
    "Validation: graph_api's compiled engine through `graph_api.validation.validate(store, engine=…)` when it "
    "exists (found by signature), with a focus keyword for the incremental run; pySHACL through "
    "`graph_api.validation.validate_graph` on the rdflib graph (ontology already inside), incremental with "
    "pySHACL's `focus_nodes` (the document and every node minted under its IRI). A run past its deadline is "
    "stopped and reported as too slow, with the time it had run.",
    f"Left out at L: rdflib in memory, rdflib-endpoint and pySHACL, because {RDFLIB_SKIPPED}; and the compiled "
    "engine's full validation (no target at L; kept out of the 30-minute budget). Deadlines at M: the compiled "
    "engine's probe (incremental, then full) 150 s; the rdflib probe (load, queries, pySHACL) 300 s; what is stopped "
    "shows how long it had run.",
)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


#: The highest 1-minute load average seen at any step of the run (other jobs on the machine show up here).
_PEAK_LOAD: list[float] = [0.0]


def _load_meaning(peak: float) -> str:
    """What the peak load average says on a machine of ``os.cpu_count()`` cores."""
    cores = os.cpu_count() or 1
    if peak > cores:
        return f"above {cores}: other jobs shared the {cores} cores"
    return f"not above {cores}: no more runnable jobs than cores, on average"


def describe_step(progress: Progress, task: TaskID, text: str) -> None:
    progress.update(task, description=text)
    _PEAK_LOAD[0] = max(_PEAK_LOAD[0], os.getloadavg()[0])


def parse_sizes(text: str) -> list[str]:
    sizes = [part.strip().upper() for part in text.split(",") if part.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown or not sizes:
        raise argparse.ArgumentTypeError(f"sizes are a comma-separated list of {', '.join(SIZES)}")
    return sorted(set(sizes), key=SIZES.index)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=parse_sizes, default=list(SIZES), help="comma-separated: S,M,L (default all)")
    parser.add_argument("--quick", action="store_true", help="S only, fewer repeats, 1 s load points (~1 minute)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md", help="the markdown to update")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench", help="generated graphs and stores")
    parser.add_argument(
        "--from-results",
        type=Path,
        metavar="JSON",
        help="measure nothing: write the markdown and plot again from a run's results.json",
    )
    args = parser.parse_args(argv)
    if args.from_results is not None:
        return rewrite(args.from_results, args.out)
    sizes: list[str] = ["S"] if args.quick else args.sizes
    shown = ["python -m bench.run", *(["--quick"] if args.quick else ["--sizes", ",".join(sizes)])]
    if args.out.resolve() != (ROOT / "docs" / "benchmarks.md").resolve():
        shown += ["--out", str(args.out)]
    command = " ".join(shown)

    console = Console(stderr=True)
    signal.signal(signal.SIGTERM, _interrupt)
    load_before = load_average()
    started = time.perf_counter()
    runs: dict[str, SizeRun] = {}
    columns = (SpinnerColumn(), TextColumn("[bold]{task.fields[size]}[/] {task.description}"), TimeElapsedColumn())
    try:
        with Servers(args.work / "logs") as servers, Progress(*columns, console=console) as progress:
            for size in sizes:
                task = progress.add_task("starting", size=size, total=None)
                ctx = Context(args.work, args.quick, partial(describe_step, progress, task))
                runs[size] = measure_size(size, servers, ctx)
                progress.update(task, description=f"done ({len(runs[size].figures)} figures)", total=1, completed=1)
    except KeyboardInterrupt:
        console.print("[red]interrupted: every server was stopped; nothing written[/]")
        return 130
    elapsed = time.perf_counter() - started

    date = datetime.now(UTC).date().isoformat()
    machine = [
        *describe(load_before, load_average()),
        f"highest 1-min load average seen at any step: {_PEAK_LOAD[0]:.2f} ({_load_meaning(_PEAK_LOAD[0])})",
        f"run time: {elapsed / 60:.1f} min for {', '.join(sizes)}",
    ]
    args.work.mkdir(parents=True, exist_ok=True)
    raw = {"command": command, "date": date, "machine": machine, "runs": [run.to_dict() for run in runs.values()]}
    (args.work / "results.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    publish(runs, args.out, command=command, date=date, machine=machine, console=console)
    console.print(f"{', '.join(sizes)} measured in {elapsed / 60:.1f} min")
    return 0


def publish(
    runs: dict[str, SizeRun], out: Path, *, command: str, date: str, machine: list[str], console: Console
) -> None:
    """Write the plot and the "Side by side" section of ``out``."""
    picture = out.with_suffix(".png")
    drawn = plot(runs, picture, f"bench/run, {date}: {', '.join(runs)}")
    section = render(runs, command=command, date=date, machine=machine, notes=NOTES,
                     plot=picture.name if drawn else None)  # fmt: skip
    write_section(out, section)
    console.print(f"wrote {out}" + (f" and {picture}" if drawn else " (no plot: matplotlib missing)"))


def rewrite(results: Path, out: Path) -> int:
    """Render a saved run again (after a change to the report, without measuring again)."""
    raw = json.loads(results.read_text(encoding="utf-8"))
    runs = {data["size"]: SizeRun.from_dict(data) for data in raw["runs"]}
    publish(runs, out, command=raw["command"], date=raw["date"], machine=raw["machine"], console=Console(stderr=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
