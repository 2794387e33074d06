"""Shared fixtures: a small graph written by hand after docs/model.md, loaded with the real ontology."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

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


@pytest.fixture(scope="session", autouse=True)
def _store_in_memory_by_default() -> Iterator[None]:
    """Settings read from the environment keep the store in memory, so that no test writes the repository's
    var/store; tests of the persistent store give a temporary directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRAPH_API_STORE", ":memory:")
        yield


def make_store(*texts: str, ontology: bool = True) -> GraphStore:
    """An in-memory store with the real ontology and the given Turtle texts as data files."""
    store = GraphStore()
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
def project_dirs(tmp_path: Path) -> Settings:
    """Settings pointing at a temporary project: the real ontology and the fixture data, no shapes."""
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "directives.ttl").write_bytes(ONTOLOGY.read_bytes())
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "documents.ttl").write_text(DOCUMENTS_TTL, encoding="utf-8")
    (tmp_path / "shapes").mkdir()
    (tmp_path / "queries").mkdir()
    return Settings(
        ontology_dir=tmp_path / "ontology",
        data_dir=tmp_path / "data",
        shapes_dir=tmp_path / "shapes",
        queries_dir=tmp_path / "queries",
        _env_file=None,
    )


def project_has_data() -> bool:
    return any((ROOT / "data").glob("*.ttl"))


@pytest.fixture(scope="session")
def project_store() -> GraphStore:
    """The repository's own graph (ontology + data + shapes); skips the test while data/ has no Turtle file."""
    if not project_has_data():
        pytest.skip("data/ has no .ttl file yet")
    from graph_api.loading import build_store

    return build_store(Settings(_env_file=None, store=None, extra_files=[], load_project=True), progress=False)


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

    Each service has a persistent store in a temporary directory of its own, unless ``env`` sets GRAPH_API_STORE."""
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
