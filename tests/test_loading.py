from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import NQ15, PREFIXES

from graph_api.errors import ConfigError, LoadError
from graph_api.iris import DEFAULT_BASE
from graph_api.loading import build_store, project_sources, quad_transform
from graph_api.resolve import resolve
from graph_api.store import graph_iri

if TYPE_CHECKING:
    from graph_api.settings import Settings


def test_project_sources_in_load_order(project_dirs: Settings) -> None:
    (project_dirs.shapes_dir / "structure.ttl").write_text("", encoding="utf-8")
    extra = project_dirs.data_dir.parent / "extra.nt"
    settings = project_dirs.model_copy(update={"extra_files": [extra]})
    assert [(s.kind, s.path.name) for s in project_sources(settings)] == [
        ("ontology", "directives.ttl"),
        ("data", "documents.ttl"),
        ("shapes", "structure.ttl"),
        ("extra", "extra.nt"),
    ]
    only_extra = settings.model_copy(update={"load_project": False})
    assert [s.kind for s in project_sources(only_extra)] == ["extra"]


def test_missing_ontology_dir_is_a_config_error(project_dirs: Settings, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ontology directory"):
        project_sources(project_dirs.model_copy(update={"ontology_dir": tmp_path / "none"}))


def test_two_files_for_one_graph_are_refused(project_dirs: Settings) -> None:
    twin = project_dirs.data_dir.parent / "documents.ttl"
    twin.write_text("", encoding="utf-8")
    settings = project_dirs.model_copy(update={"extra_files": [twin, twin]})
    with pytest.raises(ConfigError, match="share the graph"):
        project_sources(settings)


def test_build_store_loads_every_file(project_dirs: Settings) -> None:
    store = build_store(project_dirs, progress=False)
    assert store.graphs() == [graph_iri("data", "documents"), graph_iri("ontology", "directives")]
    assert resolve(store, "15-NQ/TW") == [NQ15]


def test_data_is_rebased_when_the_base_differs(project_dirs: Settings) -> None:
    base = "http://example.org/vn/"
    store = build_store(project_dirs.model_copy(update={"base_iri": base}), progress=False)
    assert resolve(store, "15-NQ/TW") == [NQ15.replace(DEFAULT_BASE, base)]
    leftover = store.select(f'SELECT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{DEFAULT_BASE}")) }} LIMIT 1')
    assert list(leftover) == []


def test_text_that_is_not_nfc_is_refused_with_file_and_line(project_dirs: Settings) -> None:
    nfd = unicodedata.normalize("NFD", "Thành ủy Hà Nội")
    bad = project_dirs.data_dir / "agencies.ttl"
    bad.write_text(PREFIXES + f'\n<agency/x> <http://www.w3.org/2004/02/skos/core#prefLabel> "{nfd}"@vi .\n', "utf-8")
    with pytest.raises(LoadError) as caught:
        build_store(project_dirs, progress=False)
    assert caught.value.file == str(bad)
    assert caught.value.line == PREFIXES.count("\n") + 2
    assert "not in Unicode NFC" in str(caught.value)


def test_transform_leaves_other_iris_alone() -> None:
    transform = quad_transform("http://example.org/")
    quad = ox.Quad(
        ox.NamedNode(DEFAULT_BASE + "a"),
        ox.NamedNode("https://w3id.org/vn-directives/ontology#implements"),
        ox.NamedNode(DEFAULT_BASE + "b"),
        ox.NamedNode("http://g"),
    )
    out = transform(quad, Path("x.ttl"))
    assert (out.subject, out.predicate, out.object, out.graph_name) == (
        ox.NamedNode("http://example.org/a"),
        quad.predicate,
        ox.NamedNode("http://example.org/b"),
        quad.graph_name,
    )


@pytest.mark.embedded_only("the persistent store directory")
def test_a_store_directory_is_built_then_opened_read_only(project_dirs: Settings, tmp_path: Path) -> None:
    settings = project_dirs.model_copy(update={"store": tmp_path / "store"})
    with build_store(settings, progress=False) as store:
        assert store.read_only
        assert store.path is not None
        assert store.path.parent == tmp_path / "store"
        assert resolve(store, "15-NQ/TW") == [NQ15]
        in_memory = build_store(project_dirs, progress=False)
        assert (len(store), store.graphs()) == (len(in_memory), in_memory.graphs())
