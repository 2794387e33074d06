"""Shared fixtures: a small graph written by hand after docs/model.md, loaded with the real ontology.

``GRAPH_API_TEST_BACKEND=server`` runs the suite against the 'server' backend: every store the fixtures and
:func:`new_store` make is a SPARQL server's (an ``oxigraph serve`` of its own on 127.0.0.1, :mod:`servers`), every
``Settings`` read from the environment says ``backend=server`` with a server of the test module's own, and the
services started by ``live_service`` load into a server of their own. Tests marked ``embedded_only`` (persistent
store directories, bulk loading into a pyoxigraph store, worker snapshots, file locks) are skipped then.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx
import pytest
from servers import QUERY_TIMEOUT, OxigraphServer, stop_all

from graph_api.settings import Settings, resource_dir
from graph_api.store import GraphStore, Source

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = resource_dir("ontology") / "directives.ttl"

PREFIXES = """
@base <https://w3id.org/vn-directives/id/> .
@prefix dh:      <https://w3id.org/vn-directives/ontology#> .
@prefix dtype:   <https://w3id.org/vn-directives/code/doc-type/> .
@prefix icode:   <https://w3id.org/vn-directives/code/issuer-code/> .
@prefix cert:    <https://w3id.org/vn-directives/code/certainty/> .
@prefix level:   <https://w3id.org/vn-directives/code/level/> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
"""

NQ15 = "https://w3id.org/vn-directives/id/document/bo-chinh-tri/nq/2022/15"
CTR16 = "https://w3id.org/vn-directives/id/document/thanh-uy-ha-noi/ctr/2022/16"
CTR12 = "https://w3id.org/vn-directives/id/document/quan-uy-cau-giay/ctr/2022/12"
KH306 = "https://w3id.org/vn-directives/id/document/ubnd-thanh-pho-ha-noi/kh/2022/306"
CTR08 = "https://w3id.org/vn-directives/id/document/ubnd-thanh-pho-ha-noi/ctr/2025/08"
KH355 = "https://w3id.org/vn-directives/id/document/thanh-uy-ha-noi/kh/2025/355"
CTR06_HN = "https://w3id.org/vn-directives/id/document/thanh-uy-ha-noi/ctr/2021/06"
CTR06_HP = "https://w3id.org/vn-directives/id/document/thanh-uy-hai-phong/ctr/2021/06"
QUOTE_306 = "Kế hoạch số 306/KH-UBND triển khai thực hiện Chương trình hành động số 16-CTr/TU"

#: Five documents of the seeds and their relations, with one statement + evidence per relation.
DOCUMENTS_TTL = (
    PREFIXES
    + f"""
<source/000> a dh:Source ; dh:seedFile "000.txt" .

<document/bo-chinh-tri/nq/2022/15> a dh:Resolution ;
    dh:symbol "15-NQ/TW" ; dh:number "15" ; dh:documentType dtype:NQ ; dh:issuerCode icode:TW ;
    dh:title "Nghị quyết về phương hướng, nhiệm vụ phát triển Thủ đô Hà Nội"@vi ;
    dh:issueDate "2022-05-05"^^xsd:date .

<document/thanh-uy-ha-noi/ctr/2022/16> a dh:ActionProgramme ;
    dh:symbol "16-CTr/TU" ; dh:number "16" ; dh:documentType dtype:CTr ; dh:issuerCode icode:TU ;
    dh:issueDate "2022-08-26"^^xsd:date ;
    dh:implements <document/bo-chinh-tri/nq/2022/15> .

<document/quan-uy-cau-giay/ctr/2022/12> a dh:ActionProgramme ;
    dh:symbol "12-CTr/QU" ; dh:number "12" ; dh:documentType dtype:CTr ; dh:issuerCode icode:QU ;
    dh:implements <document/bo-chinh-tri/nq/2022/15> ;
    dh:basedOn <document/thanh-uy-ha-noi/ctr/2022/16> .

<document/ubnd-thanh-pho-ha-noi/kh/2022/306> a dh:ImplementationPlan ;
    dh:symbol "306/KH-UBND" ; dh:number "306" ; dh:documentType dtype:KH ; dh:issuerCode icode:UBND ;
    dh:issueDate "2022-11-30"^^xsd:date ;
    dh:implements <document/thanh-uy-ha-noi/ctr/2022/16> .

