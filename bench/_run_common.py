"""What the pieces of ``bench.run`` share: figures, the JSON-lines protocol of probe processes, timing statistics.

A *probe* is a child process (``python -m bench._run_…``) that measures one system and prints one JSON object per
line on stdout as each figure is known: ``{"figure": key, "value": number|null, "unit": "...", "note": "..."}`` or
``{"meta": {...}}``. The parent reads the lines until the probe ends or its deadline passes; it then kills the probe
and keeps what was printed, so a probe that runs out of time still reports what it finished (and, for the phase it
was in, how long it had run: ``{"phase": key, "unit": ...}`` starts a phase).
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

ROOT: Final = Path(__file__).resolve().parent.parent
QUERIES_DIR: Final = Path(__file__).resolve().parent / "queries"
HOST: Final = "127.0.0.1"
DH: Final = "https://w3id.org/vn-directives/ontology#"


@dataclass
class Figure:
    """One measured number (None: not measured, ``note`` says why) with its unit and a note."""

    value: float | None
    unit: str
    note: str = ""

    @property
    def measured(self) -> bool:
        return self.value is not None and math.isfinite(self.value)


@dataclass
class SizeRun:
    """Every figure of one size, keyed ``system.metric``, and facts about the graph (triples, chosen documents)."""

    size: str
    figures: dict[str, Figure] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def put(self, key: str, value: float | None, unit: str, note: str = "") -> None:
        self.figures[key] = Figure(value, unit, note)

    def get(self, key: str) -> Figure:
        """The figure, or an unmeasured one saying why: the system was skipped at this size, or nothing came."""
        if key in self.figures:
            return self.figures[key]
        skipped: dict[str, str] = self.meta.get("skipped", {})
        parts = key.split(".")
        owner = parts[1] if parts[0] == "load" and len(parts) > 1 else parts[0]  # load.<system>_<route>.c8.rps
        for system in sorted(skipped, key=len, reverse=True):
            if owner == system or owner.startswith(system + "_"):
                return Figure(None, "", skipped[system])
        return Figure(None, "", "not measured")

    def at_least(self, key: str) -> float | None:
        """For a figure stopped at its deadline: how long it had run (in its unit) — a lower bound."""
        bounds: dict[str, float] = self.meta.get("at_least", {})
        return bounds.get(key)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SizeRun:
        figures = {key: Figure(**value) for key, value in data["figures"].items()}
        return cls(data["size"], figures, data["meta"])

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "figures": {k: asdict(v) for k, v in self.figures.items()}, "meta": self.meta}


# -- statistics -----------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def timed_ms(action: Callable[[], object], repeats: int, *, budget_s: float = math.inf) -> list[float]:
    """Milliseconds of each of up to ``repeats`` runs of ``action``, stopping early once ``budget_s`` is spent."""
    times: list[float] = []
    started = time.perf_counter()
    for _ in range(repeats):
        begin = time.perf_counter()
        action()
        times.append((time.perf_counter() - begin) * 1000)
        if time.perf_counter() - started > budget_s:
            break
    return times


# -- the probe protocol -------------------------------------------------------------------------------------


def emit(key: str, value: float | None, unit: str, note: str = "") -> None:
    """Print one figure (probe side)."""
    print(json.dumps({"figure": key, "value": value, "unit": unit, "note": note}), flush=True)


def emit_meta(**meta: Any) -> None:
    print(json.dumps({"meta": meta}), flush=True)


def emit_phase(key: str, unit: str) -> None:
    """Say that the figure ``key`` is being measured now (so that a deadline can report the partial time)."""
    print(json.dumps({"phase": key, "unit": unit}), flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def python_command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: this one, the repository on the path, ``extra`` added."""
    path = os.environ.get("PYTHONPATH")
    return os.environ | {"PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")} | extra


def stop_process(process: subprocess.Popen[Any], *, grace: float = 5.0) -> None:
    """Terminate a process started in its own session, with its whole group; kill it after ``grace`` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(grace)


def run_probe(
    command: Sequence[str],
    run: SizeRun,
    *,
    deadline: float,
    prefix: str = "",
    env: dict[str, str] | None = None,
    on_figure: Callable[[str], None] | None = None,
) -> bool:
    """Run a probe until it ends or ``deadline`` seconds pass; store its figures in ``run`` under ``prefix``.

    Returns True when the probe finished by itself. On the deadline the probe (and its group) is killed and the
    phase it was in is recorded as not measured, with the time it had run.
    """
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env if env is not None else child_env(),
        text=True,
        start_new_session=True,
    )
    phase: list[tuple[str, str, float]] = []
    stderr: list[str] = []

    def read_err() -> None:
        assert process.stderr is not None
        stderr.extend(process.stderr.readlines()[-20:])

    def read_out() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "figure" in message:
                key = prefix + message["figure"]
                run.put(key, message["value"], message["unit"], message.get("note", ""))
                if phase and phase[-1][0] == key:
                    phase.pop()
                if on_figure is not None:
                    on_figure(key)
            elif "meta" in message:
                run.meta.update(message["meta"])
            elif "phase" in message:
                phase.append((prefix + message["phase"], message["unit"], time.perf_counter()))

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for reader in readers:
        reader.start()
    try:
        process.wait(deadline)
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
    finally:
        stop_process(process, grace=2.0)
    for reader in readers:
        reader.join(5)
    if not finished:
        for key, unit, began in phase:
            ran = time.perf_counter() - began
            scale = 1000.0 if unit == "ms" else 1.0
            run.put(key, None, unit, f"skipped: too slow (stopped after {ran * scale:,.0f} {unit}, unfinished)")
            run.meta.setdefault("at_least", {})[key] = ran * scale
    elif process.returncode != 0:
        tail = "".join(stderr).strip().splitlines()[-1:] or ["no message"]
        for key, unit, _ in phase:
            run.put(key, None, unit, f"failed: {tail[0][:200]}")
        run.meta.setdefault("errors", []).append(f"{' '.join(command[2:4])}: exit {process.returncode}: {tail[0]}")
    return finished
