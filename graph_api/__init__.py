"""Knowledge graph of Vietnam's directive hierarchy: load, query, trace lineage, resolve symbols, validate.

The public surface is what ``__all__`` lists; everything else is implementation and may change.
"""

from graph_api.errors import (
    AmbiguousSymbol,
    BadRequest,
    ConfigError,
    DocumentNotFound,
    GraphApiError,
    LoadError,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    UnsupportedFormat,
    UnsupportedMediaType,
    UnsupportedShape,
)
from graph_api.export import export
from graph_api.lineage import Lineage, LineageEdge, LineageNode, lineage
from graph_api.loading import build_store
from graph_api.resolve import ParsedSymbol, parse_symbol, resolve, resolve_one
from graph_api.settings import Settings, get_settings
from graph_api.shacl_focus import affected_focus_nodes
from graph_api.shacl_sparql import validate_focus
from graph_api.sparql import (
    AskResult,
    GraphResult,
    NamedQuery,
    QueryResult,
    SelectResult,
    load_named_query,
    run_named_query,
    run_query,
)
from graph_api.store import GraphStore, Source, graph_iri
from graph_api.validation import ValidationReport, ValidationResult, validate, validate_graph

__version__ = "0.1.0"

__all__ = [
    "AmbiguousSymbol",
    "AskResult",
    "BadRequest",
    "ConfigError",
    "DocumentNotFound",
    "GraphApiError",
    "GraphResult",
    "GraphStore",
    "Lineage",
    "LineageEdge",
    "LineageNode",
    "LoadError",
    "NamedQuery",
    "ParsedSymbol",
    "QueryError",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeout",
    "ResultTooLarge",
    "SelectResult",
    "Settings",
    "Source",
    "UnsupportedFormat",
    "UnsupportedMediaType",
    "UnsupportedShape",
    "ValidationReport",
    "ValidationResult",
    "__version__",
    "affected_focus_nodes",
    "build_store",
    "export",
    "get_settings",
    "graph_iri",
    "lineage",
    "load_named_query",
    "parse_symbol",
    "resolve",
    "resolve_one",
    "run_named_query",
    "run_query",
    "validate",
    "validate_focus",
    "validate_graph",
]
