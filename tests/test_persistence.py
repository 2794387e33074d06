"""The persistent store directory: reuse while the sources are unchanged, atomic rebuilds, readers and builders."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from conftest import NQ15, PREFIXES, LiveService

import graph_api.bulk
import graph_api.persistence
from graph_api.errors import ConfigError
from graph_api.loading import build_store
from graph_api.locks import FileLock
from graph_api.persistence import BUILD_LOCK, MANIFEST, SCHEMA, Manifest
from graph_api.resolve import resolve
from graph_api.store import GraphStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from graph_api.settings import Settings

pytestmark = pytest.mark.embedded_only("directories, manifests and database swaps of the persistent store")


ALT_BASE = "http://example.org/vn/"


@pytest.fixture
def settings(project_dirs: Settings, tmp_path: Path) -> Settings:
    return project_dirs.model_copy(update={"store": tmp_path / "store"})


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds (each parses and loads every file) that open_store makes."""
    calls: list[int] = []
    real = graph_api.persistence.bulk_load

    def counting(*args: object, **kwargs: object) -> list[graph_api.bulk.LoadedFile]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(graph_api.persistence, "bulk_load", counting)
    return calls


def databases(settings: Settings) -> list[str]:
    assert settings.store is not None
    return sorted(p.name for p in settings.store.iterdir() if p.name.startswith("db-") and p.is_dir())


def current(settings: Settings) -> Manifest:
    assert settings.store is not None
    manifest = Manifest.read(settings.store)
    assert manifest is not None
    return manifest


def has_nq15(store: GraphStore) -> bool:
    return bool(store.query(f"ASK {{ <{NQ15}> ?p ?o }}"))


def opened(settings: Settings, **options: bool) -> GraphStore:
    return build_store(settings, progress=False, **options)


def test_first_open_builds_and_records_the_sources(settings: Settings, builds: list[int]) -> None:
    store = opened(settings)
    assert builds == [1]
    assert store.read_only
    assert resolve(store, "15-NQ/TW") == [NQ15]
    manifest = current(settings)
    assert store.path == settings.store / manifest.database  # type: ignore[operator]
    assert (manifest.schema, manifest.base_iri, manifest.quads) == (SCHEMA, settings.base_iri, len(store))
    data = settings.data_dir / "documents.ttl"
    record = next(r for r in manifest.sources if r.kind == "data")
    assert record.path == str(data.resolve())
    assert (record.size, record.sha256) == (data.stat().st_size, hashlib.sha256(data.read_bytes()).hexdigest())
    assert [r.kind for r in manifest.sources] == ["ontology", "data"]
    store.close()


def test_unchanged_sources_are_reused_without_parsing(settings: Settings, builds: list[int]) -> None:
    opened(settings).close()
    before = current(settings)
    started = time.perf_counter()
    again = opened(settings)
    elapsed = time.perf_counter() - started
    assert builds == [1], "nothing was parsed the second time"
    assert current(settings) == before
    assert resolve(again, "15-NQ/TW") == [NQ15]
    assert elapsed < 1.0
    again.close()


def test_a_changed_data_file_rebuilds_the_store(settings: Settings, builds: list[int]) -> None:
    first = opened(settings)
    size = len(first)
    first.close()
    old = current(settings).database
    (settings.data_dir / "documents.ttl").write_text(PREFIXES, encoding="utf-8")
    second = opened(settings)
    assert builds == [1, 1]
    assert len(second) < size
    assert not has_nq15(second)
    assert databases(settings) == [current(settings).database] != [old], "the old database was removed"
    second.close()


def test_a_new_file_rebuilds_the_store(settings: Settings, builds: list[int]) -> None:
    opened(settings).close()
    (settings.data_dir / "more.ttl").write_text(PREFIXES + "<x> a <y> .\n", encoding="utf-8")
    store = opened(settings)
    assert builds == [1, 1]
    assert [r.kind for r in current(settings).sources] == ["ontology", "data", "data"]
    store.close()


def test_a_changed_base_iri_rebuilds_the_store(settings: Settings, builds: list[int]) -> None:
    opened(settings).close()
    rebased = opened(settings.model_copy(update={"base_iri": ALT_BASE}))
    assert builds == [1, 1]
    assert resolve(rebased, "15-NQ/TW") == [NQ15.replace("https://w3id.org/vn-directives/id/", ALT_BASE)]
    assert current(settings).base_iri == ALT_BASE
    rebased.close()


def _remove(directory: Path) -> None:
    (directory / MANIFEST).unlink()


def _other_schema(directory: Path) -> None:
    data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    (directory / MANIFEST).write_text(json.dumps(data | {"schema": SCHEMA + 1}), encoding="utf-8")


def _other_oxigraph(directory: Path) -> None:
    data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    (directory / MANIFEST).write_text(json.dumps(data | {"oxigraph": "0.0.1"}), encoding="utf-8")


def _garbled(directory: Path) -> None:
    (directory / MANIFEST).write_text("{not json", encoding="utf-8")


@pytest.mark.parametrize("damage", [_remove, _other_schema, _other_oxigraph, _garbled])
def test_missing_or_foreign_metadata_rebuilds_the_store(
    settings: Settings, builds: list[int], damage: Callable[[Path], None]
) -> None:
    opened(settings).close()
    assert settings.store is not None
    damage(settings.store)
    store = opened(settings)
    assert builds == [1, 1]
    assert resolve(store, "15-NQ/TW") == [NQ15]
    assert databases(settings) == [current(settings).database], "the orphaned database was removed"
    store.close()


def test_load_rebuilds_even_when_nothing_changed(settings: Settings, builds: list[int]) -> None:
    opened(settings).close()
    old = current(settings).database
    opened(settings, reload=True).close()
    assert builds == [1, 1]
    assert current(settings).database != old


