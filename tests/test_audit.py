"""The audit trail: every committed change in PROV-O in the audit graph (same transaction, queryable with GRAPH,
never validated), a document's history newest first, and a document's closure as of a moment."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox
import pytest
from conftest import KH306, NQ15

from graph_api.audit import AUDIT_GRAPH, ChangeRecord, as_of, history, last_number, record, stamp
from graph_api.changes import About, Change, document_triples, replace_document, retract_document
from graph_api.errors import ChangeRejected
from graph_api.loading import build_store
from graph_api.namespaces import DH, PROV, RDF, RDFS, XSD
from graph_api.settings import Settings
from graph_api.shacl_sparql import validate_store
from graph_api.sparql import SelectResult, run_query
from graph_api.store import graph_iri, in_union
from graph_api.transactions import Writer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from graph_api.store import GraphStore

ID: Final = "https://w3id.org/vn-directives/id/"
START: Final = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SOURCE: Final = ID + "source/000"


def project() -> GraphStore:
    return build_store(Settings(_env_file=None, store=None, extra_files=[], load_project=True), progress=False)


def ticking() -> Callable[[], datetime]:
    """A clock that moves on a minute at each reading."""
    minutes: Iterator[int] = itertools.count()
    return lambda: START + timedelta(minutes=next(minutes))


def closure(store: GraphStore, document: str) -> set[ox.Triple]:
    return {t for ts in document_triples(store, document).values() for t in ts}


def set_value(store: GraphStore, document: str, name: str, value: ox.Literal, about: About) -> Change:
    node, prop = ox.NamedNode(document), ox.NamedNode(str(DH) + name)
    new = {t for t in closure(store, document) if not (t.subject == node and t.predicate == prop)}
    return replace_document(store, document, new | {ox.Triple(node, prop, value)}, about=about)


def integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(str(XSD.integer)))


# -- the record ----------------------------------------------------------------------------------------------------


def test_a_record_is_a_prov_activity_with_its_triples_reified() -> None:
    g = graph_iri("data", "documents")
    added = ox.Triple(ox.NamedNode(KH306), ox.NamedNode(str(DH.number)), ox.Literal("0306"))
    removed = ox.Triple(ox.NamedNode(KH306), ox.NamedNode(str(DH.number)), ox.Literal("306"))
    change = Change.of(
        {g: {added}},
        {g: {removed}},
        about=About("number as printed", "an@example", SOURCE, "số 306"),
        documents={KH306},
    )
    started = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    triples = record(change, number=7, started=started, ended=started + timedelta(seconds=1))
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    query = f"""PREFIX dh: <{DH}> PREFIX prov: <{PROV}> PREFIX rdf: <{RDF}> PREFIX rdfs: <{RDFS}>
    ASK {{
      <{ID}change/7> a prov:Activity, dh:Change ; dh:changeNumber 7 ;
          prov:wasAssociatedWith [ a prov:Agent ; rdfs:label "an@example" ] ;
          prov:startedAtTime "2026-03-01T15:00:00.000000Z"^^<{XSD.dateTime}> ;
          prov:endedAtTime "2026-03-01T15:00:01.000000Z"^^<{XSD.dateTime}> ;
          rdfs:comment "number as printed" ;
          dh:evidence [ a dh:Evidence ; dh:source <{SOURCE}> ; dh:quote "số 306"@vi ] ;
          prov:used <{KH306}> ; dh:changedDocument <{KH306}> ;
          dh:added [ a rdf:Statement ; rdf:subject <{KH306}> ; rdf:predicate dh:number ; rdf:object "0306" ; dh:inGraph <{g}> ] ;
          dh:removed [ rdf:object "306" ; dh:inGraph <{g}> ] .
    }}"""  # noqa: E501
    assert bool(store.query(query))


def test_times_are_utc() -> None:
    hanoi = datetime(2026, 3, 1, 22, 0, tzinfo=UTC).astimezone(timezone(timedelta(hours=7)))
    assert hanoi.hour == 5
    assert stamp(hanoi).value == "2026-03-01T22:00:00.000000Z"


def test_a_committed_change_is_in_the_audit_graph_and_queryable_with_graph() -> None:
    store = project()
    writer = Writer(store, clock=ticking())
    about = About("title in English", "curator", SOURCE, "Kế hoạch số 306/KH-UBND")
    writer.commit(set_value(store, KH306, "periodEndYear", integer(2030), about))
    assert last_number(store) == 1
    assert not in_union(AUDIT_GRAPH)
    result = run_query(
        store,
        f"""PREFIX dh: <{DH}> PREFIX prov: <{PROV}>
        SELECT ?change ?who ?when WHERE {{ GRAPH <{AUDIT_GRAPH}> {{
          ?change a dh:Change ; dh:changedDocument <{KH306}> ; prov:wasAssociatedWith ?who ; prov:endedAtTime ?when
        }} }}""",
    )
    assert isinstance(result, SelectResult)
    assert len(result.rows) == 1
    assert result.bindings()[0]["change"] == ox.NamedNode(ID + "change/1")
    default = run_query(store, f"ASK {{ ?c a <{DH.Change}> }}")
    assert not default.value  # type: ignore[union-attr]


def test_the_log_is_never_validated() -> None:
    """An evidence node without dh:source would be a Violation in the data; in the log it is not looked at."""
    store = project()
    Writer(store).commit(set_value(store, KH306, "periodEndYear", integer(2030), About(quote="trích dẫn")))
    assert store.count(AUDIT_GRAPH) > 0
    assert not [r for r in validate_store(store).results if r.focus_node.startswith(ID + "change/")]


def test_a_rejected_change_leaves_no_record() -> None:
    store = project()
    with pytest.raises(ChangeRejected):
        Writer(store).commit(set_value(store, KH306, "symbol", ox.Literal("306/QĐ-UBND"), About("bad")))
    assert store.count(AUDIT_GRAPH) == 0
    assert history(store, KH306) == []


# -- history and as_of ------------------------------------------------------------------------------------------------


@pytest.fixture
def edited() -> tuple[GraphStore, list[tuple[datetime, set[ox.Triple]]]]:
    """The project graph after three changes to 306 (and one to 15-NQ/TW), with 306's closure after each one."""
    store = project()
    writer = Writer(store, clock=ticking())
    states = [(START - timedelta(minutes=1), closure(store, KH306))]
    for year in (2030, 2031):
        result = writer.commit(set_value(store, KH306, "periodEndYear", integer(year), About(f"to {year}", "a")))
        states.append((result.ended, closure(store, KH306)))
    writer.commit(set_value(store, NQ15, "periodEndYear", integer(2031), About("other document", "b")))
    result = writer.commit(retract_document(store, KH306, about=About("retracted", "c", SOURCE, "bãi bỏ")))
    states.append((result.ended, closure(store, KH306)))
    return store, states


