"""Commits: validated against the shapes on the nodes they touch, rolled back with the report on a violation,
recorded, journaled on disk so that a process killed at any point leaves either the whole change or none of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox
import pytest
from conftest import KH306, NQ15

from graph_api import journal
from graph_api.audit import AUDIT_GRAPH
from graph_api.change_focus import focus_nodes
from graph_api.changes import (
    About,
    Change,
    document_triples,
    expect_version,
    graph_for,
    replace_document,
    retract_document,
    version,
)
from graph_api.errors import (
    ChangeRejected,
    ConfigError,
    PreconditionFailed,
    StoreBusy,
    UnexportedChanges,
    UpdateNotAllowed,
)
from graph_api.export import export_data
from graph_api.journal import JOURNAL
from graph_api.loading import build_store, project_sources, quad_transform
from graph_api.namespaces import DH
from graph_api.persistence import (
    WRITE_LOCK,
    Manifest,
    committed_state,
    mark_exported,
    open_current,
    open_store,
    wait_for_lock,
)
from graph_api.settings import Settings
from graph_api.shacl_sparql import validate_focus, validate_store
from graph_api.store import GraphStore, graph_iri
from graph_api.transactions import CommitResult, Writer, commit, store_directory

if TYPE_CHECKING:
    from graph_api.validation_report import ValidationReport

ROOT: Final = Path(__file__).resolve().parent.parent
ID: Final = "https://w3id.org/vn-directives/id/"
AGENCY: Final = ID + "agency/ubnd-thanh-pho-ha-noi"
PARTY: Final = ID + "agency/thanh-uy-ha-noi"
Key = tuple[str, str, str | None, str | None, str]


def project() -> GraphStore:
    """A fresh in-memory store of the repository's graph (ontology, data, shapes), for a test to change."""
    return build_store(Settings(_env_file=None, store=None, extra_files=[], load_project=True), progress=False)


def keys(report: ValidationReport, focus: set[str] | frozenset[str] | None = None) -> Counter[Key]:
    return Counter(
        (r.focus_node, r.shape, r.path, r.value, r.severity)
        for r in report.results
        if focus is None or r.focus_node in focus
    )


def quads(store: GraphStore) -> list[str]:
    return sorted(map(str, store.oxigraph))


def with_triple(store: GraphStore, document: str, predicate: str, value: ox.Literal | ox.NamedNode) -> Change:
    """The change that sets one property of a document (replacing its values)."""
    old = {t for ts in document_triples(store, document).values() for t in ts}
    node, prop = ox.NamedNode(document), ox.NamedNode(str(DH) + predicate)
    new = {t for t in old if not (t.subject == node and t.predicate == prop)} | {ox.Triple(node, prop, value)}
    return replace_document(store, document, new, about=About(f"set {predicate}", "curator"))


# -- validation at commit ----------------------------------------------------------------------------------------


def test_a_conforming_change_is_committed_validated_and_recorded() -> None:
    store = project()
    writer = Writer(store)
    told: list[CommitResult] = []
    writer.on_commit(told.append)
    title = ox.Literal("Kế hoạch thực hiện Chương trình 16-CTr/TU", language="vi")
    result = writer.commit(with_triple(store, KH306, "title", title))
    assert result.number == 1
    assert result.record == ID + "change/1"
    assert told == [result]
    assert ox.Triple(ox.NamedNode(KH306), ox.NamedNode(str(DH.title)), title) in set(store.triples())
    assert result.change.documents == frozenset({KH306})
    assert result.focus is not None
    assert KH306 in result.focus
    assert keys(result.report) == keys(validate_store(store), result.focus)
    assert result.report.conforms
    assert store.count(AUDIT_GRAPH) > 0


