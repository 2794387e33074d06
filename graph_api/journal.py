"""The write-ahead journal of a persistent store: the inverse of the change being committed, on disk first.

Before a commit touches the database it writes ``journal.json`` in the store directory (to a temporary file,
flushed, then renamed, the directory flushed): the database it is for, the manifest's change counters before the
commit, and the change that undoes it (N-Quads, blank nodes by label). The file is removed once the change is
committed or rolled back. A process killed in between leaves it behind; the next writable open
(:func:`graph_api.persistence.open_store`) applies it, which undoes whatever part of the change had reached the
database (undoing is idempotent: removing what is not there and adding what is changes nothing), and resets the
counters: a write killed half-way leaves no trace.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api.changes import Change
from graph_api.errors import ConfigError
from graph_api.store import as_bytes

if TYPE_CHECKING:
    from pathlib import Path

JOURNAL: Final = "journal.json"


@dataclass(frozen=True)
class Entry:
    """A journal: the undo change for ``database``, and the manifest's counters before the commit."""

    database: str
    undo: Change
    counters: dict[str, int]


def _nquads(delta: dict[str, frozenset[ox.Triple]] | Any) -> str:
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in delta.items() for t in ts]
    return as_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS)).decode("utf-8")


def _delta(text: str) -> dict[str, set[ox.Triple]]:
    found: dict[str, set[ox.Triple]] = {}
    for quad in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS):
        assert isinstance(quad.graph_name, ox.NamedNode)
        found.setdefault(quad.graph_name.value, set()).add(quad.triple)
    return found


def write(directory: Path, entry: Entry) -> None:
    """Write the journal durably (temporary file, fsync, rename, fsync of the directory)."""
    body = {
        "database": entry.database,
        "counters": entry.counters,
        "added": _nquads(entry.undo.added),
        "removed": _nquads(entry.undo.removed),
        "created": sorted(entry.undo.created),
        "dropped": sorted(entry.undo.dropped),
    }
    temporary = directory / (JOURNAL + ".tmp")
    with temporary.open("w", encoding="utf-8") as file:
        json.dump(body, file, ensure_ascii=False)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, directory / JOURNAL)
    sync_directory(directory)


def read(directory: Path) -> Entry | None:
    """The journal left in the directory, if any."""
    try:
        body = json.loads((directory / JOURNAL).read_text(encoding="utf-8"))
        undo = Change.of(
            _delta(body["added"]), _delta(body["removed"]), created=body["created"], dropped=body["dropped"]
        )
        return Entry(str(body["database"]), undo, {k: int(v) for k, v in body["counters"].items()})
    except FileNotFoundError:
        with contextlib.suppress(FileNotFoundError):
            (directory / (JOURNAL + ".tmp")).unlink()  # a process died writing it: its change never started
        return None
    except (OSError, ValueError, KeyError, TypeError, SyntaxError) as exc:
        # Renamed into place only once complete and flushed: unreadable means damaged, and guessing is not safe.
        raise ConfigError(f"the journal {directory / JOURNAL} cannot be read ({exc}); restore the store") from None


def clear(directory: Path) -> None:
    """Remove the journal (and a half-written one), durably."""
    for name in (JOURNAL, JOURNAL + ".tmp"):
        with contextlib.suppress(FileNotFoundError):
            (directory / name).unlink()
    sync_directory(directory)


def sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
