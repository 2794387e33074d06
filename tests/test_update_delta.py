"""update_delta computes exactly what a SPARQL Update does: the oracle is pyoxigraph's own ``Store.update``.

Each request runs two ways on the same small dataset (named graphs of every kind, shared triples, blank nodes):

- ours: ``update_delta`` on a :class:`GraphStore`, then ``store.apply`` of the delta;
- the oracle: pyoxigraph's ``Store.update``, operation by operation, on a plain store whose default graph holds the
  union, each operation's raw effect then mapped by the union rule of docs/model.md ("Changes"): a union graph
  is as the operation left it, less what the operation removed from the default graph; a triple
  the default graph gained (and, for ``MOVE g TO DEFAULT``, every triple it holds afterwards) that no union graph
  holds goes to the graph of its kind (``graph_for``).

Compared: whether the request fails, the triples of every named graph (blank nodes up to isomorphism: the
datasets are canonicalised with RDFC-1.0), the default graph (the union), and which named graphs exist.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox
import pytest

from graph_api.changes import UPDATES_GRAPH, graph_for
from graph_api.errors import GraphApiError, ProtectedGraph, QuerySyntaxError, RemoteAccessRefused, UpdateError
from graph_api.store import DEFAULT_GRAPH, GraphStore, graph_iri, in_union
from graph_api.update_delta import update_delta
from graph_api.update_text import split_operations

if TYPE_CHECKING:
    from collections.abc import Iterator

EX: Final = "http://example.org/"
W3C: Final = Path("/work/shared/w3c/sparql11-protocol/manifest.ttl")
PREFIX: Final = f"PREFIX ex: <{EX}>\n"
UNION_GRAPHS: Final = [
    graph_iri("data", "a"),
    graph_iri("data", "b"),
    graph_iri("extra", "e"),
    graph_iri("ontology", "o"),
]
OTHER_GRAPHS: Final = [graph_iri("shapes", "s"), EX + "g1", EX + "g2"]
ALL_GRAPHS: Final = UNION_GRAPHS + OTHER_GRAPHS

State = dict[str, set[ox.Triple]]


# -- datasets -------------------------------------------------------------------------------------------------


def random_dataset(rng: random.Random) -> State:
    nodes = [ox.NamedNode(f"{EX}s{i}") for i in range(4)]
    predicates = [ox.NamedNode(f"{EX}p{i}") for i in range(3)]
    blank = ox.BlankNode(f"b{rng.randrange(1000)}")
    objects: list[ox.NamedNode | ox.BlankNode | ox.Literal] = [
        *nodes,
        ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("x"),
        ox.Literal("x", language="en"),
        blank,
    ]
    pool = [ox.Triple(rng.choice([*nodes, blank]), rng.choice(predicates), rng.choice(objects)) for _ in range(14)]
    state: State = {}
    for graph in ALL_GRAPHS:
        if rng.random() < 0.85:
            state[graph] = set(rng.sample(pool, rng.randint(1, 6)))
    if rng.random() < 0.3:
        state.setdefault(EX + "g2", set())  # an empty graph that exists
    return state


def union(state: State) -> set[ox.Triple]:
    return {t for g, ts in state.items() if in_union(g) for t in ts}


def our_store(state: State) -> GraphStore:
    store = GraphStore()
    store.apply(state, {}, created=[g for g, ts in state.items() if not ts])
    return store


def raw_store(state: State) -> ox.Store:
    raw = ox.Store()
    for graph, triples in state.items():
        raw.add_graph(ox.NamedNode(graph))
        raw.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples)
    raw.extend(ox.Quad(t.subject, t.predicate, t.object, DEFAULT_GRAPH) for t in union(state))
    return raw


def read_raw(raw: ox.Store) -> tuple[State, set[ox.Triple]]:
    state: State = {g.value: set() for g in raw.named_graphs() if isinstance(g, ox.NamedNode)}
    default: set[ox.Triple] = set()
    for quad in raw:
        if isinstance(quad.graph_name, ox.NamedNode):
            state[quad.graph_name.value].add(quad.triple)
        else:
            default.add(quad.triple)
    return state, default


# -- the oracle ---------------------------------------------------------------------------------------------------

_MOVE_TO_DEFAULT: Final = re.compile(r"\bMOVE\s+(SILENT\s+)?(GRAPH\s+)?<[^>]*>\s+TO\s+DEFAULT\b", re.IGNORECASE)
_MOVE_DEFAULT_TO: Final = re.compile(r"\bMOVE\s+(SILENT\s+)?DEFAULT\s+TO\s+(GRAPH\s+)?<([^>]*)>", re.IGNORECASE)


class Refused(Exception):
    """The oracle's "this request fails"."""


