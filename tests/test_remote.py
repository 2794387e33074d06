"""The 'server' backend against a real ``oxigraph serve`` on 127.0.0.1: RemoteStore (graph_api/remote.py), the query
text it writes (remote_text.py) and loading into a server shared by several processes (remote_load.py)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import DOCUMENTS_TTL, NQ15, ONTOLOGY
from servers import OxigraphServer

from graph_api.errors import BackendUnavailable, ConfigError, LoadError
from graph_api.loading import build_store
from graph_api.remote import HIDDEN, RemoteStore
from graph_api.remote_load import LOCK_GRAPH, MANIFEST_GRAPH, ServerLease, ServerManifest, holders_of
from graph_api.remote_text import bind_values, shift_error
from graph_api.resolve import resolve
from graph_api.store import GraphStore, Source, graph_iri
from graph_api.worker import QueryRequest, WorkerSpec, answer, open_store

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph_api.settings import Settings

EX = "http://example.org/"
BLANKS = f'<{EX}a> <{EX}p> [ <{EX}q> "x" ] .\n'


@pytest.fixture(scope="module")
def server() -> Iterator[OxigraphServer]:
    running = OxigraphServer()
    yield running
    running.stop()


@pytest.fixture
def remote(server: OxigraphServer) -> Iterator[GraphStore]:
    """A GraphStore over the (emptied) module server."""
    server.clear()
    store = GraphStore.remote(server.url)
    yield store
    store.close()


def _both(remote: GraphStore, *texts: str) -> list[GraphStore]:
    """The remote store and an embedded one, each with the ontology and the texts as data files."""
    stores = [remote, GraphStore()]
    for store in stores:
        store.load([Source(ONTOLOGY, "ontology")], progress=False)
        for number, text in enumerate(texts):
            store.load_text(text, name=f"fixture-{number}.ttl")
    return stores


def _plain(triple: ox.Triple) -> str:
    """A triple as text, its blank nodes unlabelled (each store labels them its own way)."""
    return " ".join("_:" if isinstance(t, ox.BlankNode) else str(t) for t in triple)


def _rows(outcome: object) -> list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None, ...]]:
    assert isinstance(outcome, ox.QuerySolutions)
    return sorted((tuple(row) for row in outcome), key=str)


# -- query text ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES (?x) { (<http://e/v>) } ?x ?p ?o }"),
        ("select * { ?x ?p '{' }", "select * { VALUES (?x) { (<http://e/v>) } ?x ?p '{' }"),
        (
            "# WHERE { in a comment\nSELECT ?x (EXISTS { ?x ?p ?o } AS ?e) { ?x ?p ?o }",
            "# WHERE { in a comment\nSELECT ?x (EXISTS { ?x ?p ?o } AS ?e) { VALUES (?x) { (<http://e/v>) } ?x ?p ?o }",
        ),
        (
            "CONSTRUCT { ?x <http://e/p> ?where } WHERE { ?x ?q ?where }",
            "CONSTRUCT { ?x <http://e/p> ?where } WHERE { VALUES (?x) { (<http://e/v>) } ?x ?q ?where }",
        ),
        ("CONSTRUCT WHERE { ?x ?p ?o }", "CONSTRUCT WHERE { VALUES (?x) { (<http://e/v>) } ?x ?p ?o }"),
        ("ASK { ?x ?p ?o }", "ASK { VALUES (?x) { (<http://e/v>) } ?x ?p ?o }"),
        ("DESCRIBE ?x", "DESCRIBE ?x\nWHERE { VALUES (?x) { (<http://e/v>) } }"),
    ],
)
def test_values_go_first_in_the_outermost_where_group(query: str, expected: str) -> None:
    assert bind_values(query, {"x": ox.NamedNode("http://e/v")}) == expected


def test_values_are_written_as_terms_never_spliced() -> None:
    nasty = ox.Literal('"} } DROP ALL ; INSERT DATA { <http://e/a> <http://e/b> "', language="vi")
    text = bind_values("SELECT ?x { ?s ?p ?x }", {"x": nasty})
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), nasty))
    assert [row["x"] for row in store.query(text)] == [nasty]  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match=r"does not contains variable \?x"):
        bind_values("SELECT ?s { ?s ?p ?x }", {"x": nasty})
    with pytest.raises(RuntimeError, match="blank node"):
        bind_values("SELECT * { ?s ?p ?x }", {"x": ox.BlankNode()})


def test_syntax_error_positions_are_moved_back_by_the_prologue() -> None:
    assert shift_error("error at 3:7: expected ...", 1) == "error at 2:7: expected ..."
    assert shift_error("error at 3:7: x", 0) == "error at 3:7: x"


# -- RemoteStore -----------------------------------------------------------------------------------------------------


def test_results_are_pyoxigraph_objects_equal_to_the_embedded_stores(remote: GraphStore) -> None:
    stores = _both(remote, DOCUMENTS_TTL)
    select = "PREFIX dh: <https://w3id.org/vn-directives/ontology#> SELECT ?d ?s { ?d dh:symbol ?s }"
    construct = "PREFIX dh: <https://w3id.org/vn-directives/ontology#> CONSTRUCT WHERE { ?a dh:implements ?b }"
    results = [
        (
            _rows(store.query(select)),
            sorted(map(str, store.query(construct))),  # type: ignore[arg-type]
            bool(store.query("ASK { ?s a ?c }")),
            len(store),
            store.graphs(),
        )
        for store in stores
    ]
    assert results[0] == results[1]
    assert isinstance(remote.query(construct), ox.QueryTriples)
    assert isinstance(remote.query("ASK {}"), ox.QueryBoolean)


def test_substitutions_datasets_and_base_iri_as_embedded(remote: GraphStore) -> None:
    stores = _both(remote, DOCUMENTS_TTL)
    data = graph_iri("data", "fixture-0")
    queries = [
        ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", {"default_graph": [data]}),
        ("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", {"named_graphs": [data]}),
        ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", {"default_graph": []}),
        ("SELECT ?s { ?s ?p ?o }", {"substitutions": {"s": ox.NamedNode(NQ15)}}),
    ]
    for query, options in queries:
        assert _rows(remote.query(query, **options)) == _rows(stores[1].query(query, **options)), query  # type: ignore[arg-type]
    relative = "SELECT ?s { BIND(<document/x> AS ?s) }"
    assert _rows(remote.query(relative, base_iri="http://b/")) == [(ox.NamedNode("http://b/document/x"),)]
    errors = []
    for store in stores:
        with pytest.raises(SyntaxError) as caught:
            store.query("SELECT *\nWHERE { ?s ?p ?o . ?x }", base_iri="http://b/")
        errors.append(caught.value.msg.split(":", 2)[:2])
    assert errors[0] == errors[1]


def test_blank_nodes_stay_one_node_in_a_graph_and_its_default_graph_copy(remote: GraphStore) -> None:
    stores = _both(remote, BLANKS, BLANKS.replace("<http://example.org/a>", "<http://example.org/b>"))
    same = f"ASK {{ GRAPH <{graph_iri('data', 'fixture-0')}> {{ ?a <{EX}p> ?b }} ?a <{EX}p> ?b . ?b <{EX}q> 'x' }}"
    for store in stores:
        assert bool(store.query(same))
        store.remove_graphs([graph_iri("data", "fixture-0")])
    remote_triples, embedded_triples = ([_plain(t) for t in store.triples()] for store in stores)
    assert sorted(remote_triples) == sorted(embedded_triples)
    blank = next(q.object for q in remote.oxigraph.quads_for_pattern(ox.NamedNode(EX + "b"), None, None, None))
    assert isinstance(blank, ox.BlankNode)
    described = list(remote.oxigraph.quads_for_pattern(blank, None, None, ox.DefaultGraph()))
    assert [(q.predicate, q.object) for q in described] == [(ox.NamedNode(EX + "q"), ox.Literal("x"))]
    with pytest.raises(ValueError, match="blank node"):
        remote.oxigraph.remove(described[0])


def test_replacing_a_graph_keeps_the_union_exact(remote: GraphStore, tmp_path: Path) -> None:
    one, two = tmp_path / "one.ttl", tmp_path / "two.ttl"
    one.write_text(f"<{EX}s> <{EX}p> 1 , 2 .\n", encoding="utf-8")
    two.write_text(f"<{EX}s> <{EX}p> 2 .\n", encoding="utf-8")
    sources = [Source(one, "data"), Source(two, "data")]
    remote.load(sources, progress=False)
    one.write_text(f"<{EX}s> <{EX}p> 3 .\n", encoding="utf-8")
    remote.load([sources[0]], progress=False)
    assert sorted(t.object.value for t in remote.triples()) == ["2", "3"]  # type: ignore[union-attr]


def test_quads_graphs_and_length_leave_the_loaders_graphs_out(remote: GraphStore, server: OxigraphServer) -> None:
    remote.load_text(f"<{EX}s> <{EX}p> <{EX}o> .", name="x.ttl")
    raw = RemoteStore(server.url)
    raw.update(f"INSERT DATA {{ GRAPH <{HIDDEN}x> {{ <{EX}s> <{EX}p> <{EX}hidden> }} }}")
    assert remote.graphs() == [graph_iri("data", "x")]
    assert len(remote) == 1
    assert len(list(remote.oxigraph)) == 2  # the named graph and its default-graph copy
    assert len(list(remote.oxigraph.quads_for_pattern(ox.NamedNode(EX + "s"), None, None))) == 2
    assert remote.oxigraph.contains_named_graph(ox.NamedNode(graph_iri("data", "x")))
    assert not remote.oxigraph.contains_named_graph(ox.NamedNode(EX + "nothing"))
    raw.close()


def test_a_read_only_store_refuses_writes_and_an_absent_server_is_named(server: OxigraphServer) -> None:
    with GraphStore.remote(server.url, read_only=True) as store, pytest.raises(OSError, match="read-only"):
        store.load_text(f"<{EX}s> <{EX}p> <{EX}o> .", name="x.ttl")
    with GraphStore.remote("http://127.0.0.1:9") as absent, pytest.raises(BackendUnavailable) as caught:
        absent.graphs()
    assert "cannot be reached" in str(caught.value)
    assert (caught.value.status, caught.value.headers()) == (503, {"Retry-After": "5"}), "a 503, not a 500"


def test_a_worker_queries_the_server_by_its_url(remote: GraphStore) -> None:
    remote.load_text(f"<{EX}s> <{EX}p> <{EX}o> .", name="x.ttl")
    assert remote.server_url is not None
    with open_store(WorkerSpec(server_url=remote.server_url)) as worker:
        reply = answer(worker, QueryRequest("SELECT ?s { ?s ?p ?o }", format="tsv"))
    assert reply.body.decode().split() == ["?s", f"<{EX}s>"]


# -- loading into a server shared by several processes -------------------------------------------------------------


@pytest.fixture
def served(project_dirs: Settings, server: OxigraphServer) -> Settings:
    server.clear()
    return project_dirs.model_copy(update={"backend": "server", "server_url": server.url})


def test_a_server_is_loaded_once_then_reused_while_the_files_are_the_same(
    served: Settings, server: OxigraphServer
) -> None:
    first = build_store(served, progress=False)
    assert resolve(first, "15-NQ/TW") == [NQ15]
    embedded = build_store(served.model_copy(update={"backend": "embedded"}), progress=False)
    assert (len(first), first.graphs()) == (len(embedded), embedded.graphs())
    raw = RemoteStore(server.url)
    built = ServerManifest.read(raw)
    assert built is not None
    raw.update(f"INSERT DATA {{ <{EX}marker> <{EX}p> 1 }}")  # gone only if the server is loaded again
    marker = f"ASK {{ <{EX}marker> ?p ?o }}"
    assert bool(build_store(served, progress=False).query(marker))
    (served.data_dir / "documents.ttl").write_text(DOCUMENTS_TTL + f"<{EX}new> <{EX}p> 2 .\n", encoding="utf-8")
    again = build_store(served, progress=False)
    assert not bool(again.query(marker))
    assert bool(again.query(f"ASK {{ <{EX}new> ?p 2 }}"))
    assert build_store(served, progress=False, reload=True).graphs() == first.graphs()
    raw.close()


def test_rebased_files_with_blank_nodes_load_into_the_server(served: Settings) -> None:
    (served.data_dir / "blanks.ttl").write_text(BLANKS, encoding="utf-8")
    settings = served.model_copy(update={"base_iri": "http://example.org/vn/"})
    store = build_store(settings, progress=True)
    assert resolve(store, "15-NQ/TW") == [NQ15.replace("https://w3id.org/vn-directives/id/", "http://example.org/vn/")]
    assert bool(store.query(f"ASK {{ GRAPH ?g {{ ?a <{EX}p> ?b }} ?a <{EX}p> ?b . ?b <{EX}q> 'x' }}"))


def test_a_bad_file_is_a_load_error_and_leaves_no_manifest(served: Settings, server: OxigraphServer) -> None:
    (served.data_dir / "bad.ttl").write_text(f"<{EX}a> <{EX}b> .\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        build_store(served, progress=False)
    assert caught.value.file.endswith("bad.ttl")
    raw = RemoteStore(server.url)
    assert ServerManifest.read(raw) is None
    assert holders_of(raw) == [], "the lease is given back"
    raw.close()


def test_policy_never_serves_what_is_there(served: Settings) -> None:
    never = served.model_copy(update={"server_load": "never"})
    with pytest.raises(ConfigError, match="graph-api load"):
        build_store(never, progress=False)
    build_store(served, progress=False)
    (served.data_dir / "documents.ttl").write_text("", encoding="utf-8")
    assert resolve(build_store(never, progress=False), "15-NQ/TW") == [NQ15]


def test_concurrent_starts_load_once(served: Settings, server: OxigraphServer) -> None:
    stores: list[GraphStore] = []
    threads = [threading.Thread(target=lambda: stores.append(build_store(served, progress=False))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stores) == 3
    assert len({len(store) for store in stores}) == 1
    raw = RemoteStore(server.url)
    assert holders_of(raw) == []
    assert len(list(raw.quads_for_pattern(None, None, None, ox.NamedNode(MANIFEST_GRAPH)))) == 1
    raw.close()


def test_a_lease_not_renewed_is_taken_over(server: OxigraphServer) -> None:
    server.clear()
    raw = RemoteStore(server.url)
    raw.update(
        f"INSERT DATA {{ GRAPH <{LOCK_GRAPH}> {{ <urn:graph-api:loader:dead> <{LOCK_GRAPH}#beat> "
        '"2000-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> } }'
    )
    live = ServerLease.take(raw, "test")
    assert live is not None
    assert ServerLease.take(raw, "another") is None, "a live lease is not taken"
    with live:
        pass
    assert holders_of(raw) == []
    raw.close()
