"""From settings to a loaded :class:`GraphStore`: which files, checked how, re-based where.

- files: ``ontology/*.ttl``, ``data/*.ttl``, ``shapes/*.ttl`` (when ``load_project``), then ``extra_files``, then
  ``named_graph_files`` (each into the named graph its key gives);
- every literal must be in Unicode NFC (a file that is not is refused, naming the literal and its line);
- IRIs under :data:`graph_api.iris.DEFAULT_BASE` are re-based to ``settings.base_iri`` when the two differ;
- into memory, into the persistent store directory, which is reused while the files are unchanged, or into a
  SPARQL server (the 'server' backend, :mod:`graph_api.remote_load`), likewise reused while it holds those files.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from graph_api.errors import ConfigError, LoadError
from graph_api.iris import DEFAULT_BASE
from graph_api.persistence import open_store
from graph_api.remote_load import open_server
from graph_api.store import GraphStore, QuadTransform, Source

if TYPE_CHECKING:
    from graph_api.settings import Settings
    from graph_api.types import GraphKind, Term


def project_sources(settings: Settings) -> list[Source]:
    """The files to load, in load order: ontology, data, shapes (each sorted by name), then the extra files."""
    sources: list[Source] = []
    if settings.load_project:
        if not settings.ontology_dir.is_dir():
            raise ConfigError(f"ontology directory not found: {settings.ontology_dir}")
        sources += [Source(p, "ontology") for p in sorted(settings.ontology_dir.glob("*.ttl"))]
        folders: tuple[tuple[Path, GraphKind], ...] = ((settings.data_dir, "data"), (settings.shapes_dir, "shapes"))
        for folder, kind in folders:
            if folder.is_dir():
                sources += [Source(p, kind) for p in sorted(folder.glob("*.ttl"))]
    sources += [Source(Path(p), "extra") for p in settings.extra_files]
    sources += [Source(Path(p), "extra", iri) for iri, p in settings.named_graph_files.items()]
    stems: dict[str, Path] = {}
    for source in sources:
        if source.graph in stems:
            raise ConfigError(f"{source.path} and {stems[source.graph]} would share the graph {source.graph}")
        stems[source.graph] = source.path
    return sources


def _line_of(path: Path, text: str) -> int | None:
    """1-based line where ``text`` first occurs in the file, when it occurs verbatim."""
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    index = content.find(text)
    return content.count("\n", 0, index) + 1 if index >= 0 else None


def _check_nfc(term: Term, path: Path) -> None:
    if isinstance(term, ox.Literal) and not unicodedata.is_normalized("NFC", term.value):
        line = _line_of(path, term.value) if path.is_file() else None
        raise LoadError(path, f"literal is not in Unicode NFC: {term.value!r}", line=line)


def quad_transform(base_iri: str = DEFAULT_BASE) -> QuadTransform:
    """The check-and-rewrite applied to every loaded quad: NFC literals, IRIs re-based to ``base_iri``."""

    def rebase(term: ox.NamedNode) -> ox.NamedNode:
        if term.value.startswith(DEFAULT_BASE):
            return ox.NamedNode(base_iri + term.value[len(DEFAULT_BASE) :])
        return term

    def transform(quad: ox.Quad, path: Path) -> ox.Quad:
        _check_nfc(quad.object, path)
        if base_iri == DEFAULT_BASE:
            return quad
        subject, obj = quad.subject, quad.object
        return ox.Quad(
            rebase(subject) if isinstance(subject, ox.NamedNode) else subject,
            rebase(quad.predicate),
            rebase(obj) if isinstance(obj, ox.NamedNode) else obj,
            quad.graph_name,
        )

    return transform


def build_store(
    settings: Settings,
    *,
    progress: bool | None = None,
    reload: bool = False,
    writable: bool = False,
    discard_changes: bool = False,
) -> GraphStore:
    """The store the settings describe, loaded.

    In memory (``settings.store`` is None): loaded from the files, all or nothing. Persistent (a directory): the
    database built earlier is opened read-only when it was built from the same files (same SHA-256) with the same
    base IRI, else it is rebuilt first, atomically (:mod:`graph_api.persistence`); ``reload`` forces the rebuild.
    A SPARQL server (``settings.backend`` 'server'): the same rule, with the manifest kept in the server
    (:mod:`graph_api.remote_load`); ``settings.server_load`` 'never' serves what it holds without looking at files.
    ``writable`` opens a persistent store read-write, for :class:`graph_api.transactions.Writer` (an in-memory store
    always is); ``discard_changes`` lets a rebuild drop committed changes not exported to the files.
    """
    sources = project_sources(settings)
    transform = quad_transform(settings.base_iri)
    if settings.backend == "server":
        return open_server(
            settings.server_url,
            sources,
            transform,
            base_iri=settings.base_iri,
            rewrites=settings.base_iri != DEFAULT_BASE,
            progress=progress,
            rebuild=reload,
            policy=settings.server_load,
        )
    if settings.store is None:
        store = GraphStore()
        store.load(sources, transform=transform, progress=progress)
        return store
    return open_store(
        settings.store,
        sources,
        transform,
        base_iri=settings.base_iri,
        rewrites=settings.base_iri != DEFAULT_BASE,
        progress=progress,
        rebuild=reload,
        writable=writable,
        discard_changes=discard_changes,
    )
