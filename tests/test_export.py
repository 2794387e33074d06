from __future__ import annotations

import difflib
import json
import unicodedata
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import DOCUMENTS_TTL, KH306, NQ15, ROOT, make_store

from graph_api.changes import About, document_triples, replace_document
from graph_api.errors import UnsupportedFormat
from graph_api.export import export, export_data, export_to
from graph_api.iris import DEFAULT_BASE
from graph_api.loading import build_store, quad_transform
from graph_api.namespaces import DH, RDF, SKOS
from graph_api.settings import Settings
from graph_api.store import GraphStore, Source, graph_iri
from graph_api.transactions import Writer

if TYPE_CHECKING:
    from pathlib import Path


def test_export_with_and_without_ontology(documents_store: GraphStore) -> None:
    full = list(ox.parse(export(documents_store, "nt"), ox.RdfFormat.N_TRIPLES))
    data = list(ox.parse(export(documents_store, "nt", include_ontology=False), ox.RdfFormat.N_TRIPLES))
    assert len(data) == documents_store.count(graph_iri("data", "fixture-0"))
    assert len(full) > len(data)
    assert any(t.subject == ox.NamedNode(NQ15) for t in data)


def test_turtle_and_jsonld(documents_store: GraphStore) -> None:
    turtle = export(documents_store, "turtle", include_ontology=False).decode()
    assert "@prefix dh:" in turtle
    jsonld = json.loads(export(documents_store, "jsonld", include_ontology=False))
    assert jsonld["@context"]["dh"] == "https://w3id.org/vn-directives/ontology#"


def test_export_to_file(documents_store: GraphStore, tmp_path: Path) -> None:
    target = tmp_path / "out.ttl"
    written = export_to(documents_store, target, include_ontology=False)
    assert written == target.stat().st_size > 0


def test_unknown_format(documents_store: GraphStore) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        export(documents_store, "trig")
    assert caught.value.supported == ["turtle", "nt", "jsonld"]
    assert caught.value.status == 406


# -- writing the data files back -----------------------------------------------------------------------------------


def project_store() -> GraphStore:
    """A fresh store of the repository's graph (the session one must not change)."""
    return build_store(Settings(_env_file=None, store=None, extra_files=[], load_project=True), progress=False)


def reload(directory: Path) -> GraphStore:
    store = GraphStore()
    store.load([Source(path, "data") for path in sorted(directory.glob("*.ttl"))], progress=False)
    return store


def data_graphs(store: GraphStore) -> dict[str, set[ox.Triple]]:
    return {graph: set(store.triples_in(graph)) for graph in store.graphs(("data",))}


def test_export_data_round_trips_the_seed_graph(tmp_path: Path) -> None:
    store = project_store()
    written = export_data(store, tmp_path / "first")
    assert sorted(p.name for p in written) == sorted(p.name for p in (ROOT / "data").glob("*.ttl"))
    assert data_graphs(reload(tmp_path / "first")) == data_graphs(store), "loading the files gives the same graphs"
    export_data(reload(tmp_path / "first"), tmp_path / "second")
    for path in written:
        assert (tmp_path / "second" / path.name).read_bytes() == path.read_bytes(), f"{path.name} again"
        text = path.read_text(encoding="utf-8")
        assert "@base <https://w3id.org/vn-directives/id/> ." in text
        assert unicodedata.is_normalized("NFC", text)


def test_export_data_keeps_a_files_header_and_writes_against_the_default_base(tmp_path: Path) -> None:
    (tmp_path / "fixture-0.ttl").write_text("# Curated by hand.\n# Second line.\n\n<a> <b> <c> .\n", encoding="utf-8")
    export_data(make_store(DOCUMENTS_TTL, ontology=False), tmp_path)
    text = (tmp_path / "fixture-0.ttl").read_text(encoding="utf-8")
    assert text.startswith("# Curated by hand.\n# Second line.\n\n@base <https://w3id.org/vn-directives/id/> .")
    assert f"<{NQ15.removeprefix(DEFAULT_BASE)}> a dh:Resolution ;" in text
    other = "http://example.org/vn/"
    rebased = GraphStore()
    rebased.load_text(DOCUMENTS_TTL, name="fixture-0.ttl", transform=quad_transform(other))
    export_data(rebased, tmp_path / "rebased", base=other)
    again = (tmp_path / "rebased" / "fixture-0.ttl").read_text(encoding="utf-8")
    assert again.partition("\n@base")[2] == text.partition("\n@base")[2]


def changed_lines(before: list[str], after: list[str]) -> tuple[set[int], set[int]]:
    """Indices of the lines removed from ``before`` and added in ``after``."""
    removed: set[int] = set()
    added: set[int] = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            removed |= set(range(i1, i2))
            added |= set(range(j1, j2))
    return removed, added


def block(lines: list[str], subject: str) -> set[int]:
    """Indices of the lines of a subject's block (and the blank line after it)."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"<{subject.removeprefix(DEFAULT_BASE)}> "))
    end = next((i for i in range(start, len(lines)) if not lines[i]), len(lines) - 1)
    return set(range(start, end + 1))


@pytest.mark.embedded_only("document changes need the embedded store (graph_api raises InvalidChange otherwise)")
def test_a_committed_change_shows_as_the_lines_of_its_nodes(tmp_path: Path) -> None:
    store = project_store()
    export_data(store, tmp_path / "before")
    plan, task = ox.NamedNode(KH306), ox.NamedNode(KH306 + "/task/99")
    title, evidence = ox.NamedNode(str(DH.title)), ox.NamedNode(str(DH.evidence))
    old = {t for ts in document_triples(store, KH306).values() for t in ts}
    new = {t for t in old if not (t.subject == plan and t.predicate == title)}
    new |= {
        ox.Triple(plan, title, ox.Literal("Kế hoạch thực hiện Chương trình 16-CTr/TU", language="vi")),
        ox.Triple(task, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(DH.Task))),
        ox.Triple(task, ox.NamedNode(str(DH.taskOf)), plan),
        ox.Triple(task, ox.NamedNode(str(SKOS.prefLabel)), ox.Literal("Rà soát kế hoạch", language="vi")),
        *(ox.Triple(task, t.predicate, t.object) for t in old if t.subject == plan and t.predicate == evidence),
    }
    Writer(store).commit(replace_document(store, KH306, new, about=About("retitle", "curator")))
    export_data(store, tmp_path / "after")
    assert data_graphs(reload(tmp_path / "after")) == data_graphs(store)
    touched = {}
    for path in sorted((tmp_path / "before").glob("*.ttl")):
        before = path.read_text(encoding="utf-8").splitlines()
        after = (tmp_path / "after" / path.name).read_text(encoding="utf-8").splitlines()
        removed, added = changed_lines(before, after)
        if removed or added:
            touched[path.name] = (before, after, removed, added)
    assert set(touched) == {"documents.ttl", "tasks.ttl"}, "the change is in the files of its nodes' kinds"
    before, after, removed, added = touched["documents.ttl"]
    assert removed
    assert added
    assert removed <= block(before, KH306)
    assert added <= block(after, KH306)
    before, after, removed, added = touched["tasks.ttl"]
    assert not removed
    assert added == block(after, task.value)
