"""Errors raised by graph_api; every one a user can cause is a :class:`GraphApiError`.

::

    GraphApiError                  500  anything the library reports to a user
    ├── ConfigError                500  a setting or a path is wrong
    │   └── UnsupportedShape       500  a shape uses a SHACL feature the compiled validator does not support
    ├── LoadError                  422  an input file cannot be read, parsed or accepted (file, line)
    ├── QueryError                 400  a query cannot be run
    │   ├── QuerySyntaxError       400  the query text does not parse (line, column)
    │   ├── QueryTimeout           503  the query ran past its time limit
    │   ├── QueryCrashed           500  the worker process running the query died (it is replaced)
    │   └── ResultTooLarge         413  the result has more rows than max_rows
    ├── BadRequest                 400  an HTTP request lacks a parameter it needs
    │   ├── UnsupportedMediaType   415  an HTTP request body is in a media type the endpoint does not read
    │   ├── PayloadTooLarge        413  an HTTP request body is over the size limit
    │   └── UpdateNotAllowed       403  a SPARQL Update sent to the read-only service
    ├── DocumentNotFound           404  no document has this symbol (nearest symbols)
    ├── NotFound                   404  no named query, resource… by this name (known names)
    ├── AmbiguousSymbol            300  several documents have this symbol (candidates)
    └── UnsupportedFormat          406  no serialisation by this name or media type

Each class has a ``title`` (a short, fixed summary) and an HTTP ``status``; ``str(error)`` is the one-line detail
for this occurrence and :meth:`GraphApiError.extra` the structured fields, so the CLI prints one line and the HTTP
layer renders an RFC 9457 problem body without knowing any subclass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


class GraphApiError(Exception):
    """Base class of every error graph_api reports to a user."""

    title: ClassVar[str] = "Graph API error"
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extra(self) -> dict[str, Any]:
        """Structured fields beyond the message, JSON-ready (extension members of a problem body)."""
        return {}


class ConfigError(GraphApiError):
    title = "Configuration error"
    status = 500


class UnsupportedShape(ConfigError):
    """A shape uses a SHACL feature the compiled (SPARQL) validator does not implement; ``feature`` names it."""

    title = "Unsupported SHACL feature"
    status = 500

    def __init__(self, shape: str, feature: str) -> None:
        super().__init__(f"shape {shape} uses {feature}, which the compiled validator does not support")
        self.shape = shape
        self.feature = feature

    def extra(self) -> dict[str, Any]:
        return {"shape": self.shape, "feature": self.feature}


class LoadError(GraphApiError):
    """An input file cannot be read, parsed or accepted; ``line`` is 1-based when known."""

    title = "Cannot load RDF file"
    status = 422

    def __init__(self, file: Path | str, message: str, *, line: int | None = None) -> None:
        self.file = str(file)
        self.line = line
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {message}")
        self.detail = message

    def extra(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line}


class QueryError(GraphApiError):
    title = "Query failed"
    status = 400


class QuerySyntaxError(QueryError):
    """The query does not parse; ``line`` and ``column`` are 1-based when the parser gives them."""

    title = "SPARQL syntax error"
    status = 400

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        where = f" at line {line}, column {column}" if line is not None and column is not None else ""
        super().__init__(f"SPARQL syntax error{where}: {message}")
        self.detail = message
        self.line = line
        self.column = column

    def extra(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column}


class QueryTimeout(QueryError):
    title = "Query timed out"
    status = 503

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query did not finish within {seconds:g} s")
        self.seconds = seconds

    def extra(self) -> dict[str, Any]:
        return {"timeout": self.seconds}


class ResultTooLarge(QueryError):
    title = "Result too large"
    status = 413

    def __init__(self, max_rows: int) -> None:
        super().__init__(f"the result has more than {max_rows} rows; add a LIMIT")
        self.max_rows = max_rows

    def extra(self) -> dict[str, Any]:
        return {"max_rows": self.max_rows}


class QueryCrashed(QueryError):
    title = "Query worker failed"
    status = 500

    def __init__(self, exit_code: int | None) -> None:
        how = f" (exit code {exit_code})" if exit_code is not None else ""
        super().__init__(f"the process running the query stopped unexpectedly{how}; it has been replaced")
        self.exit_code = exit_code

    def extra(self) -> dict[str, Any]:
        return {"exit_code": self.exit_code}


class BadRequest(GraphApiError):
    title = "Bad request"
    status = 400


class UnsupportedMediaType(BadRequest):
    title = "Unsupported media type"
    status = 415


class PayloadTooLarge(BadRequest):
    title = "Request body too large"
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit

    def extra(self) -> dict[str, Any]:
        return {"max_bytes": self.limit}


class UpdateNotAllowed(BadRequest):
    title = "Updates are disabled"
    status = 403


class DocumentNotFound(GraphApiError):
    title = "Document not found"
    status = 404

    def __init__(self, text: str, nearest: Sequence[str] = ()) -> None:
        self.text = text
        self.nearest = list(nearest)
        hint = f"; nearest: {', '.join(self.nearest)}" if self.nearest else ""
        super().__init__(f"no document matches {text!r}{hint}")

    def extra(self) -> dict[str, Any]:
        return {"symbol": self.text, "nearest": self.nearest}


class NotFound(GraphApiError):
    """Nothing by this name: a named query, a resource IRI; ``known`` lists some names that exist."""

    title = "Not found"
    status = 404

    def __init__(self, message: str, known: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.known = list(known)

    def extra(self) -> dict[str, Any]:
        return {"known": self.known} if self.known else {}


class AmbiguousSymbol(GraphApiError):
    title = "Ambiguous symbol"
    status = 300

    def __init__(self, text: str, candidates: Sequence[str]) -> None:
        self.text = text
        self.candidates = list(candidates)
        super().__init__(f"{text!r} matches {len(self.candidates)} documents: {', '.join(self.candidates)}")

    def extra(self) -> dict[str, Any]:
        return {"symbol": self.text, "candidates": self.candidates}


class UnsupportedFormat(GraphApiError):
    title = "Unsupported format"
    status = 406

    def __init__(self, requested: str, supported: Sequence[str]) -> None:
        self.requested = requested
        self.supported = list(supported)
        super().__init__(f"unsupported format {requested!r}; use one of: {', '.join(self.supported)}")

    def extra(self) -> dict[str, Any]:
        return {"requested": self.requested, "supported": self.supported}
