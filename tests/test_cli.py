from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from conftest import KH306, NQ15, ROOT
from typer.testing import CliRunner

from graph_api.cli import app
from graph_api.settings import Settings, get_settings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dh: <https://w3id.org/vn-directives/ontology#> .
@prefix dhs: <https://w3id.org/vn-directives/shapes#> .
dhs:TitleShape a sh:NodeShape ; sh:targetClass dh:Resolution ;
    sh:property [ sh:path dh:visionYear ; sh:minCount 1 ; sh:severity sh:Warning ;
                  sh:message "thiếu"@vi, "missing"@en ] .
"""
STRICT = SHAPES.replace("sh:Warning", "sh:Violation")


@pytest.fixture
def project(project_dirs: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A temporary project (ontology, fixture data, a warning-only shape) that the CLI finds through the env."""
    (project_dirs.shapes_dir / "shapes.ttl").write_text(SHAPES, encoding="utf-8")
    for name in ("ontology_dir", "data_dir", "shapes_dir", "queries_dir"):
        monkeypatch.setenv(f"GRAPH_API_{name.upper()}", str(getattr(project_dirs, name)))
    monkeypatch.setenv("GRAPH_API_STORE", str(project_dirs.data_dir.parent / "store"))
    get_settings.cache_clear()
    yield project_dirs
    get_settings.cache_clear()


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_query_from_argument_file_and_stdin(project: Settings, tmp_path: Path) -> None:
    query = 'PREFIX dh: <https://w3id.org/vn-directives/ontology#> SELECT ?doc WHERE { ?doc dh:symbol "15-NQ/TW" }'
    code, out, _ = invoke("query", query, "--format", "csv")
    assert (code, out.split()) == (0, ["doc", NQ15])
    path = tmp_path / "q.rq"
    path.write_text(query, encoding="utf-8")
    assert (
        json.loads(invoke("query", "-f", str(path), "--format", "json")[1])["results"]["bindings"][0]["doc"]["value"]
        == NQ15
    )
    code, out, _ = invoke("query", "--format", "tsv", input=query)
    assert (code, out.split()) == (0, ["?doc", f"<{NQ15}>"])


def test_query_table_and_graph_formats(project: Settings) -> None:
    code, out, _ = invoke(
        "query", "PREFIX dh: <https://w3id.org/vn-directives/ontology#> SELECT ?s WHERE { ?d dh:symbol ?s }"
    )
    assert code == 0
    assert "15-NQ/TW" in out
    assert "8 row(s)" in out
    construct = "PREFIX dh: <https://w3id.org/vn-directives/ontology#> CONSTRUCT WHERE { ?a dh:implements ?b }"
    code, out, _ = invoke("query", construct)
    assert code == 0
    assert "dh:implements" in out
    code, out, _ = invoke("query", construct, "--format", "jsonld")
    assert "@context" in json.loads(out)
    assert invoke("query", "ASK {}")[1].strip() == "yes"


