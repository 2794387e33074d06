"""Helpers shared by the documents, lineage, validation, queries and artefact routers.

- :func:`allow_params`: a dependency that answers 400 to a query parameter the route does not know;
- :func:`negotiate`: the format of a response among the route's own offers (HTML, JSON, CSV, GraphML…), by
  ``?format=`` or by Accept read with python-mimeparse, as :mod:`graph_api.negotiation` does for SPARQL results
  (whose functions are used directly where the offers are exactly a SPARQL result kind);
- :func:`alternates`: links to the other formats of a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import mimeparse  # type: ignore[import-untyped]
from fastapi import Depends, Request

from graph_api.errors import BadRequest, UnsupportedFormat
from graph_api.negotiation import Format, clean_accept

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: Names of ``?format=`` values that stand for another name.
ALIASES: Final[dict[str, str]] = {
    "ttl": "turtle",
    "n3": "turtle",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "rdf+xml": "rdfxml",
    "rdf": "rdfxml",
    "htm": "html",
}


def allow_params(*names: str) -> Any:
    """A route dependency: 400 when the query string has a parameter not in ``names``."""

    async def check(request: Request) -> None:  # async: no thread-pool hop for a set difference
        unknown = sorted(set(request.query_params) - set(names))
        if unknown:
            known = ", ".join(names) or "none"
            raise BadRequest(f"unknown query parameter(s): {', '.join(unknown)}; this endpoint knows: {known}")

    return Depends(check)


def accept_header(request: Request) -> str | None:
    values = request.headers.getlist("accept")
    return ",".join(values) if values else None


def negotiate(offers: Mapping[str, Sequence[str]], accept: str | None, shortcut: str | None = None) -> Format:
    """The format to answer in: ``offers`` maps a short name to its media types (the first is the canonical one),
    most preferred first; ``shortcut`` (``?format=``) names a format or a media type and wins over ``accept``.
    406 (:class:`UnsupportedFormat`) when nothing offered is acceptable."""
    supported = [types[0] for types in offers.values()]
    if shortcut:
        text = shortcut.strip().lower()
        name = ALIASES.get(text, text)
        if name in offers:
            return Format(name, offers[name][0])
        for name, types in offers.items():
            if text in types:
                return Format(name, types[0])
        raise UnsupportedFormat(shortcut, [*offers])
    header = clean_accept(accept or "")
    if not header:
        first = next(iter(offers))
        return Format(first, offers[first][0])
    pairs = [(media, name) for name, types in offers.items() for media in types]
    # mimeparse breaks ties in favour of the later entry: offer the most preferred last.
    best = mimeparse.best_match([media for media, _ in reversed(pairs)], header)
    if not best:
        raise UnsupportedFormat(accept or "", supported)
    name = dict(pairs)[best]
    return Format(name, offers[name][0])


def alternates(request: Request, names: Sequence[str]) -> list[tuple[str, str]]:
    """(URL, label) of this request in each of the formats ``names`` (other query parameters kept)."""
    links = []
    for name in names:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "format"] + [("format", name)]
        links.append((f"{request.url.path}?{urlencode(query)}", name))
    return links
