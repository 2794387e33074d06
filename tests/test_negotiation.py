"""Content negotiation (graph_api.negotiation), without HTTP."""

from __future__ import annotations

import pytest

from graph_api.errors import UnsupportedFormat
from graph_api.negotiation import Format, choose, first_known_shortcut, supported_media_types

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, Format("json", JSON)),
        ("", Format("json", JSON)),
        ("*/*", Format("json", JSON)),
        ("application/*", Format("json", JSON)),
        (XML, Format("xml", XML)),
        ("text/*", Format("csv", "text/csv")),
        ("text/csv;q=0.4, text/tab-separated-values;q=0.5", Format("tsv", "text/tab-separated-values")),
        ("application/json", Format("json", "application/json")),
        ("application/sparql-results+json,*/*;q=0.9", Format("json", JSON)),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", Format("xml", "application/xml")),
        ("text/html, */*;q=0.1", Format("json", JSON)),
        ("image/png;q=1, text/csv; charset=utf-8; q=0.3", Format("csv", "text/csv")),
        ("no-slash, ;;;, text/tab-separated-values", Format("tsv", "text/tab-separated-values")),
    ],
)
def test_select(accept: str | None, expected: Format) -> None:
    assert choose("solutions", accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "turtle"),
        ("*/*", "turtle"),
        ("application/n-triples", "nt"),
        ("text/plain", "nt"),
        ("application/ld+json;q=0.9, text/turtle;q=0.5", "jsonld"),
        ("application/json", "jsonld"),
        ("application/rdf+xml", "rdfxml"),
        ("application/xml", "rdfxml"),
        ("application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,text/turtle;q=0.6", "jsonld"),
    ],
)
def test_graph(accept: str | None, expected: str) -> None:
    assert choose("graph", accept).name == expected


def test_ask_has_no_csv() -> None:
    assert choose("boolean", "text/csv, */*;q=0.1").name == "json"
    with pytest.raises(UnsupportedFormat) as caught:
        choose("boolean", "text/csv, text/tab-separated-values")
    assert caught.value.status == 406
    assert caught.value.supported == [JSON, XML]
    with pytest.raises(UnsupportedFormat):
        choose("boolean", shortcut="csv")


def test_unservable_accept_is_406_listing_what_can() -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        choose("solutions", "text/html, image/png")
    assert caught.value.supported == supported_media_types("solutions")
    with pytest.raises(UnsupportedFormat):
        choose("graph", "application/sparql-results+json")
    with pytest.raises(UnsupportedFormat):
        choose("solutions", "application/sparql-results+json;q=0")


@pytest.mark.parametrize(
    ("kind", "shortcut", "expected"),
    [
        ("solutions", "csv", "csv"),
        ("solutions", "TSV", "tsv"),
        ("solutions", "json", "json"),
        ("solutions", "xml", "xml"),
        ("solutions", "text/csv", "csv"),
        ("boolean", "xml", "xml"),
        ("graph", "turtle", "turtle"),
        ("graph", "nt", "nt"),
        ("graph", "jsonld", "jsonld"),
        ("graph", "json-ld", "jsonld"),
        ("graph", "rdfxml", "rdfxml"),
        ("graph", "rdf+xml", "rdfxml"),
        ("graph", "xml", "rdfxml"),
        ("graph", "json", "jsonld"),
        ("graph", "text/turtle", "turtle"),
    ],
)
def test_shortcut_overrides_accept(kind: str, shortcut: str, expected: str) -> None:
    assert choose(kind, "application/sparql-results+xml", shortcut).name == expected  # type: ignore[arg-type]


def test_unknown_shortcut_is_406() -> None:
    with pytest.raises(UnsupportedFormat):
        choose("solutions", None, "html")
    with pytest.raises(UnsupportedFormat):
        choose("solutions", None, "turtle")


def test_first_known_shortcut() -> None:
    assert first_known_shortcut(["tsv", "text/tab-separated-values"]) == "tsv"
    assert first_known_shortcut(["bogus", "xml"]) == "xml"
    assert first_known_shortcut(["bogus"]) == "bogus"
    assert first_known_shortcut([]) is None
