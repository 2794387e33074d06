from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from graph_api import settings as settings_module
from graph_api.iris import DEFAULT_BASE
from graph_api.settings import Settings, default_store_dir, get_settings, resource_dir

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_find_the_project_at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GRAPH_API_STORE", "GRAPH_API_BASE_IRI", "GRAPH_API_ONTOLOGY_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.base_iri == DEFAULT_BASE
    assert settings.store == ROOT / "var" / "store"
    assert settings.ontology_dir == ROOT / "ontology"
    assert (settings.ontology_dir / "directives.ttl").is_file()
    assert settings.query_timeout == 30.0


@pytest.mark.parametrize("value", [":memory:", ""])
def test_the_store_can_be_kept_in_memory(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("GRAPH_API_STORE", value)
    assert Settings(_env_file=None).store is None
    assert Settings(_env_file=None, store=None).store is None


def test_default_store_dir_outside_a_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(settings_module, "_PACKAGE_DIR", tmp_path / "site-packages" / "graph_api")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_dir() == tmp_path / "data" / "graph-api" / "store"


def test_resource_dir_falls_back_to_packaged_resources() -> None:
    assert resource_dir("ontology") == ROOT / "ontology"
    assert resource_dir("no-such-dir").parts[-3:] == ("graph_api", "resources", "no-such-dir")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRAPH_API_BASE_IRI", "http://example.org/id/")
    monkeypatch.setenv("GRAPH_API_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("GRAPH_API_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("GRAPH_API_EXTRA_FILES", '["a.ttl", "b.nt"]')
    settings = Settings(_env_file=None)
    assert settings.base_iri == "http://example.org/id/"
    assert settings.store == tmp_path / "store"
    assert settings.query_timeout == 2.5
    assert settings.extra_files == [Path("a.ttl"), Path("b.nt")]


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="base_iri"):
        Settings(base_iri="http://example.org/id", _env_file=None)
    with pytest.raises(ValidationError, match="query_timeout"):
        Settings(query_timeout=0, _env_file=None)


def test_get_settings_is_cached() -> None:
    get_settings.cache_clear()
    try:
        assert get_settings() is get_settings()
    finally:
        get_settings.cache_clear()


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    grouped = {
        "ontology_dir",
        "data_dir",
        "shapes_dir",
        "queries_dir",
    }  # one row: `GRAPH_API_ONTOLOGY_DIR`, `…_DATA_DIR`
    for name in Settings.model_fields:
        documented = f"`GRAPH_API_{name.upper()}`" in readme or (name in grouped and f"_{name.upper()}`" in readme)
        assert documented, f"GRAPH_API_{name.upper()} is not in README.md"


def test_every_command_is_documented_in_the_readme() -> None:
    from graph_api.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        assert f"graph-api {name}" in readme, f"'graph-api {name}' is not in README.md"