def test_named_query_parameters(project: Settings, tmp_path: Path) -> None:
    path = tmp_path / "implementers.rq"
    path.write_text(
        "#+ summary: implementers\n#+ param: doc iri — the document\n"
        "PREFIX dh: <https://w3id.org/vn-directives/ontology#>\n"
        "SELECT ?doc ?x WHERE { ?x dh:implements ?doc }\n",
        encoding="utf-8",
    )
    code, out, _ = invoke("query", "-f", str(path), "-p", f"doc=<{KH306}>", "--format", "csv")
    assert code == 0
    assert "thanh-uy-ha-noi/ctr/2022/16" not in out.splitlines()[0]
    assert len(out.splitlines()) == 1, "306/KH-UBND is implemented by nothing"
    code, out, _ = invoke("query", "-f", str(path), "-p", f"doc={NQ15}", "--format", "csv")
    assert len(out.splitlines()) == 3
    code, _, err = invoke("query", "-f", str(path))
    assert code == 2
    assert err == "error: implementers: parameter 'doc' is required\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("query", "SELECT * WHERE {"), "error: SPARQL syntax error at line 1, column"),
        (("query", "-f", "/no/such/file.rq"), "error: cannot read /no/such/file.rq"),
        (("query", "SELECT * {}", "-p", "novalue"), "error: --param takes NAME=VALUE"),
        (("resolve", "99-NQ/TW"), "error: no document matches '99-NQ/TW'; nearest: "),
        (("lineage", "06-CTr/TU"), "error: '06-CTr/TU' matches 2 documents: "),
        (("lineage", "15-NQ/TW", "--relations", "cites"), "error: unknown relation(s) cites"),
        (("load", "--store", ":memory:", "--backend", "embedded"), "error: load builds a store directory"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(project: Settings, args: tuple[str, ...], message: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_data_file_is_one_line(project: Settings) -> None:
    (project.data_dir / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    code, _, err = invoke("resolve", "15-NQ/TW")
    assert code == 2
    assert err.startswith(f"error: {project.data_dir / 'broken.ttl'}:1: ")
    assert err.count("\n") == 1


def test_resolve(project: Settings) -> None:
    code, out, _ = invoke("resolve", "Nghị quyết số 15-NQ/TƯ")
    assert (code, out) == (0, NQ15 + "\n")
    code, out, _ = invoke("resolve", "06-CTr/TU")
    assert code == 0
    assert len(out.splitlines()) == 2


def test_lineage_root_is_labelled_with_its_canonical_symbol(project: Settings) -> None:
    code, out, _ = invoke("lineage", "Nghị quyết số 15-NQ/TƯ")
    assert code == 0
    assert out.splitlines()[0] == f"15-NQ/TW  <{NQ15}>"


def test_lineage_text_and_json(project: Settings) -> None:
    code, out, _ = invoke("lineage", "15-NQ/TW")
    assert code == 0
    assert out.splitlines()[0] == f"15-NQ/TW  <{NQ15}>"
    assert "    306/KH-UBND  <" in out
    assert "306/KH-UBND implements 16-CTr/TU" in out
    assert "“Kế hoạch số 306/KH-UBND triển khai thực hiện" in out
    code, out, _ = invoke("lineage", "306/KH-UBND", "--direction", "up", "--format", "json")
    data = json.loads(out)
    assert [n["symbol"] for n in data["nodes"]] == ["16-CTr/TU", "15-NQ/TW"]
    code, out, _ = invoke(
        "lineage",
        "15-NQ/TW",
        "--relations",
        "implements,contributesTo",
        "--type",
        "CTr",
        "--depth",
        "1",
        "--format",
        "json",
    )
    assert sorted(n["symbol"] for n in json.loads(out)["nodes"]) == ["08/CTr-UBND", "12-CTr/QU", "16-CTr/TU"]


def test_validate_exit_codes(project: Settings) -> None:
    code, out, _ = invoke("validate")
    assert code == 0, "warnings alone do not fail"
    assert "Warning (1)" in out
    assert "vi: thiếu" in out
    code, out, _ = invoke("validate", "--format", "json")
    assert json.loads(out)["counts"] == {"Violation": 0, "Warning": 1, "Info": 0}
    (project.shapes_dir / "shapes.ttl").write_text(STRICT, encoding="utf-8")
    code, out, _ = invoke("validate", "--format", "turtle")
    assert code == 1
    assert "sh:ValidationReport" in out


def test_export(project: Settings, tmp_path: Path) -> None:
    target = tmp_path / "graph.nt"
    code, out, _ = invoke("export", "--format", "nt", "-o", str(target), "--no-ontology")
    assert (code, out) == (0, "")
    lines = target.read_text(encoding="utf-8").splitlines()
    assert any(line.startswith(f"<{NQ15}>") for line in lines)
    assert not any("/ontology> " in line for line in lines)
    code, out, _ = invoke("export", "--format", "jsonld")
    assert "@graph" in json.loads(out)


@pytest.mark.embedded_only("graph-api load into a store directory")
def test_load_builds_a_persistent_store(project: Settings, tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, out, err = invoke("load", "--store", str(store), "--progress")
    assert code == 0
    assert out.startswith("loaded ")
    assert f"into {store}" in out
    assert "[3/3] shapes.ttl" in err, "the progress bar names the files"
    files = [*project.ontology_dir.glob("*.ttl"), *project.data_dir.glob("*.ttl"), *project.shapes_dir.glob("*.ttl")]
    quads = sum(len(list(ox.parse(path=path))) for path in files)
    assert f"{quads:,} quads" in err, "the progress bar counts the quads loaded"
    built = [p for p in store.iterdir() if p.name.startswith("db-") and p.is_dir()]
    assert len(built) == 1
    code, out, _ = invoke("resolve", "15-NQ/TW", "--store", str(store))
    assert (code, out.strip()) == (0, NQ15)
    assert [p for p in store.iterdir() if p.name.startswith("db-") and p.is_dir()] == built, "reused"
    code, out, _ = invoke("load", "--store", str(store), "--no-progress")
    assert code == 0
    assert [p for p in store.iterdir() if p.name.startswith("db-") and p.is_dir()] != built, "load always rebuilds"


def test_in_memory_uses_no_store_directory(project: Settings, tmp_path: Path) -> None:
    code, out, _ = invoke("resolve", "15-NQ/TW", "--in-memory")
    assert (code, out.strip()) == (0, NQ15)
    code, out, _ = invoke("resolve", "15-NQ/TW", "--store", ":memory:")
    assert (code, out.strip()) == (0, NQ15)
    assert not (project.data_dir.parent / "store").exists()


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "graph_api", "--help"], capture_output=True, text=True, check=False, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0
    for command in ("serve", "query", "lineage", "validate", "export", "resolve", "load"):
        assert command in done.stdout


def test_validate_engines_give_the_same_report(project: Settings) -> None:
    reports = {}
    for engine in ("sparql", "pyshacl"):
        code, out, _ = invoke("validate", "--engine", engine, "--format", "json")
        assert code == 0
        report = json.loads(out)
        for result in report["results"]:  # an anonymous shape's blank-node label is each engine's own
            if result["shape"].startswith("_:"):
                result["shape"] = "_:anonymous"
        reports[engine] = report
    assert reports["sparql"]["results"]
    assert reports["sparql"] == reports["pyshacl"]
    code, _, _ = invoke("validate", "--engine", "nope")
    assert code != 0
