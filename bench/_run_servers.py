"""The servers a run starts, each its own process on 127.0.0.1, and how they are stopped: always, whatever happens.

:class:`Servers` is a context manager; every process it starts (in its own session, so its workers go with it) is
stopped when the block ends, on an error, on Ctrl-C, and on SIGTERM (turned into KeyboardInterrupt by ``bench.run``).

| server | command |
|---|---|
| graph_api | ``python -m graph_api serve --store DIR --data graph.nt`` (ontology and shapes of the repository) |
| graph_api on disk | the same with ``GRAPH_API_QUERY_MEMORY_MB=0``: no memory copies (S and M) |
| Oxigraph | ``oxigraph serve --location DIR --bind 127.0.0.1:PORT`` after ``oxigraph load`` |
| rdflib-endpoint | ``rdflib-endpoint serve ontology.ttl graph.nt --host 127.0.0.1 --port PORT`` |
| HTTP floor | ``python -m bench._run_floor --port PORT`` |
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from bench._run_common import HOST, ROOT, child_env, free_port, python_command, stop_process

if TYPE_CHECKING:
    from types import TracebackType


class ServerFailed(Exception):
    """A server exited, or did not answer, before it was ready."""


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    ready_s: float = 0.0
    started_at: float = 0.0  # time.perf_counter() when the process was started

    def rss_mb(self) -> tuple[float, int]:
        """Resident memory of the server and all its descendants (MB), and how many processes that is."""
        psutil: Any = importlib.import_module("psutil")
        try:
            root = psutil.Process(self.process.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0, 0
        total = 0
        for process in processes:
            try:
                total += int(process.memory_info().rss)
            except psutil.NoSuchProcess:
                continue
        return total / 2**20, len(processes)


def tool(name: str) -> str:
    """A command-line tool installed beside this interpreter (the virtualenv's ``bin``), else on the PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise ServerFailed(f"{name} is not installed (pip install -e '.[bench]')")
    return found


class Servers:
    """Starts servers and stops every one of them on exit."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[Server] = []

    def __enter__(self) -> Servers:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()

    def stop_all(self) -> None:
        while self.running:
            self.stop(self.running[-1])

    def stop(self, server: Server) -> None:
        stop_process(server.process)
        if server in self.running:
            self.running.remove(server)

    def start(
        self, name: str, command: list[str], *, port: int, probe: str, timeout: float, env: dict[str, str] | None = None
    ) -> Server:
        """Start ``command`` and wait until ``GET probe`` answers 200 (at most ``timeout`` seconds)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("wb")
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env if env is not None else child_env(),
            cwd=ROOT,
            start_new_session=True,
        )
        log.close()
        server = Server(name, process, f"http://{HOST}:{port}", started_at=started)
        self.running.append(server)
        while True:
            if process.poll() is not None:
                self.stop(server)
                raise ServerFailed(f"{name} exited with {process.returncode} (see {self.logs / (name + '.log')})")
            try:
                if httpx.get(server.base + probe, timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - started > timeout:
                self.stop(server)
                raise ServerFailed(f"{name} did not answer within {timeout:.0f} s")
            time.sleep(0.05)
        server.ready_s = time.perf_counter() - started
        return server

    # -- the four servers --------------------------------------------------------------------------------------

    def floor(self) -> Server:
        port = free_port()
        return self.start("floor", python_command("bench._run_floor", "--port", str(port)), port=port, probe="/",
                          timeout=60)  # fmt: skip

    def ours(self, data: Path, store: Path, empty: Path, *, timeout: float, copies: bool = True) -> Server:
        """``graph-api serve`` over the persistent store, with its defaults (its query workers copied into memory
        when the graph fits the budget), or with ``copies=False`` (``GRAPH_API_QUERY_MEMORY_MB=0``: on disk only)."""
        port = free_port()
        command = python_command("graph_api", "serve", "--host", HOST, "--port", str(port), "--store", str(store),
                                 "--data", str(data))  # fmt: skip
        env = child_env(GRAPH_API_DATA_DIR=str(empty), GRAPH_API_QUERY_TIMEOUT="120")
        if not copies:
            env["GRAPH_API_QUERY_MEMORY_MB"] = "0"
        name = "graph_api" if copies else "graph_api on disk"
        return self.start(name, command, port=port, probe="/health", timeout=timeout, env=env)

    def oxigraph(self, location: Path, *, timeout: float) -> Server:
        port = free_port()
        command = [tool("oxigraph"), "serve", "--location", str(location), "--bind", f"{HOST}:{port}"]
        return self.start("oxigraph", command, port=port, probe="/query?query=ASK%7B%7D", timeout=timeout)

    def rdflib_endpoint(self, files: list[Path], *, timeout: float) -> Server:
        port = free_port()
        command = [tool("rdflib-endpoint"), "serve", *map(str, files), "--host", HOST, "--port", str(port)]
        return self.start("rdflib-endpoint", command, port=port, probe="/?query=ASK%7B%7D", timeout=timeout)


def wait_for_copies(server: Server, *, timeout: float) -> float | None:
    """Wait until every query worker of a graph_api server holds its memory copy; seconds since the server was
    started, or None when the server makes no copies (the graph does not fit its budget)."""
    deadline = time.perf_counter() + timeout
    while True:
        workers = httpx.get(server.base + "/health", timeout=10.0).raise_for_status().json()["workers"]
        if not workers["memory_copies"]:
            return None
        if workers["memory"] >= workers["size"]:
            return time.perf_counter() - server.started_at
        if time.perf_counter() > deadline:
            raise ServerFailed(f"{server.name}: the query workers were not copied into memory within {timeout:.0f} s")
        time.sleep(0.2)


def oxigraph_load(location: Path, files: list[Path], *, timeout: float) -> float:
    """``oxigraph load`` the files into a new database; seconds taken."""
    shutil.rmtree(location, ignore_errors=True)
    command = [tool("oxigraph"), "load", "--location", str(location)]
    for path in files:
        command += ["--file", str(path)]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return time.perf_counter() - started
