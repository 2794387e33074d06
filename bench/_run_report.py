"""The "Side by side" section of docs/benchmarks.md: targets, one table per size, the query mix, the setting.

Every ratio is graph_api ÷ the named alternative (below 1: graph_api's figure is lower; for a throughput, higher
is better, so the ratio reads the other way). A figure that could not be measured shows its reason instead.
Only this section of the file is written: the text before ``## Side by side`` and from the next ``## `` heading on
(other engineers' sections) is kept as it is.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bench._run_common import Figure, SizeRun
from bench._run_queries import load_mix, mix_median

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

SECTION: Final = "## Side by side"
TITLE: Final = "# Benchmarks\n"
X: Final = "\N{MULTIPLICATION SIGN}"


def fmt(figure: Figure) -> str:
    """A figure with its unit, or why it is missing."""
    value = figure.value
    if value is None or not math.isfinite(value):
        return f"— ({figure.note})" if figure.note else "—"
    prefix = "≥ " if figure.note.startswith("lower bound") else ""
    unit = figure.unit
    if unit == "ms":
        text = f"{value:.3g}" if value < 100 else f"{value:,.0f}"
    elif unit == "s":
        text = f"{value:.2f}" if value < 100 else f"{value:,.0f}"
    elif unit in ("MB", "req/s"):
        text = f"{value:,.0f}"
    else:
        text = f"{value:.3g}"
    return f"{prefix}{text} {unit}"


def ratio(ours: Figure, theirs: Figure) -> float | None:
    if ours.value is None or theirs.value is None or not (ours.measured and theirs.measured) or theirs.value == 0:
        return None
    return ours.value / theirs.value


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 0.1:
        return f"{value:.2g}{X}"
    return f"{value:.2f}{X}" if value < 10 else f"{value:,.0f}{X}"


@dataclass(frozen=True)
class Target:
    """A target of issue #4 and whether this run met it."""

    text: str
    size: str
    measured: str
    met: bool | None  # None: not measured

    @property
    def verdict(self) -> str:
        return "not measured" if self.met is None else ("**met**" if self.met else "**not met**")


def mix(run: SizeRun, key: str) -> Figure:
    value, note = mix_median(run, key)
    return Figure(value, "ms", note)


def _bounded(figure: Figure, limit: float, at_least: float | None = None) -> bool | None:
    """Whether the figure is within ``limit``; a run stopped past the limit (``at_least``) is not."""
    if figure.value is not None and figure.measured:
        return figure.value <= limit
    return False if at_least is not None and at_least > limit else None