@pytest.mark.parametrize("interruption", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_an_interrupted_build_leaves_the_previous_store_intact(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, interruption: BaseException
) -> None:
    opened(settings).close()
    before = current(settings)
    real = graph_api.bulk._load_one
    seen: list[str] = []

    def failing_after_the_first_file(*args: object, **kwargs: object) -> graph_api.bulk.LoadedFile:
        if seen:
            raise interruption
        loaded = real(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(loaded.source.path.name)
        return loaded

    monkeypatch.setattr(graph_api.bulk, "_load_one", failing_after_the_first_file)
    (settings.data_dir / "documents.ttl").write_text(PREFIXES, encoding="utf-8")  # a rebuild is due
    with pytest.raises(type(interruption)):
        opened(settings)
    assert seen == ["directives.ttl"], "the build failed half-way"
    assert current(settings) == before
    assert databases(settings) == [before.database], "the half-built database is gone"
    assert settings.store is not None
    with GraphStore(settings.store / before.database, read_only=True) as previous:
        assert resolve(previous, "15-NQ/TW") == [NQ15], "the previous database is still readable"


def test_the_previous_database_is_usable_after_an_interrupted_build(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened(settings).close()
    data = settings.data_dir / "documents.ttl"
    original = data.read_bytes()
    data.write_text(PREFIXES, encoding="utf-8")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(graph_api.bulk, "_load_one", crash)
    with pytest.raises(RuntimeError):
        opened(settings)
    data.write_bytes(original)  # the sources are those of the previous build again: it is reused
    store = opened(settings)
    assert resolve(store, "15-NQ/TW") == [NQ15]
    store.close()


def test_a_database_left_by_a_killed_build_is_ignored_then_removed(settings: Settings) -> None:
    opened(settings).close()
    assert settings.store is not None
    half = settings.store / "db-19700101T000000-1-000000"
    half.mkdir()
    (half / "000001.sst").write_bytes(b"half written")
    reused = opened(settings)
    assert reused.path is not None
    assert reused.path.name == current(settings).database != half.name
    reused.close()
    opened(settings, reload=True).close()
    assert not half.exists()


def test_a_database_still_read_is_kept_until_its_reader_closes(settings: Settings) -> None:
    reader = opened(settings)
    assert reader.path is not None
    (settings.data_dir / "documents.ttl").write_text(PREFIXES, encoding="utf-8")
    newer = opened(settings)
    assert reader.path.is_dir(), "a running process still reads it"
    assert resolve(reader, "15-NQ/TW") == [NQ15]
    assert not has_nq15(newer)
    reader.close()
    opened(settings, reload=True).close()
    assert not reader.path.exists()
    newer.close()


def test_two_readers_share_one_database(settings: Settings, builds: list[int]) -> None:
    one, two = opened(settings), opened(settings)
    assert builds == [1]
    assert one.path == two.path
    assert resolve(one, "15-NQ/TW") == resolve(two, "15-NQ/TW") == [NQ15]
    one.close()
    two.close()


def test_a_second_build_at_the_same_time_is_refused_naming_the_builder(settings: Settings) -> None:
    assert settings.store is not None
    settings.store.mkdir()
    with (
        FileLock.acquire(settings.store / BUILD_LOCK, shared=False, note="pid 4242, since now"),
        pytest.raises(ConfigError, match=r"being built by another process \(pid 4242, since now\)"),
    ):
        opened(settings)
    opened(settings).close()  # the lock is released: the build goes ahead


def test_a_directory_that_is_not_a_store_is_refused(settings: Settings) -> None:
    assert settings.store is not None
    settings.store.mkdir()
    (settings.store / "CURRENT").write_text("MANIFEST-000001\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a graph-api store directory"):
        opened(settings)
    (settings.store / "CURRENT").unlink()
    (settings.store / ".keep").write_text("", encoding="utf-8")  # hidden files are allowed
    opened(settings).close()


def test_a_file_where_the_directory_should_be_is_refused(settings: Settings) -> None:
    assert settings.store is not None
    settings.store.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a directory"):
        opened(settings)


# -- the service over a store directory ------------------------------------------------------------------------


def _answers(service: LiveService) -> None:
    query = 'SELECT ?d { ?d <https://w3id.org/vn-directives/ontology#symbol> "15-NQ/TW" }'
    found = httpx.get(service.sparql, params={"query": query}, timeout=30).json()["results"]["bindings"]
    assert [row["d"]["value"] for row in found] == [NQ15]
    documents = httpx.get(service.url + "/documents", params={"limit": 1}, timeout=30).json()
    assert documents["total"] > 1


def test_serve_answers_from_its_store_directory(project_service: LiveService) -> None:
    _answers(project_service)
    manifest = Manifest.read(Path(project_service.store))
    assert manifest is not None
    assert f"from {Path(project_service.store) / manifest.database}" in project_service.log.read_text("utf-8")


def test_a_second_serve_reuses_the_same_store_directory(
    project_service: LiveService, live_service: Callable[..., LiveService]
) -> None:
    before = Manifest.read(Path(project_service.store))
    second = live_service(env={"GRAPH_API_STORE": project_service.store})
    assert second.process.pid != project_service.process.pid
    _answers(second)
    _answers(project_service)
    assert Manifest.read(Path(project_service.store)) == before, "reused, not rebuilt"


def test_serve_in_memory(project_service: LiveService, live_service: Callable[..., LiveService]) -> None:
    service = live_service("--in-memory")
    _answers(service)
    assert "in memory" in service.log.read_text("utf-8")
    health = [httpx.get(s.url + "/health", timeout=30).json()["quads"] for s in (service, project_service)]
    assert health[0] == health[1]
