"""Oxigraph servers for the tests: ``oxigraph serve`` (PyPI package ``oxigraph``) on 127.0.0.1 and a free port.

Every server started here is stopped at the end of the session (conftest's ``_stop_servers``), or earlier by its
owner, and by ``atexit`` should the session die before that: none outlives the test run.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

import httpx

#: Seconds after which the test servers abandon a query (``--timeout-s``): a query whose worker was killed at its
#: deadline stops here too, instead of keeping a core busy.
QUERY_TIMEOUT: Final = 10.0
_STARTUP: Final = 20.0


def oxigraph_command() -> str:
    """The ``oxigraph`` command of this virtual environment (the ``dev`` extra installs it), else of the PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the `oxigraph` command is missing: install the dev extra (pip install -e '.[dev]')")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class OxigraphServer:
    """One ``oxigraph serve`` process; in memory unless given a ``location`` directory."""

    def __init__(self, *, location: Path | None = None, timeout: float | None = QUERY_TIMEOUT) -> None:
        handle, name = tempfile.mkstemp(prefix="oxigraph-", suffix=".log")
        os.close(handle)
        self._log = Path(name)
        for _ in range(5):  # the free port may be taken between the probe and the bind: try another
            self.port = _free_port()
            command = [oxigraph_command(), "serve", "--bind", f"127.0.0.1:{self.port}"]
            command += ["--location", str(location)] if location is not None else []
            command += ["--timeout-s", str(math.ceil(timeout))] if timeout is not None else []  # whole seconds
            with self._log.open("ab") as log:
                self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            if self._wait_until_up():
                break
            failed = self.log()
            self.stop()
        else:
            raise RuntimeError(f"oxigraph serve did not start: {failed}")
        self.url = f"http://127.0.0.1:{self.port}"
        _RUNNING.add(self)

    def _wait_until_up(self) -> bool:
        deadline = time.monotonic() + _STARTUP
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                return True
            time.sleep(0.005)
        return False

    def log(self) -> str:
        try:
            return self._log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def clear(self) -> None:
        """Remove everything the server holds."""
        httpx.delete(self.url + "/store", timeout=30.0).raise_for_status()

    def stop(self) -> None:
        _RUNNING.discard(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.unlink(missing_ok=True)

    @property
    def running(self) -> bool:
        return self.process.poll() is None


_RUNNING: set[OxigraphServer] = set()


def stop_all() -> None:
    """Stop every server still running (each one once)."""
    for server in list(_RUNNING):
        server.stop()


atexit.register(stop_all)