def targets(runs: dict[str, SizeRun]) -> list[Target]:
    """Each target, evaluated on the sizes it names (the query-mix ratio on every size run)."""
    found: list[Target] = []
    for size, run in runs.items():
        ours, oxigraph = mix(run, "ours_http"), mix(run, "oxigraph")
        r = ratio(ours, oxigraph)
        found.append(Target(f"/sparql query-mix median ≤ 1.3 {X} Oxigraph server's", size,
                            f"{fmt(ours)} vs {fmt(oxigraph)}: {fmt_ratio(r)}",
                            None if r is None else r <= 1.3))  # fmt: skip

    def at(size: str) -> SizeRun | None:
        return runs.get(size)

    m, big = at("M"), at("L")
    if m is not None:
        ours, endpoint = mix(m, "ours_http"), mix(m, "rdflib_endpoint")
        r = ratio(endpoint, ours)
        bound = "≥ " if endpoint.note.startswith("lower bound") else ""
        met = None if r is None else (r >= 20 or (bound != "" and r >= 20))
        found.append(Target(f"/sparql query mix ≥ 20 {X} faster than rdflib-endpoint", "M",
                            f"{fmt(endpoint)} vs {fmt(ours)}: {bound}{fmt_ratio(r)} faster", met))  # fmt: skip
    else:
        found.append(Target(f"/sparql query mix ≥ 20 {X} faster than rdflib-endpoint", "M", "M not run", None))
    if big is not None:
        handler, http = big.get("ours.handler_typical_ms"), big.get("ours_http.lineage_typical_ms")
        served = big.get("ours_http.lineage_typical_server_ms")
        server_time = served if served is not None else handler
        found.append(Target("/lineage typical document ≤ 2 ms p50 server time", "L",
                            f"{fmt(server_time)} in the server (Server-Timing total; handler work in process "
                            f"{fmt(handler)}, HTTP round trip {fmt(http)})",
                            _bounded(server_time, 2.0)))  # fmt: skip
        lib, nxt = big.get("ours.lineage_largest_ms"), big.get("ours.nx_largest_ms")
        r = ratio(lib, nxt)
        found.append(Target(f"largest lineage ≤ 3 {X} the networkx traversal", "L",
                            f"{fmt(lib)} vs {fmt(nxt)}: {fmt_ratio(r)}", None if r is None else r <= 3))  # fmt: skip
        served, floor = big.get("load.ours_lineage.c8.rps"), big.get("load.floor.c8.rps")
        r = ratio(served, floor)
        found.append(Target("/lineage throughput ≥ 60 % of the trivial FastAPI floor", "L",
                            f"{fmt(served)} vs {fmt(floor)}: {0 if r is None else r:.0%}",
                            None if r is None else r >= 0.6))  # fmt: skip
        reopen = big.get("ours.reopen_s")
        found.append(Target("reopen ≤ 3 s", "L", fmt(reopen), _bounded(reopen, 3.0)))
        rss = big.get("ours.serve_rss_mb")
        found.append(Target("RSS serving ≤ 2 GB", "L", fmt(rss), _bounded(rss, 2048.0)))
    else:
        texts = (
            "/lineage typical document ≤ 2 ms p50 server time",
            f"largest lineage ≤ 3 {X} the networkx traversal",
            "/lineage throughput ≥ 60 % of the trivial FastAPI floor",
            "reopen ≤ 3 s",
            "RSS serving ≤ 2 GB",
        )
        found.extend(Target(text, "L", "L not run", None) for text in texts)
    if m is not None:
        full, pyshacl = m.get("ours.compiled_full_s"), m.get("rdflib.pyshacl_full_s")
        text = f"compiled engine {fmt(full)}; pySHACL {fmt(pyshacl)}"
        found.append(
            Target("full validation ≤ 20 s", "M", text, _bounded(full, 20.0, m.at_least("ours.compiled_full_s")))
        )
    if big is not None:
        increment = big.get("ours.compiled_incremental_ms")
        found.append(Target("incremental validation of one document ≤ 100 ms", "L", fmt(increment),
                            _bounded(increment, 100.0, big.at_least("ours.compiled_incremental_ms"))))  # fmt: skip
    return found


# -- tables ---------------------------------------------------------------------------------------------------

Row = tuple[str, str, Figure, str, Figure]


