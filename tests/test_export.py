from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import NQ15

from graph_api.errors import UnsupportedFormat
from graph_api.export import export, export_to
from graph_api.store import GraphStore, graph_iri

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
