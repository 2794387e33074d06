"""Probe of :func:`graph_api.validation.validate` with its compiled SHACL→SPARQL engine, when there is one.

``python -m bench._run_validate --data graph.nt --store DIR --empty DIR --document IRI [--no-full]`` opens the
store the ours probe built, then times an incremental validation (the focus nodes of one document) and then a full
one (last, as it may run out of time).

The entry points are found, not assumed (the engine is being written alongside): ``validate(store, engine=E)``
with E the first value of the ``engine`` parameter's ``Literal`` type that is not pySHACL; for the increment
``graph_api.shacl_sparql.validate_focus(store, nodes)`` with the nodes of
``graph_api.shacl_focus.affected_focus_nodes(store, document)`` (else a keyword of ``validate`` among
:data:`FOCUS_KEYWORDS`); the increment's time includes finding the affected focus nodes. What is missing is
reported as not measured.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import time
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from bench._run_common import emit, emit_meta, emit_phase
from bench._run_ours import settings_for
from graph_api import validation
from graph_api.loading import build_store

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from graph_api.store import GraphStore

FOCUS_KEYWORDS: Final = ("focus", "focus_nodes", "focus_iris", "documents", "nodes")
_PYSHACL: Final = ("pyshacl", "pySHACL", "shacl")


def compiled_engine(function: Callable[..., Any]) -> str | None:
    """The value that selects the compiled engine, or None when ``validate`` has no ``engine`` parameter."""
    parameters = inspect.signature(function).parameters
    if "engine" not in parameters:
        return None
    try:
        hint = typing.get_type_hints(function).get("engine")
    except (NameError, TypeError):
        hint = None
    values = [v for v in typing.get_args(hint) if isinstance(v, str)] if hint is not None else []
    for value in values:
        if value not in _PYSHACL:
            return value
    default = parameters["engine"].default
    return default if isinstance(default, str) and default not in _PYSHACL else "compiled"


def _module(name: str) -> object | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def incremental_entry(validate: Callable[..., Any]) -> Callable[[GraphStore, list[str]], Any] | None:
    """``graph_api.shacl_sparql.validate_focus(store, nodes)``, else ``validate(store, <focus keyword>=nodes)``."""
    found: Callable[[GraphStore, list[str]], Any] | None = getattr(
        _module("graph_api.shacl_sparql"), "validate_focus", None
    )
    if found is not None:
        return found
    parameters = inspect.signature(validate).parameters
    keyword = next((name for name in FOCUS_KEYWORDS if name in parameters), None)
    if keyword is None:
        return None
    return lambda store, nodes: validate(store, engine=compiled_engine(validate), **{keyword: nodes})


def focus_nodes(store: GraphStore, document: str) -> list[str]:
    """A document and every node minted under its IRI (as :func:`bench._run_rdflib.focus_nodes`)."""
    query = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), ?prefix)) }"
    rows = store.select(query, substitutions={"prefix": ox.Literal(document + "/")})
    return sorted({document} | {row["s"].value for row in rows if isinstance(row["s"], ox.NamedNode)})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._run_validate")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--empty", type=Path, required=True)
    parser.add_argument("--document", required=True)
    parser.add_argument("--no-full", action="store_true")
    args = parser.parse_args(argv)
    engine = compiled_engine(validation.validate)
    if engine is None:
        reason = "not measured: graph_api.validation.validate has no engine parameter (compiled engine absent)"
        emit("compiled_full_s", None, "s", reason)
        emit("compiled_incremental_ms", None, "ms", reason)
        return 0
    emit_meta(validation_engine=engine)
    store = build_store(settings_for(args.data.resolve(), args.store.resolve(), args.empty.resolve()), progress=False)
    validate: Callable[..., Any] = validation.validate
    increment = incremental_entry(validate)
    if increment is None:
        reason = "not measured: no graph_api.shacl_sparql.validate_focus, and validate() takes no focus keyword"
        emit("compiled_incremental_ms", None, "ms", reason)
    else:
        measure_increment(store, increment, args.document)
    if args.no_full:
        emit("compiled_full_s", None, "s", "skipped at this size: no target, and the 30-minute budget")
    else:
        emit_phase("compiled_full_s", "s")
        started = time.perf_counter()
        report = validate(store, engine=engine)
        counts = report.counts()
        emit("compiled_full_s", time.perf_counter() - started, "s",
             f"engine={engine}: {counts['Violation']} violations, {counts['Warning']} warnings")  # fmt: skip
    store.close()
    return 0


def measure_increment(store: GraphStore, increment: Callable[[GraphStore, list[str]], Any], document: str) -> None:
    """Median of three incremental validations of one document's focus nodes (after a warm-up that compiles)."""
    affected: Callable[[GraphStore, str], set[str]] | None = getattr(
        _module("graph_api.shacl_focus"), "affected_focus_nodes", None
    )

    def focus_of(document: str) -> list[str]:
        return sorted(affected(store, document)) if affected is not None else focus_nodes(store, document)

    emit_phase("compiled_incremental_ms", "ms")
    increment(store, focus_of(document)[:1])  # warm-up: compiles the shapes
    times = []
    size = 0
    for _ in range(3):
        started = time.perf_counter()
        focus = focus_of(document)
        increment(store, focus)
        times.append((time.perf_counter() - started) * 1000)
        size = len(focus)
    how = "affected_focus_nodes + validate_focus" if affected is not None else "validate(focus=…)"
    emit("compiled_incremental_ms", sorted(times)[1], "ms", f"{how}: {size} focus nodes of one document")


if __name__ == "__main__":
    raise SystemExit(main())