def oracle(state: State, request: str, base_iri: str | None = None) -> State:
    """The state after the request, by pyoxigraph's Store.update operation by operation and the union rule."""
    prologue, operations = "", split_operations(request)
    for operation in operations:
        prologue = operation.prologue
        moved = _MOVE_DEFAULT_TO.search(operation.text)
        if moved and in_union(moved.group(3)):
            raise Refused(operation.text)
        raw = raw_store(state)
        before = union(state)
        try:
            raw.update(prologue + operation.text, base_iri=base_iri)
        except (SyntaxError, RuntimeError, ValueError) as exc:
            raise Refused(str(exc)) from exc
        after, default = read_raw(raw)
        removed_default, added_default = before - default, default - before
        # (``before`` is the union held by the state: what the raw default graph started from.)
        following: State = {}
        for graph, new in after.items():
            following[graph] = new - removed_default if in_union(graph) else set(new)
        kept = default if _MOVE_TO_DEFAULT.search(operation.text) else set()
        for triple in added_default | kept:
            if triple not in union(following):
                following.setdefault(graph_for(triple), set()).add(triple)
        state = following
    return state


# -- comparing ----------------------------------------------------------------------------------------------------


def canonical(state: State) -> set[str]:
    dataset = ox.Dataset(
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in state.items() for t in ts
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def ours(state: State, request: str, **options: object) -> State:
    store = our_store(state)
    before = sorted(map(str, store.oxigraph))
    change = update_delta(store, request, **options)  # type: ignore[arg-type]
    assert sorted(map(str, store.oxigraph)) == before, "update_delta leaves the store as it was"
    store.apply(change.added, change.removed, created=change.created, dropped=change.dropped)
    assert isinstance(store.oxigraph, ox.Store)
    result, default = read_raw(store.oxigraph)
    assert default == union(result), "the default graph is the union"
    return result


def existing(state: State) -> set[str]:
    return {g for g in state if g != UPDATES_GRAPH}


def check(state: State, request: str, *, oracle_request: str | None = None, **options: object) -> None:
    """The request gives the oracle's state, or fails where the oracle fails."""
    try:
        expected: State | None = oracle(state, oracle_request or request, options.get("base_iri"))  # type: ignore[arg-type]
    except Refused:
        expected = None
    if expected is None:
        with pytest.raises(GraphApiError):
            ours(state, request, **options)
    else:
        got = ours(state, request, **options)
        assert canonical(got) == canonical(expected), request
        assert existing(got) == existing(expected), request


# -- requests -----------------------------------------------------------------------------------------------------

HAND_WRITTEN: Final = [
    "INSERT DATA { ex:s0 ex:p0 ex:s1 . GRAPH ex:g1 { ex:s1 ex:p1 'y' } }",
    "INSERT DATA { ex:n ex:p0 '01'^^<http://www.w3.org/2001/XMLSchema#integer> }",
    "INSERT DATA { _:x ex:p0 ex:s1 . GRAPH ex:g2 { _:x ex:p1 ex:s2 } }",
    f"DELETE DATA {{ ex:s0 ex:p0 ex:s1 . GRAPH <{UNION_GRAPHS[0]}> {{ ex:s1 ex:p1 ex:s2 }} }}",
    "DELETE WHERE { ?s ex:p0 ?o }",
    "DELETE WHERE { GRAPH ?g { ?s ex:p1 ?o } }",
    "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }",
    "DELETE { ?s ex:p0 ?o } INSERT { ?s ex:p2 ?o } WHERE { ?s ex:p0 ?o }",
    "DELETE { ?s ex:p0 ?o } INSERT { ?s ex:p0 ?o } WHERE { ?s ex:p0 ?o }",
    f"DELETE {{ GRAPH <{UNION_GRAPHS[0]}> {{ ?s ?p ?o }} }} INSERT {{ ?s ?p ?o }} "
    f"WHERE {{ GRAPH <{UNION_GRAPHS[0]}> {{ ?s ?p ?o }} }}",
    f"DELETE {{ ?s ?p ?o }} INSERT {{ GRAPH <{UNION_GRAPHS[1]}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}",
    "INSERT { GRAPH ?g { ?s ex:seen true } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "INSERT { ?s ex:q [ ex:r ?o ; ex:t (1 2) ] } WHERE { ?s ex:p1 ?o }",
    "INSERT { ?s ex:label ?l } WHERE { ?s ?p ?o OPTIONAL { ?s ex:p2 ?x } BIND(COALESCE(STR(?x), 'none') AS ?l) }",
    "INSERT { ?s ex:q ?o } WHERE { { ?s ex:p0 ?o } UNION { GRAPH ex:g1 { ?s ex:p1 ?o } } FILTER(!isBlank(?s)) }",
    "INSERT { ?s ex:n ?n } WHERE { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s }",
    "WITH ex:g1 DELETE { ?s ?p ?o } INSERT { ?o ?p ?s } WHERE { ?s ?p ?o FILTER(isIRI(?o)) }",
    f"WITH <{UNION_GRAPHS[2]}> INSERT {{ ?s ex:with 1 }} WHERE {{ ?s ?p ?o }}",
    "DELETE { ?s ?p ?o } USING ex:g1 WHERE { ?s ?p ?o }",
    "INSERT { GRAPH ex:g2 { ?s ?p ?g } } USING NAMED ex:g1 WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"INSERT {{ ?s ex:u ?o }} USING <{UNION_GRAPHS[1]}> USING ex:g2 WHERE {{ ?s ?p ?o }}",
    "INSERT { ?s ex:p0 ?s } WHERE { ?s ?p ?o } ; DELETE WHERE { ?s ex:p0 ?s }",
    "DELETE WHERE { ?s ex:p0 ?o } ; INSERT { ?s ex:again ?o } WHERE { ?s ex:p0 ?o }",
    "CLEAR DEFAULT",
    "DROP DEFAULT",
    "CLEAR NAMED",
    "DROP NAMED",
    "CLEAR ALL",
    "DROP ALL",
    "CLEAR GRAPH ex:g1",
    "DROP GRAPH ex:nope",
    "DROP SILENT GRAPH ex:nope",
    "CLEAR SILENT GRAPH ex:nope",
    f"DROP GRAPH <{UNION_GRAPHS[0]}>",
    "CREATE GRAPH ex:new",
    "CREATE GRAPH ex:new ; CREATE GRAPH ex:new",
    "CREATE SILENT GRAPH ex:g1",
    "CREATE GRAPH ex:new ; DROP GRAPH ex:new",
    "ADD DEFAULT TO ex:g1",
    "ADD ex:g1 TO DEFAULT",
    f"ADD ex:g1 TO <{UNION_GRAPHS[1]}>",
    "COPY ex:g1 TO ex:g2",
    "COPY ex:g1 TO DEFAULT",
    f"COPY <{UNION_GRAPHS[0]}> TO DEFAULT",
    "COPY DEFAULT TO ex:g2",
    f"COPY DEFAULT TO <{UNION_GRAPHS[3]}>",
    "COPY ex:nope TO ex:g1",
    "MOVE ex:g1 TO ex:g2",
    "MOVE ex:g1 TO DEFAULT",
    f"MOVE <{UNION_GRAPHS[0]}> TO DEFAULT",
    f"MOVE <{UNION_GRAPHS[0]}> TO <{UNION_GRAPHS[1]}>",
    "MOVE DEFAULT TO ex:g2",
    f"MOVE DEFAULT TO <{UNION_GRAPHS[1]}>",
    "MOVE ex:nope TO ex:g1",
    "MOVE SILENT ex:nope TO ex:g1",
    "ADD ex:g1 TO ex:g1 ; COPY DEFAULT TO DEFAULT ; MOVE ex:g2 TO ex:g2",
    "DROP GRAPH ex:g1 ; INSERT DATA { GRAPH ex:g1 { ex:a ex:b ex:c } } ; CLEAR GRAPH ex:g1",
]


def _term(rng: random.Random, kinds: str) -> str:
    choices = {
        "v": ["?s", "?o", "?x"],
        "n": ["ex:s0", "ex:s1", "ex:s2", "ex:new"],
        "p": ["ex:p0", "ex:p1", "ex:p2"],
        "l": ["1", "'x'", "'x'@en", "'2'^^<http://www.w3.org/2001/XMLSchema#integer>"],
        "b": ["_:b1", "[]"],
    }
    return rng.choice([t for k in kinds for t in choices[k]])


def _graph(rng: random.Random) -> str:
    return rng.choice([f"<{g}>" for g in ALL_GRAPHS] + ["ex:nope", "DEFAULT"])


def random_operation(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        triples = " . ".join(f"{_term(rng, 'nb')} {_term(rng, 'p')} {_term(rng, 'nlb')}" for _ in range(3))
        graph = _graph(rng)
        return (
            f"INSERT DATA {{ {triples} }}" if graph == "DEFAULT" else f"INSERT DATA {{ GRAPH {graph} {{ {triples} }} }}"
        )
    if kind == 1:
        triple = f"ex:s{rng.randrange(4)} ex:p{rng.randrange(3)} ex:s{rng.randrange(4)}"
        graph = _graph(rng)
        return (
            f"DELETE DATA {{ {triple} }}" if graph == "DEFAULT" else f"DELETE DATA {{ GRAPH {graph} {{ {triple} }} }}"
        )
    if kind == 2:
        pattern = f"?s {_term(rng, 'pv')} ?o"
        return rng.choice([f"DELETE WHERE {{ {pattern} }}", f"DELETE WHERE {{ GRAPH ?g {{ {pattern} }} }}"])
    if kind in (3, 4, 5):
        where = rng.choice(
            [
                "?s ?p ?o",
                "GRAPH ?g { ?s ?p ?o }",
                "?s ex:p0 ?o OPTIONAL { ?o ?p ?x }",
                "?s ?p ?o FILTER(isIRI(?o))",
                "?s ?p ?o BIND(ex:s3 AS ?x)",
                "{ ?s ex:p1 ?o } UNION { GRAPH ?g { ?s ex:p2 ?o } }",
                "?s ?p ?o MINUS { ?s ex:p0 ex:s1 }",
            ]
        )
        delete = f"?s {_term(rng, 'p')} ?o" if rng.random() < 0.5 else ""
        if delete and rng.random() < 0.3:
            delete = f"GRAPH {rng.choice(['?g', f'<{rng.choice(ALL_GRAPHS)}>'])} {{ {delete} }}"
        insert = f"?s {_term(rng, 'p')} {_term(rng, 'vnlb')}" if rng.random() < 0.7 or not delete else ""
        if insert and rng.random() < 0.3:
            insert = f"GRAPH {rng.choice(['?g', f'<{rng.choice(ALL_GRAPHS)}>'])} {{ {insert} }}"
        head = f"WITH <{rng.choice(ALL_GRAPHS)}> " if rng.random() < 0.2 else ""
        using = ""
        if not head and rng.random() < 0.2:
            using = " ".join(f"USING {rng.choice(['', 'NAMED '])}<{rng.choice(ALL_GRAPHS)}>" for _ in range(2))
        clauses = (f"DELETE {{ {delete} }} " if delete else "") + (f"INSERT {{ {insert} }} " if insert else "")
        return f"{head}{clauses}{using} WHERE {{ {where} }}"
    if kind == 6:
        verb = rng.choice(["CLEAR", "DROP", "CREATE"])
        silent = rng.choice(["", "SILENT "])
        target = rng.choice(["DEFAULT", "NAMED", "ALL", *(f"GRAPH {_graph(rng)}" for _ in range(4))])
        if verb == "CREATE" or target == "GRAPH DEFAULT":
            target = f"GRAPH {rng.choice([f'<{g}>' for g in ALL_GRAPHS] + ['ex:nope'])}"
        return f"{verb} {silent}{target}"
    verb = rng.choice(["ADD", "COPY", "MOVE"])
    return f"{verb} {rng.choice(['', 'SILENT '])}{_graph(rng)} TO {_graph(rng)}"


def random_requests(seed: int, count: int) -> Iterator[tuple[State, str]]:
    rng = random.Random(seed)
    for _ in range(count):
        state = random_dataset(rng)
        operations = [random_operation(rng) for _ in range(rng.choice([1, 1, 2, 3]))]
        yield state, PREFIX + " ;\n".join(operations)


# -- the tests --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_text", HAND_WRITTEN, ids=range(len(HAND_WRITTEN)))
def test_hand_written_updates_match_pyoxigraph(request_text: str) -> None:
    rng = random.Random(request_text)
    for _ in range(6):
        check(random_dataset(rng), PREFIX + request_text)


@pytest.mark.parametrize("seed", range(6))
def test_random_updates_match_pyoxigraph(seed: int) -> None:
    for state, request in random_requests(seed, 60):
        check(state, request)


def w3c_updates() -> list[tuple[str, str, dict[str, list[str]]]]:
    """The 7 update requests of the W3C protocol tests: (name, request, protocol parameters)."""
    text = W3C.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"^:(update_\w+) rdf:type", text, re.MULTILINE):
        block = text[match.start() : text.find("\n:", match.start() + 5)]
        path = re.findall(r'ht:absolutePath "([^"]*)"', block)[0]
        body = re.findall(r'cnt:chars """(.*?)"""|cnt:chars "([^"]*)"', block, re.DOTALL)[0]
        request = (body[0] or body[1]).replace('\\"', '"')
        if request.startswith("update="):
            request = request.removeprefix("update=").replace("+", " ")
        params: dict[str, list[str]] = {}
        for key, value in re.findall(r"([\w-]+)=([^&]+)", path.partition("?")[2]):
            params.setdefault(key, []).append(value.replace("%3A", ":").replace("%2F", "/"))
        found.append((match.group(1), request, params))
    return found


def _with_using(request: str, params: dict[str, list[str]]) -> str:
    """The request with the protocol's dataset written as USING clauses (what the protocol says it means)."""
    using = " ".join(f"USING <{g}>" for g in params.get("using-graph-uri", []))
    using += " " + " ".join(f"USING NAMED <{g}>" for g in params.get("using-named-graph-uri", []))
    return re.sub(r"\}\s*WHERE", "} " + using + " WHERE", request)


def test_the_seven_w3c_protocol_updates_match_pyoxigraph() -> None:
    updates = w3c_updates()
    assert len(updates) == 7
    rng = random.Random(7)
    for name, request, params in updates:
        for state in [{}, random_dataset(rng), random_dataset(rng)]:
            check(
                state,
                request,
                oracle_request=_with_using(request, params),
                using_graphs=params.get("using-graph-uri", []),
                using_named_graphs=params.get("using-named-graph-uri", []),
                base_iri="http://www.example/sparql/",
            )
        assert name


def test_the_w3c_dataset_tests_give_what_their_ask_expects() -> None:
    """Not only the same as pyoxigraph: what the W3C test's ASK checks afterwards holds."""
    for name, request, params in w3c_updates():
        if "dataset" not in name:
            continue
        store = GraphStore()
        change = update_delta(
            store,
            request,
            using_graphs=params.get("using-graph-uri", []),
            using_named_graphs=params.get("using-named-graph-uri", []),
        )
        store.apply(change.added, change.removed, created=change.created, dropped=change.dropped)
        text = W3C.read_text(encoding="utf-8")
        block = text[text.index(f":{name} rdf:type") :]
        ask = re.findall(r'cnt:chars """(ASK.*?)"""', block, re.DOTALL)[0].replace('\\"', '"')
        assert bool(store.query(ask)), name


def test_protocol_dataset_and_using_conflict() -> None:
    request = (
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/> WITH <http://example/addresses> "
        "DELETE { ?p foaf:givenName 'Bill' } WHERE { ?p foaf:givenName 'Bill' }"
    )
    with pytest.raises(UpdateError, match="USING/WITH"):
        update_delta(GraphStore(), request, using_named_graphs=["http://example/people"])


def test_load_and_service_are_refused() -> None:
    with pytest.raises(RemoteAccessRefused) as load:
        update_delta(GraphStore(), "LOAD <http://example.org/data.ttl>")
    assert load.value.feature == "LOAD"
    assert load.value.target == "http://example.org/data.ttl"
    with pytest.raises(RemoteAccessRefused) as service:
        update_delta(GraphStore(), "INSERT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert service.value.feature == "SERVICE"


def test_the_audit_graph_cannot_be_named_and_is_not_seen() -> None:
    audit = graph_iri("audit", "log")
    store = GraphStore()
    store.apply({audit: {ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "b"), ox.NamedNode(EX + "c"))}}, {})
    for request in (f"INSERT DATA {{ GRAPH <{audit}> {{ <{EX}x> <{EX}y> 1 }} }}", f"DROP GRAPH <{audit}>"):
        with pytest.raises(ProtectedGraph):
            update_delta(store, request)
    for request in ("DROP ALL", "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }"):
        assert update_delta(store, request).is_empty


