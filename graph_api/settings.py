"""Settings, read from ``GRAPH_API_*`` environment variables (and a ``.env`` file), in one class.

The project graph (``ontology/``, ``data/``, ``shapes/``, ``queries/``) is found at the repository root in a source
checkout or an editable install, and in ``graph_api/resources/`` inside an installed wheel. The persistent store
defaults to ``var/store`` in a checkout and to the user's data directory otherwise (:func:`default_store_dir`);
``GRAPH_API_STORE=:memory:`` keeps the store in memory.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph_api.iris import DEFAULT_BASE

_PACKAGE_DIR = Path(__file__).resolve().parent


def _checkout() -> Path | None:
    root = _PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None


def resource_dir(name: str) -> Path:
    """Directory ``name`` of the project graph: the repository's when running from a checkout, else the wheel's."""
    checkout = _checkout()
    if checkout is not None and (checkout / name).is_dir():
        return checkout / name
    return _PACKAGE_DIR / "resources" / name


#: The value of ``GRAPH_API_STORE`` (or ``--store``) that keeps the store in memory.
IN_MEMORY: Final = ":memory:"


def default_store_dir() -> Path:
    """``var/store`` in a source checkout; else ``graph-api/store`` in the platform's per-user data directory
    (``$XDG_DATA_HOME`` or ``~/.local/share``, ``~/Library/Application Support``, ``%LOCALAPPDATA%``)."""
    checkout = _checkout()
    if checkout is not None:
        return checkout / "var" / "store"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "graph-api" / "store"


class Settings(BaseSettings):
    """Everything that can be configured; each field is ``GRAPH_API_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="GRAPH_API_", env_file=".env", extra="ignore")

    base_iri: str = DEFAULT_BASE
    store: Path | None = Field(
        default_factory=default_store_dir,
        description=f"Persistent store directory (reused while its sources are unchanged); {IN_MEMORY!r} or None "
        "keeps the store in memory.",
    )
    backend: Literal["embedded", "server"] = Field(
        default="embedded",
        description="Where the quads live: 'embedded' (a pyoxigraph store in this process, see store) or 'server' "
        "(a SPARQL 1.1 server at server_url, shared by any number of API processes; docs/deployment.md).",
    )
    server_url: str = Field(
        default="http://127.0.0.1:7878",
        description="Base URL of the SPARQL server of the 'server' backend (Oxigraph's /query, /update, /store).",
    )
    server_load: Literal["auto", "never"] = Field(
        default="auto",
        description="'auto': load the files into the server unless it already holds exactly them (a manifest kept "
        "in the server says so); 'never': serve what the server holds, as `graph-api load` left it.",
    )
    ontology_dir: Path = Field(default_factory=lambda: resource_dir("ontology"))
    data_dir: Path = Field(default_factory=lambda: resource_dir("data"))
    shapes_dir: Path = Field(default_factory=lambda: resource_dir("shapes"))
    queries_dir: Path = Field(default_factory=lambda: resource_dir("queries"))
    load_project: bool = Field(default=True, description="Load ontology/, data/ and shapes/ into the store.")
    extra_files: list[Path] = Field(default_factory=list, description="More RDF files to serve, one graph each.")
    named_graph_files: dict[str, Path] = Field(
        default_factory=dict,
        description="RDF files to serve in the named graph given as key (an IRI); these graphs are not part of the "
        "default graph (query them with GRAPH or default-graph-uri). JSON object in the environment.",
    )
    query_timeout: float = Field(default=30.0, gt=0)
    query_workers: int = Field(default=2, ge=1, le=64, description="Worker processes that run SPARQL queries.")
    inline_query_ms: float = Field(
        default=5.0,
        ge=0,
        description="A query the worker pool has answered in less than this many milliseconds is run in the server "
        "process from then on, until the store changes (no round trip to a worker); 0: always in the pool. Only "
        "for the embedded store with writes disabled.",
    )
    query_memory_mb: int | None = Field(
        default=None,
        ge=0,
        description="Memory in MB that the query workers' in-memory copies of an on-disk store's default graph may "
        "take together. The workers start on the store on disk and, when the copies fit (about 400 bytes a "
        "triple), are replaced one at a time in the background by workers that also hold the default graph in "
        "memory and answer from it every query that names no graph (heavy queries up to six times faster). Unset: "
        "a quarter of the machine's memory; 0: never. Only for the embedded store with writes disabled.",
    )
    max_rows: int = Field(default=100_000, gt=0)
    max_body_bytes: int = Field(default=1_048_576, gt=0, description="Largest HTTP request body accepted.")
    max_query_chars: int = Field(
        default=100_000,
        gt=0,
        description="Longest SPARQL query accepted by /sparql (GET or POST), and longest total of the parameter "
        "values of a /queries/{name} request, in characters; more is a 400.",
    )
    max_concurrent_per_client: int = Field(
        default=4,
        ge=1,
        description="Queries (/sparql, /queries/{name}) one client address may have running at once; one more is a "
        "429 with Retry-After.",
    )
    allow_service: bool = Field(
        default=False,
        description="Let /sparql queries use SERVICE (federated query): the service then fetches any URL a query "
        "names. Off: such a query is a 400.",
    )
    allow_load: bool = Field(
        default=False,
        description="Let SPARQL Update use LOAD <url> (the service would fetch the URL). Off: such an update is "
        "refused.",
    )
    write_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that allows writes (POST/PUT/DELETE /documents, SPARQL Update on /sparql), recorded "
        "in the audit trail as write_principal. None (and no write_tokens): writes are disabled (403).",
    )
    write_principal: str = Field(
        default="curator",
        min_length=1,
        description="Who writes with write_token: the principal the audit trail records (prov:wasAssociatedWith).",
    )
    write_tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="More curators, each with a token of their own: a JSON object principal -> token; the audit "
        "trail records the principal whose token a write carries.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    @property
    def writes_enabled(self) -> bool:
        """Whether any write token is configured (else every write is refused with 403)."""
        return self.write_token is not None or bool(self.write_tokens)

    def principals(self) -> dict[str, str]:
        """Each write token (its secret value) -> the principal it writes as."""
        found = {token.get_secret_value(): principal for principal, token in self.write_tokens.items()}
        if self.write_token is not None:
            found[self.write_token.get_secret_value()] = self.write_principal
        return found

    @field_validator("store", mode="before")
    @classmethod
    def _in_memory(cls, value: Any) -> Any:
        return None if value is None or str(value) in (IN_MEMORY, "") else value

    @field_validator("write_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: Any) -> Any:
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("write_tokens")
    @classmethod
    def _tokens_not_empty(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        if any(not token.get_secret_value().strip() or not principal.strip() for principal, token in value.items()):
            raise ValueError("write_tokens: every principal and token must be non-empty")
        return value

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_separator(cls, value: str) -> str:
        if not value.endswith(("/", "#")):
            raise ValueError("base_iri must end with '/' or '#'")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
