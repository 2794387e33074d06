"""Content negotiation for SPARQL results: which serialisation answers a request.

A result is of one of three kinds: ``solutions`` (SELECT), ``boolean`` (ASK) or ``graph`` (CONSTRUCT, DESCRIBE, and
the service description). Each kind has its formats, by short name:

=========  ==================================================================================================
kind       formats (first = default for a missing Accept or ``*/*``)
=========  ==================================================================================================
solutions  json, xml, csv, tsv
boolean    json, xml                      (CSV and TSV have no boolean form: asking for them is a 406)
graph      turtle, nt, jsonld, rdfxml
=========  ==================================================================================================

The ``?format=`` shortcut (a short name, an alias such as ``rdf+xml``/``json-ld``/``ttl``, or a media type) wins over
the Accept header, for browsers and spreadsheets. ``json`` and ``xml`` name the natural JSON/XML form of each kind:
for a graph they mean JSON-LD and RDF/XML, so SPARQLWrapper's ``format=xml`` works for CONSTRUCT as well.

Accept is read with python-mimeparse (q-values, ``type/*``, ``*/*``); ties go to the order of the table. Besides the
canonical media types, ``application/json`` and ``application/xml``/``text/xml`` are understood as aliases (JSON and
XML results; JSON-LD and RDF/XML for graphs) and ``text/plain`` as N-Triples; the response then carries the media
type the client asked for. Malformed media ranges in an Accept header are ignored (RFC 9110 allows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Literal

import mimeparse  # type: ignore[import-untyped]

from graph_api.errors import UnsupportedFormat

if TYPE_CHECKING:
    from collections.abc import Sequence

ResultKind = Literal["solutions", "boolean", "graph"]


@dataclass(frozen=True)
class Format:
    """A serialisation: its short name and the media type it is labelled with."""

    name: str
    media_type: str


#: Canonical media types of every format, by short name.
MEDIA_TYPES: Final[dict[str, str]] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}

#: Formats of each kind, most preferred first.
FORMATS: Final[dict[ResultKind, tuple[str, ...]]] = {
    "solutions": ("json", "xml", "csv", "tsv"),
    "boolean": ("json", "xml"),
    "graph": ("turtle", "nt", "jsonld", "rdfxml"),
}

# (media type, format) pairs understood in Accept, per kind, most preferred first; aliases after canonical types.
_OFFERS: Final[dict[ResultKind, tuple[tuple[str, str], ...]]] = {
    "solutions": (
        *((MEDIA_TYPES[name], name) for name in FORMATS["solutions"]),
        ("application/json", "json"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
    ),
    "boolean": (
        *((MEDIA_TYPES[name], name) for name in FORMATS["boolean"]),
        ("application/json", "json"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
    ),
    "graph": (
        *((MEDIA_TYPES[name], name) for name in FORMATS["graph"]),
        ("application/x-turtle", "turtle"),
        ("text/plain", "nt"),
        ("application/json", "jsonld"),
        ("application/xml", "rdfxml"),
        ("text/xml", "rdfxml"),
    ),
}

# Names accepted by ?format= (besides the short names and the media types of _OFFERS), per kind.
_SHORTCUTS: Final[dict[str, dict[ResultKind, str]]] = {
    "json": {"solutions": "json", "boolean": "json", "graph": "jsonld"},
    "srj": {"solutions": "json", "boolean": "json"},
    "xml": {"solutions": "xml", "boolean": "xml", "graph": "rdfxml"},
    "srx": {"solutions": "xml", "boolean": "xml"},
    "csv": {"solutions": "csv"},
    "tsv": {"solutions": "tsv"},
    "turtle": {"graph": "turtle"},
    "ttl": {"graph": "turtle"},
    "n3": {"graph": "turtle"},
    "nt": {"graph": "nt"},
    "ntriples": {"graph": "nt"},
    "n-triples": {"graph": "nt"},
    "jsonld": {"graph": "jsonld"},
    "json-ld": {"graph": "jsonld"},
    "rdfxml": {"graph": "rdfxml"},
    "rdf+xml": {"graph": "rdfxml"},
    "rdf": {"graph": "rdfxml"},
}


def supported_media_types(kind: ResultKind) -> list[str]:
    """The canonical media types a result of this kind can be served in, most preferred first."""
    return [MEDIA_TYPES[name] for name in FORMATS[kind]]


def _not_acceptable(requested: str, kind: ResultKind) -> UnsupportedFormat:
    return UnsupportedFormat(requested, supported_media_types(kind))


def known_shortcut(value: str) -> bool:
    """Whether ``value`` names a format for some kind (``?format=`` values that are not errors)."""
    text = value.strip().lower()
    return text in _SHORTCUTS or any(text == media for offers in _OFFERS.values() for media, _ in offers)


def from_shortcut(value: str, kind: ResultKind) -> Format:
    """The format a ``?format=`` value names for this kind; 406 when it names none (or one of another kind)."""
    text = value.strip().lower()
    name = _SHORTCUTS.get(text, {}).get(kind)
    if name is not None:
        return Format(name, MEDIA_TYPES[name])
    for media, offered in _OFFERS[kind]:
        if text == media:
            return Format(offered, media)
    raise _not_acceptable(value, kind)


def clean_accept(accept: str) -> str:
    """The media ranges of an Accept header that mimeparse can read; malformed ones dropped."""
    kept: list[str] = []
    for part in accept.split(","):
        if not part.strip():
            continue
        try:
            main, sub, params = mimeparse.parse_media_range(part)
            float(params.get("q", "1"))
        except (ValueError, mimeparse.MimeTypeParseException):
            continue
        if main and sub:
            kept.append(part.strip())
    return ",".join(kept)


def from_accept(accept: str | None, kind: ResultKind) -> Format:
    """The best format for an Accept header; the kind's default when the header is absent, empty or unreadable."""
    default = FORMATS[kind][0]
    header = clean_accept(accept or "")
    if not header:
        return Format(default, MEDIA_TYPES[default])
    offers = _OFFERS[kind]
    # mimeparse breaks ties in favour of the later entry: offer the most preferred last.
    best = mimeparse.best_match([media for media, _ in reversed(offers)], header)
    if not best:
        raise _not_acceptable(accept or "", kind)
    name = dict(offers)[best]
    if best == "*/*":  # pragma: no cover - best_match returns one of the offers
        return Format(name, MEDIA_TYPES[name])
    return Format(name, best)


@lru_cache(maxsize=256)
def choose(kind: ResultKind, accept: str | None = None, shortcut: str | None = None) -> Format:
    """The format of a result of ``kind``: the ``?format=`` shortcut when given, else the Accept header.

    Remembered: clients send few distinct Accept headers, and reading one with python-mimeparse costs about as much
    as evaluating ``ASK {}`` (~18 µs). An unacceptable one raises (never cached); the bound keeps odd headers from
    growing the cache."""
    if shortcut:
        return from_shortcut(shortcut, kind)
    return from_accept(accept, kind)


def first_known_shortcut(values: Sequence[str]) -> str | None:
    """The first of several ``format``/``output``/``results`` values that names a format (SPARQLWrapper sends
    ``format=tsv&format=text/tab-separated-values``); None when there are none, the first value when none is known."""
    for value in values:
        if known_shortcut(value):
            return value
    return values[0] if values else None
