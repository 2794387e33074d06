"""The SPARQL 1.1 Service Description of the endpoint (``GET /sparql`` without a query).

An ``sd:Service`` naming its endpoint, the language (SPARQL 1.1 Query only: the service is read-only), the result
formats it serialises, its features and its default dataset (every named graph the store holds; the default graph is
the union of the project's graphs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api.namespaces import PREFIXES
from graph_api.sparql import TRIPLE_FORMATS
from graph_api.store import as_bytes, serialize_triples

if TYPE_CHECKING:
    from collections.abc import Iterable

SD: Final = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS: Final = "http://www.w3.org/ns/formats/"
RDF_TYPE: Final = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS_TITLE: Final = ox.NamedNode("http://purl.org/dc/terms/title")

#: W3C format IRIs of the serialisations the endpoint produces.
RESULT_FORMATS: Final = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
#: Features: the default graph is the union of the project graphs; named graphs may be empty.
FEATURES: Final = ("UnionDefaultGraph", "EmptyGraphs")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def service_description(endpoint: str, *, named_graphs: Iterable[str], title: str | None = None) -> list[ox.Triple]:
    """The triples describing the endpoint at ``endpoint`` (an absolute URL)."""
    service = ox.NamedNode(endpoint + "#service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
    ]
    if title:
        triples.append(ox.Triple(service, DCTERMS_TITLE, ox.Literal(title, language="en")))
    triples += [ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS_NS + f)) for f in RESULT_FORMATS]
    triples += [ox.Triple(service, _sd("feature"), _sd(f)) for f in FEATURES]
    for number, name in enumerate(named_graphs):
        named = ox.BlankNode(f"named{number}")
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(name)),
        ]
    return triples


def serialize_description(triples: list[ox.Triple], fmt: str) -> bytes:
    """The description in ``turtle``, ``nt``, ``jsonld`` or ``rdfxml``."""
    if fmt == "jsonld":
        return serialize_triples(triples, fmt)
    prefixes = {"sd": SD, "formats": FORMATS_NS} | {k: v for k, v in PREFIXES.items() if k in ("rdf", "dcterms")}
    return as_bytes(ox.serialize(triples, format=TRIPLE_FORMATS[fmt], prefixes=prefixes))
