"""Export the graph: as one Turtle, N-Triples or JSON-LD document (ontology + data, or data only), or back into the
curated data files, one per data graph, deterministically (:func:`export_data`).

``export_data`` writes the data graph ``…/graph/data/{stem}`` to ``{directory}/{stem}.ttl`` with
:class:`graph_api.turtle_writer.TurtleWriter`: loading the files gives the same graphs, and exporting again gives the
same bytes, so a committed change shows in ``git diff`` as the lines of the nodes it touched. The leading comment
lines of a file that exists are kept as its header. Each file is replaced atomically (written beside it, then
renamed). :func:`write_back` does it for a store directory and records in its manifest that the files now hold
every committed change (``graph-api export --data``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote

from graph_api.errors import ConfigError, UnsupportedFormat
from graph_api.iris import DEFAULT_BASE
from graph_api.namespaces import GRAPH_BASE
from graph_api.persistence import committed_state, mark_exported, open_current, write_lock
from graph_api.turtle_writer import TurtleWriter

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from graph_api.store import GraphStore, Source
    from graph_api.types import GraphKind

EXPORT_FORMATS: Final = ("turtle", "nt", "jsonld")
#: Usual file extension of each export format.
EXTENSIONS: Final = {"turtle": ".ttl", "nt": ".nt", "jsonld": ".jsonld"}
_DATA: Final = GRAPH_BASE + "data/"


def export(store: GraphStore, fmt: str = "turtle", *, include_ontology: bool = True) -> bytes:
    """The union of the data (and extra) graphs, with the ontology unless ``include_ontology`` is False."""
    if fmt not in EXPORT_FORMATS:
        raise UnsupportedFormat(fmt, EXPORT_FORMATS)
    kinds: tuple[GraphKind, ...] = ("ontology", "data", "extra") if include_ontology else ("data", "extra")
    return store.dump(fmt, kinds=kinds)


def export_to(store: GraphStore, path: Path, fmt: str = "turtle", *, include_ontology: bool = True) -> int:
    """Write :func:`export` to ``path``; return the number of bytes written."""
    return path.write_bytes(export(store, fmt, include_ontology=include_ontology))


def data_file_text(store: GraphStore, graph: str, *, base: str = DEFAULT_BASE, header: str = "") -> str:
    """The deterministic Turtle of one named graph (``base``: the base of the store's data IRIs)."""
    return TurtleWriter(base).write(store.triples_in(graph), header=header)


def export_data(store: GraphStore, directory: Path, *, base: str = DEFAULT_BASE) -> list[Path]:
    """Write every data graph to ``{directory}/{stem}.ttl`` (see the module docstring); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for graph in store.graphs(("data",)):
        if not graph.startswith(_DATA) or "/" in graph[len(_DATA) :]:
            continue
        path = directory / f"{unquote(graph[len(_DATA) :])}.ttl"
        text = data_file_text(store, graph, base=base, header=_header(path, graph))
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
        written.append(path)
    return written


def _header(path: Path, graph: str) -> str:
    """The leading comment lines of the file as it is, or a line saying where a new file comes from."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    kept = []
    for line in lines:
        if not line.startswith("#"):
            break
        kept.append(line)
    return "\n".join(kept) if kept else f"# The named graph <{graph}>, written by `graph-api export --data`."


def write_back(store_dir: Path, data_dir: Path, sources: Sequence[Source], *, base: str = DEFAULT_BASE) -> list[Path]:
    """Export the data graphs of the store directory's current database to ``data_dir`` and record them as
    exported (:func:`graph_api.persistence.mark_exported`), with no commit in between: the export runs under the
    store's exclusive ``write.lock`` on a database opened at the state the lock keeps (retried when a commit slips
    in between opening and locking). ``sources`` are the files the store is built from, hashed anew."""
    for _ in range(5):
        state = committed_state(store_dir)
        store = open_current(store_dir)
        try:
            with write_lock(store_dir, shared=False, timeout=30.0):
                if committed_state(store_dir) != state or store.path is None:
                    continue  # a commit between opening and locking: open again
                written = export_data(store, data_dir, base=base)
                mark_exported(store_dir, store.path.name, sources)
                return written
        finally:
            store.close()
    raise ConfigError(f"the store {store_dir} kept changing during the export; try again")