def test_a_violating_change_is_rolled_back_with_the_report() -> None:
    store = project()
    before = quads(store)
    change = with_triple(store, KH306, "symbol", ox.Literal("306/QĐ-UBND"))
    with pytest.raises(ChangeRejected) as caught:
        Writer(store).commit(change)
    violations = caught.value.report.of("Violation")
    assert violations
    assert {v.focus_node for v in violations} == {KH306}
    assert caught.value.status == 422
    assert "report" in caught.value.extra()
    assert quads(store) == before, "nothing of the change, nor of its record, is left"


def test_warnings_do_not_block() -> None:
    store = project()
    ctr16 = ID + "document/thanh-uy-ha-noi/ctr/2022/16"
    old = {t for ts in document_triples(store, ctr16).values() for t in ts}
    implements = ox.NamedNode(str(DH.implements))
    statements = {t.subject for t in old if t.object == implements}  # rdf:predicate dh:implements
    new = {t for t in old if t.predicate != implements and t.subject not in statements}
    result = Writer(store).commit(replace_document(store, ctr16, new))
    assert result.report.conforms
    assert any(r.severity == "Warning" and r.focus_node == ctr16 for r in result.report.results)


def test_an_empty_change_is_acknowledged_and_not_recorded() -> None:
    store = project()
    result = Writer(store).commit(Change())
    assert result.number is None
    assert store.count(AUDIT_GRAPH) == 0


CHANGES: Final = [
    ("retract the plan 306", lambda s: retract_document(s, KH306)),
    ("retract resolution 15", lambda s: retract_document(s, NQ15)),
    ("symbol of 306 with another type", lambda s: with_triple(s, KH306, "symbol", ox.Literal("306/QĐ-UBND"))),
    ("306 issued by the Party", lambda s: with_triple(s, KH306, "issuedBy", ox.NamedNode(PARTY))),
    ("15 dated after 306", lambda s: with_triple(s, NQ15, "issueDate", ox.Literal("2023-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")))),
]  # fmt: skip
UPDATES: Final = [
    f"DELETE WHERE {{ <{AGENCY}> <{DH.branch}> ?b }}",
    f"DELETE {{ <{AGENCY}> <{DH.adminLevel}> ?l }} INSERT {{ <{AGENCY}> <{DH.adminLevel}> "
    f"<https://w3id.org/vn-directives/code/level/central> }} WHERE {{ <{AGENCY}> <{DH.adminLevel}> ?l }}",
    f"DELETE {{ ?e <{DH.quote}> ?q }} WHERE {{ ?e <{DH.quote}> ?q FILTER(false) }} ; DELETE {{ ?a <{DH.role}> ?r }} "
    f"WHERE {{ ?a <{DH.role}> ?r ; <{DH.assignedTask}> ?t . FILTER(STRSTARTS(STR(?a), '{KH306}')) }}",
    f"DELETE {{ ?a <{DH.assignee}> ?r }} WHERE {{ ?a <{DH.assignee}> ?r FILTER(STRSTARTS(STR(?a), '{KH306}')) }}",
    f"DELETE WHERE {{ ?i <{DH.indicatorOf}> ?d }}",
    f"INSERT {{ ?s <{DH.implements}> ?s }} WHERE {{ ?s <{DH.symbol}> '16-CTr/TU' }}",
]  # fmt: skip


def _check_focus_is_complete(store: GraphStore, change: Change) -> None:
    """Commit ``change``, looking at the full validation once it is applied: every result that differs from the
    full validation before is on a focus node, and the commit's report is the full one on the focus nodes."""
    full_before = keys(validate_store(store))
    focus_before = focus_nodes(store, change)
    seen: dict[str, object] = {}

    def look(stage: str) -> None:
        if stage == "applied":
            seen["full"] = keys(validate_store(store))
            seen["focus"] = focus_nodes(store, change)

    try:
        Writer(store).commit(change, pause=look)
    except ChangeRejected as rejected:
        seen["report"] = rejected.report
    full_after = seen["full"]
    assert isinstance(full_after, Counter)
    focus_after = seen["focus"]
    assert isinstance(focus_after, set)
    assert focus_before is not None
    focus = focus_before | focus_after
    differing = {k[0] for k in (full_after - full_before) + (full_before - full_after)}
    assert differing <= focus, sorted(differing - focus)


