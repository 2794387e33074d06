"""Everything measured for one size, in order.

1. generate the graph (``bench.generate``, seed 42) unless the same one is already in the work directory;
2. graph_api in one process (:mod:`bench._run_ours`) and its compiled validation (:mod:`bench._run_validate`);
3. graph_api served (``graph-api serve`` over the store just built): /lineage, the load points;
4. the Oxigraph server on the same files: its load point; graph_api with its memory copies off (S, M);
5. the query mix, interleaved over the servers of 3 and 4, which stay up, idle, while the others are measured
   (a load point or an RSS reading is taken with one server busy at a time);
6. the HTTP floor, rdflib-endpoint, rdflib in memory with pySHACL.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import httpx

from bench._run_common import ROOT, SizeRun, median, python_command, run_probe, timed_ms
from bench._run_queries import Endpoint, lookup_query, run_mixes
from bench._run_servers import Server, ServerFailed, Servers, oxigraph_load, wait_for_copies
from bench.generate import VERSION, generate

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

SEED: Final = 42
ONTOLOGY: Final = ROOT / "ontology" / "directives.ttl"


@dataclass(frozen=True)
class Plan:
    """How much of each measurement a size gets (kept within the 30-minute budget of a full S, M, L run)."""

    repeats: int
    load_seconds: float
    rdflib: bool
    rdflib_deadline: float
    ours_deadline: float
    query_timeout: float
    validate_deadline: float
    compiled_full: bool = True
    on_disk: bool = True  # also serve with the memory copies off (GRAPH_API_QUERY_MEMORY_MB=0): on disk only


PLANS: Final = {
    "S": Plan(repeats=5, load_seconds=3.0, rdflib=True, rdflib_deadline=120, ours_deadline=300, query_timeout=30,
              validate_deadline=60),
    "M": Plan(repeats=5, load_seconds=3.0, rdflib=True, rdflib_deadline=300, ours_deadline=600, query_timeout=30,
              validate_deadline=150),
    "L": Plan(repeats=3, load_seconds=3.0, rdflib=False, rdflib_deadline=0, ours_deadline=900, query_timeout=60,
              validate_deadline=150, compiled_full=False, on_disk=False),
}  # fmt: skip
QUICK: Final = Plan(repeats=3, load_seconds=1.0, rdflib=True, rdflib_deadline=90, ours_deadline=120, query_timeout=20,
                    validate_deadline=60)  # fmt: skip
RDFLIB_SKIPPED: Final = (
    "rdflib parses ~27k triples/s and holds ~1.3 GB per million triples (issue #4: 37 s, 1.3 GB at 1 M; "
    "136 s, 4.4 GB at 3.4 M), so L would take ~6 min and ~13 GB, past the run's budget"
)


@dataclass
class Context:
    """Where a run works and how it reports progress."""

    work: Path
    quick: bool
    step: Callable[[str], None]


def ensure_graph(size: str, directory: Path) -> dict[str, Any]:
    """Generate the graph of ``size`` into ``directory`` unless the one there was made with the same seed, size and
    generator version."""
    manifest = directory / "defects.json"
    if (directory / "graph.nt").is_file() and manifest.is_file():
        header: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        if header.get("seed") == SEED and header.get("size") == size and header.get("version") == VERSION:
            return header
    generate(directory, size=size, seed=SEED)
    loaded: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
    return loaded


def load_point(
    run: SizeRun, key: str, url: str, *, form: dict[str, str] | None, concurrency: int, seconds: float
) -> None:
    """One point of loopback load (a separate client process): ``load.{key}.c{N}.{rps,p50_ms,p99_ms}``."""
    command = python_command("bench._run_load", "--url", url, "--concurrency", str(concurrency),
                             "--seconds", str(seconds))  # fmt: skip
    if form is not None:
        command += ["--form", json.dumps(form)]
    name = f"load.{key}.c{concurrency}"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        for metric, unit in (("rps", "req/s"), ("p50_ms", "ms"), ("p99_ms", "ms")):
            run.put(f"{name}.{metric}", None, unit, f"failed: {type(exc).__name__}")
        return
    note = f"{result['requests']} answers, {result['errors']} errors, {result['seconds']:.1f} s, {concurrency} clients"
    run.put(f"{name}.rps", result["rps"], "req/s", note)
    run.put(f"{name}.p50_ms", result["p50_ms"], "ms", note)
    run.put(f"{name}.p99_ms", result["p99_ms"], "ms", note)


def record_rss(run: SizeRun, key: str, server: Server) -> None:
    rss, processes = server.rss_mb()
    run.put(f"{key}.serve_rss_mb", rss, "MB", f"{processes} process(es) summed")


def sequential_get(url: str, params: dict[str, str], repeats: int) -> tuple[float, float | None]:
    """Median milliseconds of GET requests one after another (the server's latency without queueing), and the median
    of the ``total`` the server reports in its ``Server-Timing`` header (None when it sends none)."""
    totals: list[float] = []

    def get(client: httpx.Client) -> None:
        response = client.get(url, params=params).raise_for_status()
        total = server_total_ms(response.headers.get("server-timing"))
        if total is not None:
            totals.append(total)

    with httpx.Client(timeout=120) as client:
        get(client)
        totals.clear()
        wall = median(timed_ms(lambda: get(client), repeats, budget_s=10))
    return wall, median(totals) if totals else None


def server_total_ms(header: str | None) -> float | None:
    """The ``total;dur=`` of a Server-Timing header, in milliseconds."""
    for part in (header or "").split(","):
        name, _, rest = part.strip().partition(";")
        if name == "total" and rest.startswith("dur="):
            return float(rest[4:])
    return None


def measure_ours_served(run: SizeRun, servers: Servers, ctx: Context, plan: Plan, paths: dict[str, Path]) -> Endpoint:
    ctx.step("graph_api: serving")
    server = servers.ours(paths["data"], paths["store"], paths["empty"], timeout=600)
    run.put("ours.ready_s", server.ready_s, "s", "graph-api serve on the existing store: start until /health answers")
    # Measured once the background copies are done: they take a core each while they load.
    warm = wait_for_copies(server, timeout=900)
    note = "graph-api serve: start until every query worker holds its memory copy"
    run.put("ours.warm_s", warm, "s", note if warm is not None else "no copies: the graph does not fit the budget")
    typical, largest = run.meta["typical"], run.meta["largest"]
    url = server.base + "/lineage"
    with httpx.Client(timeout=600) as client:
        first = timed_ms(lambda: client.get(url, params={"doc": largest}).raise_for_status(), 1)[0]
    run.put("ours.first_lineage_ms", first, "ms", "first /lineage after start: builds the lineage and document indexes")
    for name, doc in (("typical", typical), ("largest", largest)):
        reps = plan.repeats * (20 if name == "typical" else 4)
        wall, server_ms = sequential_get(url, {"doc": doc}, reps)
        run.put(f"ours_http.lineage_{name}_ms", wall, "ms", "GET /lineage, sequential")
        run.put(f"ours_http.lineage_{name}_server_ms", server_ms, "ms", "Server-Timing total of those requests")
    endpoint = Endpoint("ours_http", "graph_api /sparql", server.base + "/sparql")
    ctx.step("graph_api: load")
    for concurrency in (1, 8):
        load_point(run, "ours_lineage", f"{url}?{urlencode({'doc': typical})}", form=None, concurrency=concurrency,
                   seconds=plan.load_seconds)  # fmt: skip
    load_point(run, "ours_sparql", endpoint.url, form={"query": lookup_query(typical)}, concurrency=8,
               seconds=plan.load_seconds)  # fmt: skip
    record_rss(run, "ours", server)
    return endpoint


def measure_ours_on_disk(run: SizeRun, servers: Servers, ctx: Context, plan: Plan, paths: dict[str, Path]) -> Endpoint:
    """The same service with its memory copies off (``GRAPH_API_QUERY_MEMORY_MB=0``): every query on the store on
    disk, as at sizes whose copies do not fit the budget."""
    ctx.step("graph_api, memory copies off: serving")
    server = servers.ours(paths["data"], paths["store"], paths["empty"], timeout=600, copies=False)
    record_rss(run, "ours_disk", server)
    return Endpoint("ours_disk_http", "graph_api /sparql, on disk", server.base + "/sparql")


def measure_mix(run: SizeRun, servers: Servers, ctx: Context, plan: Plan, endpoints: list[Endpoint]) -> None:
    """The query mix on every endpoint up, interleaved; then stop their servers."""
    ctx.step(f"query mix, interleaved over {', '.join(e.label for e in endpoints)}")
    roots = {"typical": run.meta["typical"], "largest": run.meta["largest"]}
    run_mixes(run, endpoints, repeats=plan.repeats, timeout=plan.query_timeout, budget=20, roots=roots)
    servers.stop_all()


def measure_oxigraph(run: SizeRun, servers: Servers, ctx: Context, plan: Plan, paths: dict[str, Path]) -> Endpoint:
    ctx.step("Oxigraph server: load")
    files = [ONTOLOGY, paths["data"]]
    run.put("oxigraph.load_s", oxigraph_load(paths["oxigraph"], files, timeout=1800), "s", "oxigraph load")
    server = servers.oxigraph(paths["oxigraph"], timeout=300)
    run.put("oxigraph.ready_s", server.ready_s, "s", "oxigraph serve: start until it answers")
    endpoint = Endpoint("oxigraph", "Oxigraph server", server.base + "/query")
    load_point(run, "oxigraph_sparql", endpoint.url, form={"query": lookup_query(run.meta["typical"])}, concurrency=8,
               seconds=plan.load_seconds)  # fmt: skip
    record_rss(run, "oxigraph", server)
    return endpoint


def measure_floor(run: SizeRun, servers: Servers, ctx: Context, plan: Plan) -> None:
    ctx.step("HTTP floor")
    server = servers.floor()
    for concurrency in (1, 8):
        load_point(run, "floor", server.base + "/", form=None, concurrency=concurrency, seconds=plan.load_seconds)
    servers.stop(server)


def measure_rdflib_endpoint(run: SizeRun, servers: Servers, ctx: Context, plan: Plan, paths: dict[str, Path]) -> None:
    ctx.step("rdflib-endpoint: load")
    server = servers.rdflib_endpoint([ONTOLOGY, paths["data"]], timeout=plan.rdflib_deadline)
    run.put("rdflib_endpoint.ready_s", server.ready_s, "s", "rdflib-endpoint serve: parse the files, answer")
    ctx.step("rdflib-endpoint: query mix")
    endpoint = Endpoint("rdflib_endpoint", "rdflib-endpoint", server.base + "/")
    roots = {"typical": run.meta["typical"], "largest": run.meta["largest"]}
    run_mixes(run, [endpoint], repeats=max(2, plan.repeats // 2), timeout=plan.query_timeout, budget=10, roots=roots)
    load_point(run, "rdflib_endpoint_sparql", endpoint.url, form={"query": lookup_query(run.meta["typical"])},
               concurrency=8, seconds=plan.load_seconds)  # fmt: skip
    record_rss(run, "rdflib_endpoint", server)
    servers.stop(server)


def measure_size(size: str, servers: Servers, ctx: Context) -> SizeRun:
    plan = QUICK if ctx.quick else PLANS[size]
    run = SizeRun(size)
    directory = ctx.work / size
    ctx.step(f"generating {size}")
    header = ensure_graph(size, directory)
    run.meta.update(triples=header["triples"], documents_generated=header["documents"])
    paths = {
        "data": directory / "graph.nt",
        "store": directory / "store",
        "empty": directory / "empty",
        "oxigraph": directory / "oxigraph",
    }
    paths["empty"].mkdir(parents=True, exist_ok=True)
    common = ["--data", str(paths["data"]), "--store", str(paths["store"]), "--empty", str(paths["empty"])]

    ctx.step("graph_api: load, reopen, lineage, queries")
    run_probe(python_command("bench._run_ours", *common, "--repeats", str(plan.repeats)), run,
              deadline=plan.ours_deadline, prefix="ours.", on_figure=ctx.step)  # fmt: skip
    if "typical" not in run.meta:
        run.meta.setdefault("errors", []).append("graph_api probe found no lineage to measure")
        return run
    ctx.step("graph_api: validation (compiled engine)")
    validate = python_command("bench._run_validate", *common, "--document", run.meta["typical"])
    run_probe(validate + ([] if plan.compiled_full else ["--no-full"]), run, deadline=plan.validate_deadline,
              prefix="ours.", on_figure=ctx.step)  # fmt: skip

    endpoints: list[Endpoint] = []
    steps: list[Callable[[], object]] = [
        lambda: endpoints.append(measure_ours_served(run, servers, ctx, plan, paths)),
        lambda: endpoints.append(measure_oxigraph(run, servers, ctx, plan, paths)),
    ]
    if plan.on_disk:
        steps.append(lambda: endpoints.append(measure_ours_on_disk(run, servers, ctx, plan, paths)))
    else:
        run.meta.setdefault("skipped", {})["ours_disk"] = f"skipped at {size}: see the notes"
    steps += [
        lambda: measure_mix(run, servers, ctx, plan, endpoints),
        lambda: measure_floor(run, servers, ctx, plan),
    ]
    if plan.rdflib:
        steps.append(lambda: measure_rdflib_endpoint(run, servers, ctx, plan, paths))
    for step in steps:
        try:
            step()
        except (ServerFailed, httpx.HTTPError, subprocess.SubprocessError, OSError) as exc:
            run.meta.setdefault("errors", []).append(f"{type(exc).__name__}: {exc}")
            servers.stop_all()

    if plan.rdflib:
        ctx.step("rdflib in memory + pySHACL")
        command = python_command("bench._run_rdflib", "--data", str(paths["data"]), "--typical", run.meta["typical"],
                                 "--largest", run.meta["largest"], "--repeats", str(plan.repeats))  # fmt: skip
        run_probe(command, run, deadline=plan.rdflib_deadline, prefix="rdflib.", on_figure=ctx.step)
    else:
        reason = f"skipped at {size}: see the notes"
        run.meta.setdefault("skipped", {}).update(rdflib=reason, rdflib_endpoint=reason)
    return run
