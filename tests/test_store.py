from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import DOCUMENTS_TTL, NQ15, ONTOLOGY, PREFIXES, make_store, new_store

from graph_api.errors import ConfigError, LoadError, UnsupportedFormat
from graph_api.store import GraphStore, Source, graph_iri, graph_kind

EX = "http://example.org/"
DATA_GRAPH = "https://w3id.org/vn-directives/graph/data/fixture-0"


def _select(store: GraphStore, query: str, **kwargs: object) -> list[ox.QuerySolution]:
    outcome = store.query(query, **kwargs)  # type: ignore[arg-type]
    assert isinstance(outcome, ox.QuerySolutions)
    return list(outcome)


def test_graph_iris_name_kind_and_file_stem() -> None:
    assert graph_iri("ontology", "directives") == "https://w3id.org/vn-directives/graph/ontology/directives"
    assert graph_kind("https://w3id.org/vn-directives/graph/shapes/structure") == "shapes"
    assert graph_kind("http://example.org/g") is None
    assert Source(Path("data/documents.ttl"), "data").graph.endswith("/graph/data/documents")


def test_each_file_gets_its_own_named_graph(documents_store: GraphStore) -> None:
    assert documents_store.graphs() == [DATA_GRAPH, "https://w3id.org/vn-directives/graph/ontology/directives"]
    assert documents_store.graphs(["data"]) == [DATA_GRAPH]
    assert documents_store.count(DATA_GRAPH) == len(rdflib.Graph().parse(data=DOCUMENTS_TTL, format="turtle"))
    assert len(documents_store) == sum(documents_store.count(g) for g in documents_store.graphs())


def test_default_graph_is_the_union_of_ontology_and_data_but_not_shapes() -> None:
    store = make_store(PREFIXES + f"<{EX}a> a dh:Resolution .", ontology=True)
    store.load_text(f"<{EX}shape> a <http://www.w3.org/ns/shacl#NodeShape> .", name="s.ttl", kind="shapes")
    rows = _select(store, "SELECT ?c WHERE { <http://example.org/a> a ?c . ?c ?p ?o } LIMIT 1")
    assert rows, "a data triple and an ontology triple join in the default graph"
    assert not _select(store, "SELECT * WHERE { ?s a <http://www.w3.org/ns/shacl#NodeShape> }")
    in_graph = _select(store, "SELECT ?g WHERE { GRAPH ?g { ?s a <http://www.w3.org/ns/shacl#NodeShape> } }")
    assert [r["g"] for r in in_graph] == [ox.NamedNode(graph_iri("shapes", "s"))]


def test_explicit_dataset_and_from_clauses_are_respected(documents_store: GraphStore) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    assert not _select(documents_store, query, default_graph=[graph_iri("shapes", "none")])
    assert _select(documents_store, query, default_graph=[DATA_GRAPH])
    from_query = f"SELECT ?s FROM <{graph_iri('shapes', 'none')}> WHERE {{ ?s ?p ?o }}"
    assert not _select(documents_store, from_query)


def test_a_from_clause_after_an_escape_in_a_name_is_honoured(documents_store: GraphStore) -> None:
    """Oxigraph reads the dataset clauses itself: no keyword scan of ours can miss one (``ex:a\\'`` is a legal
    local name)."""
    shapes = graph_iri("shapes", "none")
    pattern = "{ ?s ?p ?o OPTIONAL { ?s ex:a\\' ?x } }"
    assert _select(documents_store, f"PREFIX ex: <http://example.org/> SELECT ?s WHERE {pattern}")
    assert not _select(documents_store, f"PREFIX ex: <http://example.org/> SELECT ?s FROM <{shapes}> WHERE {pattern}")
    assert not _select(documents_store, f"SELECT ?s FROM<{shapes}>WHERE{{?s ?p ?o}}")


def test_substitutions_bind_values_without_splicing(documents_store: GraphStore) -> None:
    query = "PREFIX dh: <https://w3id.org/vn-directives/ontology#> SELECT ?doc ?symbol WHERE { ?doc dh:symbol ?symbol }"
    rows = _select(documents_store, query, substitutions={"doc": ox.NamedNode(NQ15)})
    assert [r["symbol"] for r in rows] == [ox.Literal("15-NQ/TW")]
    hostile = ox.Literal('x" } ?s ?p ?o { "')
    assert not _select(documents_store, query, substitutions={"symbol": hostile})


def test_parse_error_is_a_load_error_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n", encoding="utf-8")
    store = new_store()
    with pytest.raises(LoadError) as caught:
        store.load([Source(bad, "data")], progress=False)
    assert caught.value.file == str(bad)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{bad}:3: ")