<document/thanh-uy-ha-noi/kh/2025/355> a dh:ImplementationPlan ;
    dh:symbol "355-KH/TU" ; dh:number "355" ; dh:documentType dtype:KH ; dh:issuerCode icode:TU ;
    dh:issueDate "2025-07-25"^^xsd:date .

<document/ubnd-thanh-pho-ha-noi/ctr/2025/08> a dh:ActionProgramme ;
    dh:symbol "08/CTr-UBND" ; dh:number "08" ; dh:documentType dtype:CTr ; dh:issuerCode icode:UBND ;
    dh:issueDate "2025-08-25"^^xsd:date ;
    dh:implements <document/thanh-uy-ha-noi/kh/2025/355> ;
    dh:contributesTo <document/bo-chinh-tri/nq/2022/15> .

# The same symbol in two provinces: identity is issuer + type + number + year, never the symbol.
<document/thanh-uy-ha-noi/ctr/2021/06> a dh:ActionProgramme ;
    dh:symbol "06-CTr/TU" ; dh:number "06" ; dh:documentType dtype:CTr ; dh:issuerCode icode:TU .
<document/thanh-uy-hai-phong/ctr/2021/06> a dh:ActionProgramme ;
    dh:symbol "06-CTr/TU" ; dh:number "06" ; dh:documentType dtype:CTr ; dh:issuerCode icode:TU .

<document/ubnd-thanh-pho-ha-noi/kh/2022/306/statement/implements/16-ctr-tu> a dh:Statement ;
    rdf:subject <document/ubnd-thanh-pho-ha-noi/kh/2022/306> ;
    rdf:predicate dh:implements ;
    rdf:object <document/thanh-uy-ha-noi/ctr/2022/16> ;
    dh:certainty cert:stated ;
    dh:evidence <evidence/000-5f0b6c1a2e> .

<evidence/000-5f0b6c1a2e> a dh:Evidence ;
    dh:source <source/000> ;
    dh:quote "{QUOTE_306}"@vi .
"""
)


#: The backend under test: ``embedded`` (pyoxigraph in this process) or ``server`` (an Oxigraph server per store).
BACKEND: Final = os.environ.get("GRAPH_API_TEST_BACKEND", "embedded")
if BACKEND not in ("embedded", "server"):
    raise RuntimeError(f"GRAPH_API_TEST_BACKEND must be embedded or server, not {BACKEND!r}")
SERVER: Final = BACKEND == "server"


def pytest_report_header() -> str:
    return f"graph_api backend under test: {BACKEND}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under the server backend, skip the tests of the embedded store only, with their reason."""
    if not SERVER:
        return
    for item in items:
        marker = item.get_closest_marker("embedded_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "a test of the embedded store"
            item.add_marker(pytest.mark.skip(reason=f"embedded backend only: {reason}"))


def new_store(*, timeout: float | None = QUERY_TIMEOUT) -> GraphStore:
    """An empty, writable store of the backend under test: in memory, or a new Oxigraph server's (which abandons a
    query after ``timeout`` seconds, and is stopped when the store is dropped)."""
    if not SERVER:
        return GraphStore()
    server = OxigraphServer(timeout=timeout)
    store = GraphStore.remote(server.url)
    weakref.finalize(store.oxigraph, server.stop)
    return store


def server_settings() -> tuple[dict[str, Any], Callable[[], None]]:
    """Settings fields that give a new server of its own (none for the embedded backend), and how to stop it."""
    if not SERVER:
        return {}, lambda: None
    server = OxigraphServer()
    return {"backend": "server", "server_url": server.url}, server.stop


@pytest.fixture(scope="session", autouse=True)
def _store_in_memory_by_default() -> Iterator[None]:
    """Settings read from the environment keep the store in memory, so that no test writes the repository's
    var/store; tests of the persistent store give a temporary directory. Under the server backend they name a
    server, and every server still running is stopped at the end."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRAPH_API_STORE", ":memory:")
        fields, stop = server_settings()
        for name, value in fields.items():
            patch.setenv(f"GRAPH_API_{name.upper()}", value)
        try:
            yield
        finally:
            stop()
            stop_all()


@pytest.fixture(scope="module", autouse=True)
def _server_per_module() -> Iterator[None]:
    """Under the server backend, Settings read from the environment name a server of this test module's own, so
    that modules loading different files never share one."""
    fields, stop = server_settings()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in fields.items():
            patch.setenv(f"GRAPH_API_{name.upper()}", value)
        try:
            yield
        finally:
            stop()


def make_store(*texts: str, ontology: bool = True) -> GraphStore:
    """A store of the backend under test with the real ontology and the given Turtle texts as data files."""
    store = new_store()
    if ontology:
        store.load([Source(ONTOLOGY, "ontology")], progress=False)
    for number, text in enumerate(texts):
        store.load_text(text, name=f"fixture-{number}.ttl")
    return store


@pytest.fixture(scope="session")
def documents_store() -> GraphStore:
    """The five-document fixture graph; session-scoped, so tests must not change it."""
    return make_store(DOCUMENTS_TTL)


@pytest.fixture
def project_dirs(tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at a temporary project: the real ontology and the fixture data, no shapes (and, under the
    server backend, a server of the test's own)."""
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "directives.ttl").write_bytes(ONTOLOGY.read_bytes())
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "documents.ttl").write_text(DOCUMENTS_TTL, encoding="utf-8")
    (tmp_path / "shapes").mkdir()
    (tmp_path / "queries").mkdir()
    fields, stop = server_settings()
    yield Settings(
        ontology_dir=tmp_path / "ontology",
        data_dir=tmp_path / "data",
        shapes_dir=tmp_path / "shapes",
        queries_dir=tmp_path / "queries",
        _env_file=None,
        **fields,
    )
    stop()


