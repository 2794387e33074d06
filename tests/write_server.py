"""A writable ``python -m graph_api serve`` on 127.0.0.1 for the durability and load tests: started in a process
group of its own (so that a kill reaches its query workers too), over a persistent store in a temporary directory."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from conftest import ROOT, free_port

TOKEN = "durability-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/vn-directives/id/"
SOURCE = BASE + "source/000_ae90a64626d53fd5"


def plan(number: int) -> dict[str, Any]:
    """A small valid implementation plan of UBND Hà Nội, number ``number`` of 2031."""
    return {
        "symbol": f"{number}/KH-UBND",
        "type": "ImplementationPlan",
        "issuer": {"label": "UBND thành phố Hà Nội"},
        "title": f"Kế hoạch kiểm thử số {number}",
        "date": "2031-03-01",
        "implements": ["306/KH-UBND"],
        "evidence": {"source": SOURCE, "quote": f"Kế hoạch số {number}/KH-UBND triển khai Kế hoạch số 306/KH-UBND"},
    }


def plan_iri(number: int) -> str:
    return f"{BASE}document/ubnd-thanh-pho-ha-noi/kh/2031/{number}"


@dataclass
class WriteServer:
    """One writable service; :meth:`start` again after :meth:`kill` reopens the same store."""

    store: Path
    log: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> float:
        """Start it and wait until /health answers; the seconds that took."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
        env |= {"GRAPH_API_STORE": str(self.store), "GRAPH_API_WRITE_TOKEN": TOKEN,
                "GRAPH_API_QUERY_WORKERS": str(self.workers)}  # fmt: skip
        started = time.monotonic()
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "graph_api", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.starts += 1
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=2.0).status_code == 200:
                    return time.monotonic() - started
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the service did not start:\n{self.log.read_text(encoding='utf-8', errors='replace')}")

    def kill(self) -> None:
        """SIGKILL the server and its workers (its process group), and reap it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(15)
        self.process = None

    def stop(self) -> None:
        """SIGTERM (its lifespan stops the workers), then SIGKILL if it lingers."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(15)
        self.kill()

    def rss(self) -> int:
        """Resident memory of the server and its worker processes, in bytes (Linux /proc)."""
        assert self.process is not None
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            with contextlib.suppress(OSError):
                pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
                total += pages * os.sysconf("SC_PAGE_SIZE")
        return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found