def test_syntax_errors_are_typed_with_their_position() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        update_delta(GraphStore(), "INSERT DATA { <http://a> <http://b> }")
    assert caught.value.line == 1


def test_relative_iris_need_a_base() -> None:
    with pytest.raises(UpdateError, match="absolute"):
        update_delta(GraphStore(), "INSERT DATA { <a> <http://b> <http://c> }")
    change = update_delta(GraphStore(), "INSERT DATA { <a> <http://b> <http://c> }", base_iri="http://ex.org/")
    assert ox.NamedNode("http://ex.org/a") in {t.subject for ts in change.added.values() for t in ts}


def test_default_graph_inserts_go_to_the_graph_of_their_kind() -> None:
    base = "https://w3id.org/vn-directives/id/"
    task = f"{base}document/a/kh/2024/1/task/1"
    request = f"INSERT DATA {{ <{base}agency/x> a <{EX}A> . <{task}> <{EX}p> 1 . <{EX}z> <{EX}p> 2 }}"
    change = update_delta(GraphStore(), request)
    assert sorted(change.added) == sorted([graph_iri("data", "agencies"), graph_iri("data", "tasks"), UPDATES_GRAPH])


def test_operations_see_the_earlier_ones_and_the_store_is_left_as_it_was() -> None:
    store = GraphStore()
    store.apply(
        {graph_iri("data", "a"): {ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("1"))}}, {}
    )
    before = sorted(str(q) for q in store.oxigraph)
    change = update_delta(
        store, f"PREFIX ex: <{EX}> DELETE WHERE {{ ?s ex:p ?o }} ; INSERT {{ ?s ex:q 1 }} WHERE {{ ?s ex:p ?o }}"
    )
    assert change.added == {}
    assert sorted(str(q) for q in store.oxigraph) == before