def test_history_is_newest_first_with_counts_and_triples(
    edited: tuple[GraphStore, list[tuple[datetime, set[ox.Triple]]]],
) -> None:
    store, _ = edited
    records = history(store, KH306)
    assert [r.message for r in records] == ["retracted", "to 2031", "to 2030"]
    assert [r.number for r in records] == [4, 2, 1]
    newest: ChangeRecord = records[0]
    assert newest.principal == "c"
    assert (newest.source, newest.quote) == (SOURCE, "bãi bỏ")
    assert newest.counts == (0, len(edited[1][2][1]))
    assert records[1].counts == (1, 1)
    graph, triple = records[1].added[0]
    assert graph == graph_iri("data", "documents")
    assert triple.object == integer(2031)
    assert records[2].started < records[2].ended <= records[1].started
    assert [r.message for r in history(store, NQ15)] == ["other document"]
    shown = json.loads(json.dumps(records[1].to_dict()))
    assert shown["counts"] == {"added": 1, "removed": 1}
    assert shown["ended"].endswith("+00:00")
    assert shown["added"] == [f"{triple} <{graph}> ."]


def test_as_of_undoes_the_later_changes(edited: tuple[GraphStore, list[tuple[datetime, set[ox.Triple]]]]) -> None:
    store, states = edited
    for when, expected in states:
        assert as_of(store, KH306, when) == expected
        assert as_of(store, KH306, when + timedelta(seconds=30)) == expected
    assert as_of(store, KH306, states[-1][0]) == set()  # retracted
    assert as_of(store, NQ15, START) == closure(project(), NQ15)