def rows_of(run: SizeRun) -> list[Row]:
    """(figure, graph_api variant, graph_api's value, alternative, its value) for one size."""
    g = run.get
    return [
        ("load", "persistent store (bulk)", g("ours.load_s"), "Oxigraph `oxigraph load`", g("oxigraph.load_s")),
        ("load", "persistent store (bulk)", g("ours.load_s"), "rdflib in memory", g("rdflib.load_s")),
        ("load", "persistent store (bulk)", g("ours.load_s"), "rdflib-endpoint (start to first answer)",
         g("rdflib_endpoint.ready_s")),
        ("reopen", "`build_store` on the unchanged files", g("ours.reopen_s"), "Oxigraph server start",
         g("oxigraph.ready_s")),
        ("reopen", "`graph-api serve` start to /health", g("ours.ready_s"), "Oxigraph server start",
         g("oxigraph.ready_s")),
        ("warm-up", "`graph-api serve` start to every worker's memory copy", g("ours.warm_s"),
         "rdflib-endpoint (start to first answer)", g("rdflib_endpoint.ready_s")),
        ("RSS serving", "server + query workers", g("ours.serve_rss_mb"), "Oxigraph server",
         g("oxigraph.serve_rss_mb")),
        ("RSS serving", "server + query workers", g("ours.serve_rss_mb"), "rdflib-endpoint",
         g("rdflib_endpoint.serve_rss_mb")),
        ("RSS serving", "memory copies off: server + query workers", g("ours_disk.serve_rss_mb"),
         "rdflib-endpoint", g("rdflib_endpoint.serve_rss_mb")),
        ("RSS serving", "server + query workers", g("ours.serve_rss_mb"), "rdflib in memory (process)",
         g("rdflib.rss_mb")),
        ("query mix median", "/sparql (HTTP)", mix(run, "ours_http"), "Oxigraph server", mix(run, "oxigraph")),
        ("query mix median", "/sparql (HTTP)", mix(run, "ours_http"), "rdflib-endpoint", mix(run, "rdflib_endpoint")),
        ("query mix median", "/sparql, memory copies off", mix(run, "ours_disk_http"), "Oxigraph server",
         mix(run, "oxigraph")),
        ("query mix median", "/sparql, memory copies off", mix(run, "ours_disk_http"), "rdflib-endpoint",
         mix(run, "rdflib_endpoint")),
        ("query mix median", "library (`GraphStore.select`)", mix(run, "ours"), "rdflib in memory", mix(run, "rdflib")),
        ("lineage typical", "library `lineage()`", g("ours.lineage_typical_ms"), "networkx `ancestors()` alone",
         g("ours.nx_typical_ms")),
        ("lineage typical", "/lineage handler work, in process", g("ours.handler_typical_ms"), "2 ms target",
         Figure(2.0, "ms")),
        ("lineage typical", "GET /lineage (HTTP, sequential)", g("ours_http.lineage_typical_ms"),
         "Oxigraph server, `dh:implements+`", g("oxigraph.lineage_typical_ms")),
        ("lineage typical", "GET /lineage (HTTP, sequential)", g("ours_http.lineage_typical_ms"),
         "rdflib-endpoint, `dh:implements+`", g("rdflib_endpoint.lineage_typical_ms")),
        ("lineage typical", "library `lineage()`", g("ours.lineage_typical_ms"), "rdflib in memory, `dh:implements+`",
         g("rdflib.lineage_typical_ms")),
        ("lineage largest", "library `lineage()`", g("ours.lineage_largest_ms"), "networkx `ancestors()` alone",
         g("ours.nx_largest_ms")),
        ("lineage largest", "GET /lineage (HTTP, sequential)", g("ours_http.lineage_largest_ms"),
         "Oxigraph server, `dh:implements+`", g("oxigraph.lineage_largest_ms")),
        ("lineage largest", "GET /lineage (HTTP, sequential)", g("ours_http.lineage_largest_ms"),
         "rdflib-endpoint, `dh:implements+`", g("rdflib_endpoint.lineage_largest_ms")),
        ("lineage largest", "library `lineage()`", g("ours.lineage_largest_ms"), "rdflib in memory, `dh:implements+`",
         g("rdflib.lineage_largest_ms")),
        ("throughput, 8 clients", "/lineage typical", g("load.ours_lineage.c8.rps"), "trivial FastAPI floor",
         g("load.floor.c8.rps")),
        ("p50 / p99, 8 clients", "/lineage typical p50", g("load.ours_lineage.c8.p50_ms"), "floor p50",
         g("load.floor.c8.p50_ms")),
        ("p50 / p99, 8 clients", "/lineage typical p99", g("load.ours_lineage.c8.p99_ms"), "floor p99",
         g("load.floor.c8.p99_ms")),
        ("p50, 1 client", "/lineage typical", g("load.ours_lineage.c1.p50_ms"), "floor", g("load.floor.c1.p50_ms")),
        ("throughput, 8 clients", "/sparql point lookup", g("load.ours_sparql.c8.rps"), "Oxigraph server",
         g("load.oxigraph_sparql.c8.rps")),
        ("throughput, 8 clients", "/sparql point lookup", g("load.ours_sparql.c8.rps"), "rdflib-endpoint",
         g("load.rdflib_endpoint_sparql.c8.rps")),
        ("p50 / p99, 8 clients", "/sparql point lookup p50", g("load.ours_sparql.c8.p50_ms"), "Oxigraph server p50",
         g("load.oxigraph_sparql.c8.p50_ms")),
        ("p50 / p99, 8 clients", "/sparql point lookup p99", g("load.ours_sparql.c8.p99_ms"), "Oxigraph server p99",
         g("load.oxigraph_sparql.c8.p99_ms")),
        ("full validation", "compiled engine", g("ours.compiled_full_s"), "pySHACL (`validate_graph`)",
         g("rdflib.pyshacl_full_s")),
        ("incremental validation", "compiled engine, one document", g("ours.compiled_incremental_ms"),
         "pySHACL `focus_nodes`, one document", g("rdflib.pyshacl_incremental_ms")),
    ]  # fmt: skip


