"""Bulk loading into an on-disk store: the fast and general paths, the NFC check, hashes and progress."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import PREFIXES

from graph_api.bulk import bulk_load
from graph_api.errors import LoadError
from graph_api.iris import DEFAULT_BASE
from graph_api.loading import quad_transform
from graph_api.store import Source, graph_iri

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.embedded_only("bulk loading into a pyoxigraph store")


LABEL = "<http://www.w3.org/2004/02/skos/core#prefLabel>"


def load(tmp_path: Path, *sources: Source, base: str = DEFAULT_BASE, progress: bool = False) -> ox.Store:
    store = ox.Store(str(tmp_path / "db"))
    bulk_load(store, sources, quad_transform(base), rewrites=base != DEFAULT_BASE, progress=progress)
    return store


def test_each_file_goes_to_its_graph_with_its_size_and_hash(tmp_path: Path) -> None:
    turtle = tmp_path / "a.ttl"
    turtle.write_text(PREFIXES + '<agency/x> skos:prefLabel "Thành ủy Hà Nội"@vi ; a skos:Concept .\n', "utf-8")
    quads = tmp_path / "b.nq"
    quads.write_text("<http://e/s> <http://e/p> <http://e/o> <http://elsewhere/g> .\n", "utf-8")
    empty = tmp_path / "c.nt"
    empty.write_text("", "utf-8")
    sources = [Source(turtle, "data"), Source(quads, "extra"), Source(empty, "extra")]
    store = ox.Store(str(tmp_path / "db"))
    loaded = bulk_load(store, sources, quad_transform(), rewrites=False, progress=False)
    assert [(f.quads, f.size) for f in loaded] == [(2, turtle.stat().st_size), (1, quads.stat().st_size), (0, 0)]
    assert loaded[0].sha256 == hashlib.sha256(turtle.read_bytes()).hexdigest()
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    assert graphs == sorted([graph_iri("data", "a"), graph_iri("extra", "b"), graph_iri("extra", "c")])
    named = [q for q in store if isinstance(q.graph_name, ox.NamedNode)]
    assert len(named) == 3, "an N-Quads file's quads go to the file's graph, whatever graph they name"
    default = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert default == {q.triple for q in named}, "the union of data and extra graphs is copied to the default graph"


def test_only_union_graphs_are_copied_to_the_default_graph_blank_nodes_kept(tmp_path: Path) -> None:
    shapes = tmp_path / "s.ttl"
    shapes.write_text("<http://e/s> <http://e/p> <http://e/o> .\n", "utf-8")
    data = tmp_path / "d.ttl"
    data.write_text("<http://e/a> <http://e/p> [ <http://e/q> 1 ] .\n", "utf-8")
    store = load(tmp_path, Source(shapes, "shapes"), Source(data, "data"))
    default = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    in_data = {q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri("data", "d")))}
    assert len(in_data) == 2
    assert default == in_data, "the very same triples, blank nodes included, and nothing from the shapes graph"


def test_iris_are_rebased_on_the_general_path(tmp_path: Path) -> None:
    path = tmp_path / "a.nt"
    path.write_text(f"<{DEFAULT_BASE}x> <http://e/p> <{DEFAULT_BASE}y> .\n", "utf-8")
    store = load(tmp_path, Source(path, "data"), base="http://example.org/")
    assert {q.subject for q in store} == {ox.NamedNode("http://example.org/x")}


@pytest.mark.parametrize(
    ("literal", "suffix"),
    [
        (unicodedata.normalize("NFD", "Thành ủy"), "ttl"),  # decomposed text
        ("Tha\\u0300nh", "ttl"),  # an escape that decomposes
        ("Tha\\u0300nh", "nt"),
    ],
)
def test_text_that_is_not_nfc_is_refused_with_file_and_line(tmp_path: Path, literal: str, suffix: str) -> None:
    path = tmp_path / f"bad.{suffix}"
    path.write_text(f'\n\n<http://e/x> {LABEL} "{literal}" .\n', "utf-8")
    with pytest.raises(LoadError, match="not in Unicode NFC") as caught:
        load(tmp_path, Source(path, "data"))
    assert caught.value.file == str(path)


def test_escapes_that_are_nfc_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "ok.ttl"
    path.write_text(f'<http://e/x> {LABEL} "Th\\u00E0nh" .\n', "utf-8")
    store = load(tmp_path, Source(path, "data"))
    assert {q.object for q in store} == {ox.Literal("Thành")}


def test_a_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text("<http://e/a> <http://e/b> <http://e/c> .\n<a> <b> .\n", "utf-8")
    with pytest.raises(LoadError) as caught:
        load(tmp_path, Source(path, "data"))
    assert (caught.value.file, caught.value.line) == (str(path), 2)


def test_progress_shows_files_bytes_and_quads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "many.nt"
    path.write_text("".join(f'<http://e/{i}> <http://e/p> "{i}" .\n' for i in range(2000)), "utf-8")
    load(tmp_path, Source(path, "data"), progress=True)
    shown = capsys.readouterr().err
    assert "[1/1] many.nt" in shown
    assert "2,000 quads" in shown