@pytest.mark.parametrize("build", [c for _, c in CHANGES], ids=[name for name, _ in CHANGES])
def test_the_focus_nodes_hold_every_result_a_document_change_makes(build: object) -> None:
    store = project()
    assert callable(build)
    _check_focus_is_complete(store, build(store))


@pytest.mark.parametrize("update", UPDATES, ids=range(len(UPDATES)))
def test_the_focus_nodes_hold_every_result_an_update_makes(update: str) -> None:
    from graph_api.update_delta import update_delta

    store = project()
    change = update_delta(store, update)
    assert not change.is_empty
    _check_focus_is_complete(store, change)


def test_a_change_to_the_shapes_is_validated_in_full() -> None:
    store = project()
    shapes = graph_iri("shapes", "structure")
    triple = next(iter(store.triples_in(shapes)))
    result = Writer(store).commit(Change.of({}, {shapes: {triple}}))
    assert result.focus is None
    assert keys(result.report) == keys(validate_store(store))


# -- SPARQL Update through the writer -----------------------------------------------------------------------------


def test_an_update_is_committed_with_its_documents() -> None:
    store = project()
    indicator = next(
        t.subject
        for t in store.triples()
        if t.predicate.value == str(DH.indicatorOf) and isinstance(t.subject, ox.NamedNode)
    )
    label = ox.Literal("nhãn mới", language="vi")
    update = f'INSERT DATA {{ <{indicator.value}> <http://www.w3.org/2004/02/skos/core#altLabel> "nhãn mới"@vi }}'
    result = Writer(store).update(update, about=About("alt label", "curator", ID + "source/000", "đoạn trích"))
    triple = ox.Triple(indicator, ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"), label)
    assert result.change.added == {graph_for(triple): frozenset({triple})}
    assert len(result.change.documents) == 1
    assert result.change.principal == "curator"


def test_a_rejected_update_of_several_operations_leaves_nothing() -> None:
    store = project()
    before = quads(store)
    update = (
        f"DELETE WHERE {{ <{KH306}> <{DH.symbol}> ?s }} ; "
        f"INSERT DATA {{ <{KH306}> <{DH.symbol}> '306/QĐ-UBND' }} ; "
        f"INSERT {{ <{KH306}> <{DH.number}> ?n }} WHERE {{ <{KH306}> <{DH.symbol}> ?s BIND('999' AS ?n) }}"
    )
    staged: list[str] = []
    with pytest.raises(ChangeRejected):
        Writer(store).update(update, pause=staged.append)
    assert staged.count("staged") == 2
    assert quads(store) == before


def test_commit_uses_one_writer_per_store() -> None:
    store = project()
    first = commit(store, with_triple(store, KH306, "number", ox.Literal("306")))
    assert first.number is None  # nothing changed: 306 has that number
    second = commit(
        store,
        with_triple(
            store,
            KH306,
            "periodEndYear",
            ox.Literal("2030", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ),
    )
    assert second.number == 1


def test_readers_of_this_process_wait_for_the_decision() -> None:
    store = project()
    writer = Writer(store)
    events: list[str] = []

    def read() -> None:
        with writer.reading():
            events.append("read")

    def pause(stage: str) -> None:
        if stage == "applied":
            reader = threading.Thread(target=read)
            reader.start()
            reader.join(0.3)
            events.append("decided")
            pause.reader = reader  # type: ignore[attr-defined]

    writer.commit(with_triple(store, KH306, "number", ox.Literal("0306")), pause=pause)
    pause.reader.join(5)  # type: ignore[attr-defined]
    assert events == ["decided", "read"]


def test_a_read_only_store_has_no_writer(tmp_path: Path) -> None:
    GraphStore(tmp_path / "db").close()
    with pytest.raises(UpdateNotAllowed):
        Writer(GraphStore(tmp_path / "db", read_only=True))


# -- the persistent store ---------------------------------------------------------------------------------------

persistent = pytest.mark.embedded_only("journal, manifest and locks of the persistent store")


@pytest.fixture
def settings(project_dirs: Settings, tmp_path: Path) -> Settings:
    return project_dirs.model_copy(update={"store": tmp_path / "store"})


def open_writable(settings: Settings, **options: bool) -> GraphStore:
    assert settings.store is not None
    return open_store(
        settings.store,
        project_sources(settings),
        quad_transform(settings.base_iri),
        base_iri=settings.base_iri,
        rewrites=False,
        progress=False,
        writable=True,
        **options,
    )


def manifest(settings: Settings) -> Manifest:
    assert settings.store is not None
    found = Manifest.read(settings.store)
    assert found is not None
    return found


NEW_TRIPLE: Final = f"<{KH306}> <{DH.number}> '0306'"


@persistent
def test_commits_are_durable_counted_and_seen_by_readers(settings: Settings) -> None:
    store = open_writable(settings)
    assert store_directory(store) == settings.store
    writer = Writer(store)
    before = committed_state(settings.store)
    result = writer.update(f"INSERT DATA {{ {NEW_TRIPLE} }}", about=About("number", "curator"))
    assert result.number == 1
    assert (manifest(settings).changes, manifest(settings).sequence, manifest(settings).pending) == (1, 1, 1)
    assert committed_state(settings.store) != before
    assert settings.store is not None
    assert not (settings.store / JOURNAL).exists()
    store.close()
    del store  # Oxigraph lets go of the database when the object goes
    reader = build_store(settings, progress=False)
    assert reader.read_only
    assert bool(reader.query(f"ASK {{ {NEW_TRIPLE} }}"))
    assert bool(reader.query(f"ASK {{ GRAPH <{AUDIT_GRAPH}> {{ ?c <{DH.changeNumber}> 1 }} }}"))
    reader.close()


@persistent
def test_only_one_process_opens_the_store_for_writing(settings: Settings) -> None:
    store = open_writable(settings)
    done = subprocess.run(
        [sys.executable, "-c", OPENER, json.dumps(_fields(settings))],
        capture_output=True,
        cwd=ROOT,
        env=_env(),
        check=False,
        timeout=120,
    )
    assert done.returncode != 0
    assert b"is open in another process" in done.stderr
    store.close()
    del store  # Oxigraph lets go of the database when the object goes


READER: Final = """
import json, sys
from graph_api.loading import build_store
from graph_api.settings import Settings
build_store(Settings(_env_file=None, **json.loads(sys.argv[1])), progress=False)
"""


@persistent
def test_no_process_reads_the_database_a_writer_has_open(settings: Settings) -> None:
    """Oxigraph's read-only open of a database another process writes is undefined behaviour: refused, naming why."""
    store = open_writable(settings)
    try:
        done = subprocess.run(
            [sys.executable, "-c", READER, json.dumps(_fields(settings))],
            capture_output=True,
            cwd=ROOT,
            env=_env(),
            check=False,
            timeout=120,
        )
    finally:
        store.close()
        del store
    assert done.returncode != 0
    assert b"is open for writing by another process" in done.stderr


@persistent
def test_readers_open_only_at_a_committed_state(settings: Settings) -> None:
    open_writable(settings).close()
    assert settings.store is not None
    lock = wait_for_lock(settings.store / WRITE_LOCK, shared=False, timeout=1)  # as a commit holds it
    opened: list[GraphStore] = []
    opener = threading.Thread(target=lambda: opened.append(build_store(settings, progress=False)))
    opener.start()
    time.sleep(0.3)
    assert not opened, "a reader does not open the database in the middle of a commit"
    lock.release()
    opener.join(10)
    assert opened
    assert opened[0].read_only
    opened[0].close()


@persistent
def test_a_rebuild_is_refused_while_changes_are_not_exported(settings: Settings) -> None:
    store = open_writable(settings)
    Writer(store).update(f"INSERT DATA {{ {NEW_TRIPLE} }}", about=About("number", "curator"))
    store.close()
    del store  # Oxigraph lets go of the database when the object goes
    data = settings.data_dir / "documents.ttl"
    data.write_text(data.read_text(encoding="utf-8") + "\n# edited by hand\n", encoding="utf-8")
    with pytest.raises(UnexportedChanges) as refused:
        build_store(settings, progress=False)
    assert refused.value.count == 1
    assert "graph-api export --data" in str(refused.value)
    # Export the store as it is, then the edited sources are its own: reused, nothing lost.
    assert settings.store is not None
    current = open_current(settings.store)
    export_data(current, settings.data_dir)
    assert current.path is not None
    mark_exported(settings.store, current.path.name, project_sources(settings))
    current.close()
    assert manifest(settings).pending == 0
    reopened = build_store(settings, progress=False)
    assert bool(reopened.query(f"ASK {{ {NEW_TRIPLE} }}"))
    assert bool(reopened.query(f"ASK {{ GRAPH <{AUDIT_GRAPH}> {{ ?c <{DH.changeNumber}> 1 }} }}"))
    reopened.close()
    # A rebuild now keeps the change (it is in the files) and carries the log over.
    rebuilt = build_store(settings, progress=False, reload=True)
    assert bool(rebuilt.query(f"ASK {{ {NEW_TRIPLE} }}"))
    assert bool(rebuilt.query(f"ASK {{ GRAPH <{AUDIT_GRAPH}> {{ ?c <{DH.changeNumber}> 1 }} }}"))
    rebuilt.close()
    assert manifest(settings).sequence == 1


@persistent
def test_discarding_changes_drops_them_and_their_records(settings: Settings) -> None:
    store = open_writable(settings)
    Writer(store).update(f"INSERT DATA {{ {NEW_TRIPLE} }}", about=About("number", "curator"))
    store.close()
    del store  # Oxigraph lets go of the database when the object goes
    with pytest.raises(UnexportedChanges):
        open_writable(settings, rebuild=True)
    rebuilt = open_writable(settings, rebuild=True, discard_changes=True)
    assert not bool(rebuilt.query(f"ASK {{ {NEW_TRIPLE} }}"))
    assert not bool(rebuilt.query(f"ASK {{ GRAPH <{AUDIT_GRAPH}> {{ ?c a <{DH.Change}> }} }}"))
    assert (manifest(settings).sequence, manifest(settings).pending, manifest(settings).changes) == (0, 0, 0)
    result = Writer(rebuilt).update(f"INSERT DATA {{ {NEW_TRIPLE} }}")
    assert result.number == 1
    rebuilt.close()


@persistent
def test_a_commit_to_a_database_no_longer_current_is_rolled_back(settings: Settings) -> None:
    store = open_writable(settings)
    writer = Writer(store)
    before = quads(store)
    assert settings.store is not None
    stale = manifest(settings)
    replace(stale, database="db-elsewhere").write(settings.store)
    with pytest.raises(ConfigError, match="rebuilt"):
        writer.update(f"INSERT DATA {{ {NEW_TRIPLE} }}")
    assert quads(store) == before
    assert not (settings.store / JOURNAL).exists()
    stale.write(settings.store)
    store.close()
    del store  # Oxigraph lets go of the database when the object goes


# -- killed writers -------------------------------------------------------------------------------------------------

OPENER: Final = """
import json, sys
from graph_api.loading import project_sources, quad_transform
from graph_api.persistence import open_store
from graph_api.settings import Settings
settings = Settings(_env_file=None, **json.loads(sys.argv[1]))
open_store(settings.store, project_sources(settings), quad_transform(), base_iri=settings.base_iri, rewrites=False,
           progress=False, writable=True)
"""
#: Opens the store for writing, commits an update and SIGKILLs itself at the point named ``kill_at``: "journaled",
#: "staged", "applied" (inside the commit) or "after" (once the commit returned, before anything is closed).
KILLER: Final = """
import json, os, signal, sys
from graph_api.loading import project_sources, quad_transform
from graph_api.persistence import open_store
from graph_api.settings import Settings
from graph_api.transactions import Writer
args = json.loads(sys.argv[1])
settings = Settings(_env_file=None, **args["settings"])
store = open_store(settings.store, project_sources(settings), quad_transform(), base_iri=settings.base_iri,
                   rewrites=False, progress=False, writable=True)
def pause(stage):
    if stage == args["kill_at"]:
        os.kill(os.getpid(), signal.SIGKILL)
result = Writer(store).update(args["update"], pause=pause)
print("acknowledged", result.number, flush=True)
if args["kill_at"] == "after":
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _fields(settings: Settings) -> dict[str, str]:
    return {
        name: str(getattr(settings, name))
        for name in ("ontology_dir", "data_dir", "shapes_dir", "queries_dir", "store")
    }


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}


def _kill_during(settings: Settings, update: str, kill_at: str) -> subprocess.CompletedProcess[bytes]:
    args = json.dumps({"settings": _fields(settings), "update": update, "kill_at": kill_at})
    return subprocess.run(
        [sys.executable, "-c", KILLER, args], capture_output=True, cwd=ROOT, env=_env(), timeout=120, check=False
    )


MULTI: Final = (
    f"INSERT DATA {{ {NEW_TRIPLE} }} ; DELETE WHERE {{ <{KH306}> <{DH.symbol}> ?s }} ; "
    f"INSERT {{ ?d <{DH.note}> 'seen' }} WHERE {{ ?d <{DH.number}> ?n }}"
)


def snapshot(settings: Settings) -> tuple[list[str], Manifest]:
    """The quads and the manifest of the store, opened for writing and closed again (the process lets go of it)."""
    store = open_writable(settings)
    found = quads(store)
    store.close()
    del store  # Oxigraph lets go of the database when the object goes
    return found, manifest(settings)


@persistent
@pytest.mark.parametrize("kill_at", ["journaled", "staged", "applied"])
def test_a_write_killed_half_way_leaves_no_trace(settings: Settings, kill_at: str) -> None:
    before, counters = snapshot(settings)
    done = _kill_during(settings, MULTI, kill_at)
    assert done.returncode == -9, done.stderr.decode()
    assert b"acknowledged" not in done.stdout
    assert settings.store is not None
    assert (settings.store / JOURNAL).exists(), "the process died with its journal on disk"
    after, counters_after = snapshot(settings)
    assert after == before
    assert not (settings.store / JOURNAL).exists()
    assert (counters_after.changes, counters_after.sequence) == (counters.changes, counters.sequence)


@persistent
def test_an_acknowledged_write_survives_a_kill(settings: Settings) -> None:
    before, _ = snapshot(settings)
    done = _kill_during(settings, MULTI, "after")
    assert done.returncode == -9, done.stderr.decode()
    assert b"acknowledged 1" in done.stdout
    after, counters = snapshot(settings)
    assert f"{NEW_TRIPLE.replace(chr(39), chr(34))} <{graph_iri('data', 'documents')}>" in after
    assert not any(f"<{KH306}> <{DH.symbol}>" in quad for quad in after)
    assert len([q for q in after if str(DH.note) in q]) > 5
    assert after != before
    assert (counters.changes, counters.sequence) == (1, 1)


def test_store_busy_names_the_wait(tmp_path: Path) -> None:
    held = wait_for_lock(tmp_path / WRITE_LOCK, shared=False, timeout=1)
    with pytest.raises(StoreBusy) as busy:
        wait_for_lock(tmp_path / WRITE_LOCK, shared=True, timeout=0.1)
    assert busy.value.status == 503
    assert busy.value.headers() == {"Retry-After": "1"}
    held.release()


def test_validate_focus_of_a_commit_is_the_full_report_on_its_nodes() -> None:
    store = project()
    result = Writer(store).commit(retract_document(store, KH306))
    assert result.focus is not None
    assert keys(validate_focus(store, result.focus)) == keys(validate_store(store), result.focus)


# -- conditional writes ----------------------------------------------------------------------------------------------


def test_a_conditional_write_is_refused_when_the_document_changed() -> None:
    store = project()
    writer = Writer(store)
    seen = version(store, KH306)
    assert seen == version(store, KH306)
    writer.commit(
        lambda s: with_triple(s, KH306, "number", ox.Literal("0306")), precondition=expect_version(KH306, seen)
    )
    assert version(store, KH306) != seen
    with pytest.raises(PreconditionFailed) as failed:
        writer.commit(lambda s: retract_document(s, KH306), precondition=expect_version(KH306, seen))
    assert failed.value.status == 412
    assert failed.value.current == version(store, KH306)
    assert bool(store.query(f"ASK {{ <{KH306}> a ?type }}")), "the loser changed nothing"


@persistent
def test_a_journal_of_another_database_is_dropped_and_a_damaged_one_refused(settings: Settings) -> None:
    open_writable(settings).close()
    assert settings.store is not None
    undo = Change.of(
        {graph_iri("data", "documents"): {ox.Triple(ox.NamedNode(KH306), ox.NamedNode(str(DH.note)), ox.Literal("x"))}},
        {},
    )
    journal.write(settings.store, journal.Entry("db-gone", undo, {"changes": 0, "sequence": 0}))
    found, _ = snapshot(settings)
    assert not any(str(DH.note) in q for q in found)
    assert not (settings.store / JOURNAL).exists()
    (settings.store / JOURNAL).write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="journal"):
        open_writable(settings)


def test_a_rolled_back_stale_change_undoes_only_what_it_did() -> None:
    """A change computed before another commit adds a triple that commit added too: rolling it back keeps it."""
    store = project()
    documents = graph_iri("data", "documents")
    year = ox.Literal("2030", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    number = ox.Triple(ox.NamedNode(KH306), ox.NamedNode(str(DH.periodEndYear)), year)
    wrong = ox.Triple(ox.NamedNode(KH306), ox.NamedNode(str(DH.symbol)), ox.Literal("306/QĐ-UBND"))
    stale = Change.of({documents: {number, wrong}}, {}, documents={KH306})
    Writer(store).commit(Change.of({documents: {number}}, {}))
    before = quads(store)
    with pytest.raises(ChangeRejected):
        Writer(store).commit(stale)
    assert quads(store) == before


def test_the_gate_lets_waiting_readers_in_between_back_to_back_commits() -> None:
    """Phase-fair: readers that waited for a commit go in before the next one, and a waiting commit goes before
    readers that come later."""
    import threading
    import time

    from graph_api.transactions import _Gate

    gate = _Gate()
    order: list[str] = []
    first_writing = threading.Event()
    release_first = threading.Event()

    def first_writer() -> None:
        with gate.write():
            first_writing.set()
            release_first.wait(5)
            order.append("w1")

    def second_writer() -> None:
        with gate.write():
            order.append("w2")

    def reader() -> None:
        with gate.read():
            order.append("r")

    threads = [threading.Thread(target=first_writer)]
    threads[0].start()
    first_writing.wait(5)
    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    time.sleep(0.05)  # the readers are waiting for the first commit
    threads.append(threading.Thread(target=second_writer))
    threads[1].start()
    time.sleep(0.05)  # and so is the second commit
    release_first.set()
    for thread in [*threads, *readers]:
        thread.join(5)
    assert order == ["w1", "r", "r", "r", "w2"]