def size_table(run: SizeRun) -> list[str]:
    lines = [
        "| figure | graph_api | value | compared with | value | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for name, variant, ours, other, theirs in rows_of(run):
        lines.append(
            f"| {name} | {variant} | {fmt(ours)} | {other} | {fmt(theirs)} | {fmt_ratio(ratio(ours, theirs))} |"
        )
    return lines


def query_table(run: SizeRun) -> list[str]:
    lines = [
        "| query | library | /sparql | /sparql, copies off | Oxigraph server | /sparql ÷ Oxigraph | rdflib "
        "| rdflib-endpoint | rdflib-endpoint ÷ /sparql |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = ("ours", "ours_http", "ours_disk_http", "oxigraph", "rdflib", "rdflib_endpoint")
    for query in load_mix():
        g = [run.get(f"{key}.q.{query.name}") for key in keys]
        lines.append(
            f"| `{query.name}` | {fmt(g[0])} | {fmt(g[1])} | {fmt(g[2])} | {fmt(g[3])} "
            f"| {fmt_ratio(ratio(g[1], g[3]))} | {fmt(g[4])} | {fmt(g[5])} | {fmt_ratio(ratio(g[5], g[1]))} |"
        )
    return lines


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "?"


def render(
    runs: dict[str, SizeRun], *, command: str, date: str, machine: Sequence[str], notes: Sequence[str], plot: str | None
) -> str:
    """The whole section, from its heading to its last line."""
    out = [SECTION, ""]
    out += [
        "All figures below come from one run of `bench/run`, every system measured on the same generated files on "
        "this machine: one system at a time, except the query mix, which is sent to graph_api, graph_api with its "
        "memory copies off and the Oxigraph server interleaved (see the method). A ratio is graph_api ÷ the "
        "alternative: "
        "below 1 graph_api's number is lower (better for a time or a memory size, worse for a throughput).",
        "",
        f"- command: `{command}`",
        f"- date: {date}",
        *[f"- {line}" for line in machine],
        "",
        "### Targets (issue #4)",
        "",
        "| target | size | measured | verdict |",
        "|---|---|---|---|",
        *[f"| {t.text} | {t.size} | {t.measured} | {t.verdict} |" for t in targets(runs)],
        "",
    ]
    if plot is not None:
        out += [f"![Side by side: query mix, lineage and throughput by size]({plot})", ""]
    for size, run in runs.items():
        documents = run.meta.get("documents", run.meta.get("documents_generated"))
        out += [
            f"### {size}: {_count(run.meta.get('triples'))} triples, {_count(documents)} documents",
            "",
            f"Typical document (median lineage): `{run.meta.get('typical', '?')}` "
            f"({run.meta.get('typical_descendants', '?')} descendant(s)); largest: `{run.meta.get('largest', '?')}` "
            f"({run.meta.get('largest_descendants', '?')} descendants).",
            "",
            *size_table(run),
            "",
            "Query mix (`bench/queries/*.rq`, median of the repeats after one warm-up):",
            "",
            *query_table(run),
            "",
        ]
        errors = run.meta.get("errors", [])
        if errors:
            out += ["Errors during this size:", "", *[f"- {e}" for e in errors], ""]
    out += ["### Method and what is left out", "", *[f"- {note}" for note in notes], ""]
    return "\n".join(out)


def write_section(path: Path, section: str) -> None:
    """Replace (or append) the "Side by side" section of ``path``, keeping every other section."""
    text = path.read_text(encoding="utf-8") if path.is_file() else TITLE
    heading = re.compile(r"^## .*$", re.MULTILINE)
    start = text.find(SECTION + "\n")
    if start < 0:
        updated = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        after = heading.search(text, start + len(SECTION))
        end = after.start() if after is not None else len(text)
        rest = text[end:]
        updated = text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated, encoding="utf-8")
