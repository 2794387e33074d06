"""Advisory file locks (``flock``) between the processes that share a store directory, and who holds them.

A lock is taken on a small file; it is shared (many readers) or exclusive (one builder), never waited for: a lock
that is taken elsewhere raises :class:`LockBusy` naming the holders, so the caller can report a clear error. The lock
goes with the open file: it is released by :meth:`FileLock.release` or when the process ends, however it ends.

POSIX only (``fcntl``). On Linux the holders' process ids are read from ``/proc/locks``; elsewhere the message says
"another process".
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType


class LockBusy(Exception):
    """The lock is held by another process (``holders``: their ids, when known) or another open file."""

    def __init__(self, path: Path, holders: list[int]) -> None:
        who = ", ".join(f"pid {pid}" for pid in holders) or "another process"
        super().__init__(f"{path} is locked by {who}")
        self.path = path
        self.holders = holders


class FileLock:
    """A held lock on ``path`` (created if missing); :meth:`acquire` it, then :meth:`release` it."""

    def __init__(self, path: Path, fd: int, *, shared: bool) -> None:
        self.path = path
        self.shared = shared
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path, *, shared: bool, note: str | None = None) -> FileLock:
        """Take the lock now or raise :class:`LockBusy`; an exclusive lock writes ``note`` into the file."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            holders = holders_of(path)
            os.close(fd)
            raise LockBusy(path, holders) from None
        except BaseException:
            os.close(fd)
            raise
        if note is not None and not shared:
            os.ftruncate(fd, 0)
            os.pwrite(fd, note.encode("utf-8"), 0)
        return cls(path, fd, shared=shared)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> FileLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def note_of(path: Path) -> str:
    """What the last exclusive holder wrote into the lock file ("" when nothing)."""
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8").strip()
    return ""


def holders_of(path: Path) -> list[int]:
    """Process ids holding a ``flock`` on ``path``, from ``/proc/locks`` (Linux); [] when unknown."""
    try:
        inode = path.stat().st_ino
        table = Path("/proc/locks").read_text(encoding="ascii")
    except OSError:
        return []
    pids: set[int] = set()
    for line in table.splitlines():
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (blocked waiters are marked "->": none here).
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            with contextlib.suppress(ValueError):
                pids.add(int(fields[4]))
    return sorted(pids)