def project_has_data() -> bool:
    return any((ROOT / "data").glob("*.ttl"))


@pytest.fixture(scope="session")
def project_store() -> GraphStore:
    """The repository's own graph (ontology + data + shapes); skips the test while data/ has no Turtle file."""
    if not project_has_data():
        pytest.skip("data/ has no .ttl file yet")
    from graph_api.loading import build_store

    fields, _ = server_settings()  # stopped with the others at the end of the session
    settings = Settings(_env_file=None, store=None, extra_files=[], load_project=True, **fields)
    return build_store(settings, progress=False)


# -- the live service (graph_api/http): `python -m graph_api serve` on a loopback port ---------------------------


@dataclass
class LiveService:
    """A running ``graph-api serve`` subprocess and its base URL."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    store: str

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(service: LiveService, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            break
        try:
            if httpx.get(service.url + "/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    service.process.kill()
    service.process.wait()
    pytest.fail(f"the service did not start:\n{service.log.read_text(encoding='utf-8', errors='replace')}")


@pytest.fixture(scope="session")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveService]]:
    """Start (once per distinct command line and environment) ``python -m graph_api serve ARGS`` on 127.0.0.1 and a
    free port; every one is stopped (SIGTERM, so its lifespan stops the query workers) at the end of the session.

    Each service has a persistent store in a temporary directory of its own, unless ``env`` sets GRAPH_API_STORE;
    under the server backend, a server of its own instead, which abandons a query at the service's deadline."""
    started: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], LiveService] = {}
    logs = tmp_path_factory.mktemp("live-service")

    def start(*args: str, env: dict[str, str] | None = None) -> LiveService:
        key = (args, tuple(sorted((env or {}).items())))
        if key in started:
            return started[key]
        port = free_port()
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
        log = logs / f"serve-{len(started)}.log"
        base_env["GRAPH_API_STORE"] = str(logs / f"store-{len(started)}")
        if SERVER:
            deadline = float((env or {}).get("GRAPH_API_QUERY_TIMEOUT", QUERY_TIMEOUT))
            base_env |= {"GRAPH_API_BACKEND": "server", "GRAPH_API_SERVER_URL": OxigraphServer(timeout=deadline).url}
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "graph_api", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                cwd=ROOT,
                env=base_env | (env or {}),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        service = LiveService(f"http://127.0.0.1:{port}", process, log, (base_env | (env or {}))["GRAPH_API_STORE"])
        _wait_until_up(service)
        started[key] = service
        return service

    yield start
    for service in started.values():
        service.process.send_signal(signal.SIGTERM)
    for service in started.values():
        try:
            service.process.wait(15)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


@pytest.fixture(scope="session")
def project_service(live_service: Callable[..., LiveService]) -> LiveService:
    """The service over the project graph (ontology, data, shapes), with default settings."""
    return live_service()
