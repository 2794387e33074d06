"""Every namespace the project uses, in one place: rdflib :class:`Namespace` objects and the ``PREFIXES`` map."""

from __future__ import annotations

from typing import Final

from rdflib import Namespace

DH: Final = Namespace("https://w3id.org/vn-directives/ontology#")
DTYPE: Final = Namespace("https://w3id.org/vn-directives/code/doc-type/")
ICODE: Final = Namespace("https://w3id.org/vn-directives/code/issuer-code/")
LEVEL: Final = Namespace("https://w3id.org/vn-directives/code/level/")
BRANCH: Final = Namespace("https://w3id.org/vn-directives/code/branch/")
ROLE: Final = Namespace("https://w3id.org/vn-directives/code/role/")
CMP: Final = Namespace("https://w3id.org/vn-directives/code/comparator/")
CERT: Final = Namespace("https://w3id.org/vn-directives/code/certainty/")
DHS: Final = Namespace("https://w3id.org/vn-directives/shapes#")
ELI: Final = Namespace("http://data.europa.eu/eli/ontology#")
ORG: Final = Namespace("http://www.w3.org/ns/org#")
PROV: Final = Namespace("http://www.w3.org/ns/prov#")
SKOS: Final = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS: Final = Namespace("http://purl.org/dc/terms/")
SCHEMA: Final = Namespace("https://schema.org/")
TIME: Final = Namespace("http://www.w3.org/2006/time#")
FOAF: Final = Namespace("http://xmlns.com/foaf/0.1/")
OWL: Final = Namespace("http://www.w3.org/2002/07/owl#")
RDF: Final = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS: Final = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD: Final = Namespace("http://www.w3.org/2001/XMLSchema#")
SH: Final = Namespace("http://www.w3.org/ns/shacl#")
UNIT: Final = Namespace("http://qudt.org/vocab/unit/")
CUR: Final = Namespace("http://qudt.org/vocab/currency/")

#: Named graphs are ``{GRAPH_BASE}{kind}/{file stem}``.
GRAPH_BASE: Final = "https://w3id.org/vn-directives/graph/"

PREFIXES: Final[dict[str, str]] = {
    "dh": str(DH),
    "dtype": str(DTYPE),
    "icode": str(ICODE),
    "level": str(LEVEL),
    "branch": str(BRANCH),
    "role": str(ROLE),
    "cmp": str(CMP),
    "cert": str(CERT),
    "dhs": str(DHS),
    "eli": str(ELI),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "schema": str(SCHEMA),
    "time": str(TIME),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "unit": str(UNIT),
    "cur": str(CUR),
}