def test_failed_load_leaves_the_store_unchanged(tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text(f"<{EX}a> <{EX}b> <{EX}c> .\n", encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text(f"<{EX}a> <{EX}b> .\n", encoding="utf-8")
    store = new_store()
    store.load([Source(good, "data")], progress=False)
    before, revision = len(store), store.revision
    good.write_text(f"<{EX}x> <{EX}y> <{EX}z> .\n", encoding="utf-8")
    with pytest.raises(LoadError):
        store.load([Source(good, "data"), Source(bad, "data")], progress=False)
    assert len(store) == before
    assert store.revision == revision
    assert _select(store, f"ASK {{ <{EX}a> ?p ?o }}".replace("ASK", "SELECT * WHERE"))


def test_reloading_a_file_replaces_its_graph(tmp_path: Path) -> None:
    path = tmp_path / "doc.ttl"
    path.write_text(f"<{EX}a> <{EX}b> <{EX}c> .\n", encoding="utf-8")
    store = new_store()
    store.load([Source(path, "data")], progress=False)
    path.write_text(f"<{EX}x> <{EX}y> <{EX}z> .\n", encoding="utf-8")
    store.load([Source(path, "data")], progress=False)
    assert len(store) == 1


def test_replacing_a_graph_keeps_the_materialised_union_exact(tmp_path: Path) -> None:
    one, two = tmp_path / "one.ttl", tmp_path / "two.ttl"
    one.write_text(f"<{EX}a> <{EX}b> <{EX}shared> . <{EX}a> <{EX}b> <{EX}only-one> .\n", encoding="utf-8")
    two.write_text(f"<{EX}a> <{EX}b> <{EX}shared> .\n", encoding="utf-8")
    store = new_store()
    store.load([Source(one, "data"), Source(two, "extra")], progress=False)
    one.write_text(f"<{EX}a> <{EX}b> <{EX}new> .\n", encoding="utf-8")
    store.load([Source(one, "data")], progress=False)
    objects = {str(row["o"].value) for row in _select(store, f"SELECT ?o WHERE {{ <{EX}a> <{EX}b> ?o }}")}
    assert objects == {f"{EX}shared", f"{EX}new"}, "a triple leaves the union only when no union graph holds it"
    assert {t.object.value for t in store.triples()} == objects
    assert len(store) == 2, "the materialised default graph is not counted"


def test_missing_file_and_unknown_extension_are_load_errors(tmp_path: Path) -> None:
    store = new_store()
    with pytest.raises(LoadError, match="no such file"):
        store.load([Source(tmp_path / "nope.ttl", "data")], progress=False)
    odd = tmp_path / "data.xyz"
    odd.write_text("", encoding="utf-8")
    with pytest.raises(LoadError, match="unknown RDF file extension"):
        store.load([Source(odd, "extra")], progress=False)


def test_other_syntaxes_load_and_blank_nodes_stay_apart(tmp_path: Path) -> None:
    first = tmp_path / "one.nt"
    first.write_text(f'_:b <{EX}p> "1" .\n', encoding="utf-8")
    second = tmp_path / "two.jsonld"
    second.write_text(json.dumps({"@id": "_:b", f"{EX}p": "2"}), encoding="utf-8")
    store = new_store()
    store.load([Source(first, "extra"), Source(second, "extra")], progress=False)
    rows = _select(store, f"SELECT DISTINCT ?b WHERE {{ ?b <{EX}p> ?o }}")
    assert len(rows) == 2


def test_progress_bar_does_not_change_the_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = new_store()
    added = store.load([Source(ONTOLOGY, "ontology")], progress=True)
    assert added == len(store) > 1000
    assert capsys.readouterr().out == ""


@pytest.mark.embedded_only("an on-disk pyoxigraph store")
def test_on_disk_store_persists(tmp_path: Path) -> None:
    with GraphStore(tmp_path / "store") as store:
        store.load_text(f"<{EX}a> <{EX}b> <{EX}c> .", name="a.ttl")
    del store
    reopened = GraphStore(tmp_path / "store")
    assert len(reopened) == 1
    assert reopened.graphs() == [graph_iri("data", "a")]
    with pytest.raises(ConfigError, match="cannot open the store"):
        GraphStore(tmp_path / "store")


@pytest.mark.parametrize(
    ("fmt", "syntax"),
    [
        ("turtle", ox.RdfFormat.TURTLE),
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("rdfxml", ox.RdfFormat.RDF_XML),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("nquads", ox.RdfFormat.N_QUADS),
        ("trig", ox.RdfFormat.TRIG),
    ],
)
def test_dump_round_trips(documents_store: GraphStore, fmt: str, syntax: ox.RdfFormat) -> None:
    data = documents_store.dump(fmt, kinds=["data"])
    quads = list(ox.parse(data, syntax))
    assert len(quads) == documents_store.count(DATA_GRAPH)
    if fmt in ("nquads", "trig"):
        assert {q.graph_name for q in quads} == {ox.NamedNode(DATA_GRAPH)}


def test_turtle_dump_reads_in_rdflib_with_prefixes(documents_store: GraphStore) -> None:
    data = documents_store.dump("turtle", kinds=["data"]).decode()
    assert "@prefix dh: <https://w3id.org/vn-directives/ontology#> ." in data
    assert len(rdflib.Graph().parse(data=data, format="turtle")) == documents_store.count(DATA_GRAPH)


def test_dump_refuses_unknown_formats(documents_store: GraphStore) -> None:
    with pytest.raises(UnsupportedFormat, match="turtle"):
        documents_store.dump("yaml")


def test_to_rdflib_is_the_union(documents_store: GraphStore) -> None:
    graph = documents_store.to_rdflib()
    assert (
        rdflib.URIRef(NQ15),
        rdflib.RDF.type,
        rdflib.URIRef("https://w3id.org/vn-directives/ontology#Resolution"),
    ) in graph
    assert len(graph) <= len(documents_store)
    assert len(documents_store.to_rdflib(["shapes"])) == 0


def test_derived_values_are_built_once_per_revision_and_per_key() -> None:
    store = new_store()
    builds: list[str] = []

    def build(key: str) -> object:
        def make(current: GraphStore) -> int:
            builds.append(key)
            return len(current)

        return make

    assert store.derived("a", build("a")) == 0
    assert store.derived("a", build("a")) == 0
    assert store.derived("b", build("b")) == 0
    assert builds == ["a", "b"]
    store.load_text(f"<{EX}a> <{EX}b> <{EX}c> .", name="a.ttl")
    assert store.derived("a", build("a")) == 1
    assert builds == ["a", "b", "a"]
