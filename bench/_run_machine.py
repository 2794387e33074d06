"""The machine a run measured on: cores, memory, load, Python and the versions of the measured packages."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from typing import Final

from bench._run_servers import ServerFailed, tool

PACKAGES: Final = ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "pyshacl", "networkx", "fastapi", "uvicorn",
                   "httpx")  # fmt: skip


def memory_gb() -> float:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    return 0.0


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    try:
        oxigraph = subprocess.run(
            [tool("oxigraph"), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
        found.append(f"server binary: {oxigraph.stdout.strip()}")
    except (ServerFailed, OSError, subprocess.SubprocessError):
        pass
    return ", ".join(found)


def describe(load_before: str, load_after: str) -> list[str]:
    """Lines for the markdown list of the run's setting."""
    return [
        f"machine: {platform.system()} {platform.machine()}, nproc {os.cpu_count()}, {memory_gb():.1f} GB memory, "
        f"Python {platform.python_version()}",
        f"load average (1, 5, 15 min): {load_before} at the start, {load_after} at the end",
        f"packages: {versions()}",
    ]
