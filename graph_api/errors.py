"""Errors raised by graph_api; every one a user can cause is a :class:`GraphApiError`.

::

    GraphApiError                  500  anything the library reports to a user
    ├── ConfigError                500  a setting or a path is wrong
    │   ├── UnsupportedShape       500  a shape uses a SHACL feature the compiled validator does not support
    │   ├── UnexportedChanges      409  a rebuild would discard committed changes not exported yet (count, command)
    │   └── BackendUnavailable     503  the SPARQL server of the server backend cannot be reached (Retry-After)
    ├── LoadError                  422  an input file cannot be read, parsed or accepted (file, line)
    ├── QueryError                 400  a query cannot be run
    │   ├── QuerySyntaxError       400  the query text does not parse (line, column)
    │   ├── QueryTimeout           503  the query ran past its time limit
    │   ├── QueryCrashed           500  the worker process running the query died (it is replaced)
    │   ├── ResultTooLarge         413  the result has more rows than max_rows
    │   └── UpdateError            400  a SPARQL Update cannot be applied as written (a graph it names is missing…)
    │       └── ProtectedGraph     403  an update names a graph only the service writes (the audit log)
    ├── BadRequest                 400  an HTTP request lacks a parameter it needs
    │   ├── UnsupportedMediaType   415  an HTTP request body is in a media type the endpoint does not read
    │   ├── PayloadTooLarge        413  an HTTP request body is over the size limit
    │   ├── UpdateNotAllowed       403  a write (SPARQL Update, a document) while writes are disabled
    │   ├── Unauthorized           401  a write without a valid bearer token (WWW-Authenticate: Bearer)
    │   ├── LimitExceeded          400  a query or body over a limit: length, nesting, operators (limit, max)
    │   ├── RemoteAccessRefused    400  SERVICE, LOAD, a remote JSON-LD context, an external XML entity (SSRF)
    │   └── InvalidChange          400  a document write that is malformed or reaches beyond its document
    ├── ChangeRejected             422  a change would violate the shapes; nothing was changed (the report)
    ├── DocumentExists             409  a document added under an IRI that is already taken
    ├── PreconditionFailed         412  what a conditional write expects (a version, If-Match) no longer holds
    ├── DocumentInputError         422  a document written as JSON cannot be accepted (its JSON path)
    │   ├── InvalidDocument        422  the JSON does not fit the model: unknown field, wrong type, bad date (each one)
    │   ├── MissingEvidence        422  a node or fact has no evidence, neither its own nor the document's default
    │   ├── UnresolvedReference    422  a referenced document, agency, person, source… matches nothing (nearest)
    │   ├── AmbiguousReference     422  a referenced symbol matches several documents (candidates)
    │   └── IdentityMismatch       422  a given IRI is not the one minted from the content (given, expected)
    ├── StoreBusy                  503  another writer holds the store longer than the wait allowed (Retry-After)
    ├── TooManyRequests            429  more simultaneous queries from one client than allowed (Retry-After)
    ├── DocumentNotFound           404  no document has this symbol (nearest symbols)
    ├── NotFound                   404  no named query, resource… by this name (known names)
    ├── AmbiguousSymbol            300  several documents have this symbol (candidates)
    └── UnsupportedFormat          406  no serialisation by this name or media type

Each class has a ``title`` (a short, fixed summary) and an HTTP ``status``; ``str(error)`` is the one-line detail
for this occurrence and :meth:`GraphApiError.extra` the structured fields, so the CLI prints one line and the HTTP
layer renders an RFC 9457 problem body without knowing any subclass (and sends :meth:`GraphApiError.headers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from graph_api.validation_report import ValidationReport


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

    def headers(self) -> dict[str, str]:
        """HTTP response headers this error calls for (``Retry-After``…); none by default."""
        return {}


class ConfigError(GraphApiError):
    title = "Configuration error"
    status = 500


class BackendUnavailable(ConfigError):
    """The SPARQL server behind the service (``GRAPH_API_BACKEND=server``) did not answer: the service is fine, its
    store is not there for now."""

    title = "SPARQL server unavailable"
    status = 503

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "5"}


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
        return {"max_bytes": self.limit, "limit": "max_body_bytes", "setting": "GRAPH_API_MAX_BODY_BYTES"}


class UpdateNotAllowed(BadRequest):
    title = "Updates are disabled"
    status = 403


class Unauthorized(BadRequest):
    """A write without a bearer token, or with one the service does not know."""

    title = "Unauthorized"
    status = 401

    def __init__(self, message: str, *, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error

    def headers(self) -> dict[str, str]:
        # RFC 6750: no error code when the request carried no credentials at all.
        challenge = 'Bearer realm="graph-api"'
        if self.error is not None:
            challenge += f', error="{self.error}"'
        return {"WWW-Authenticate": challenge}


class LimitExceeded(BadRequest):
    """A query or a body over one of the service's limits: ``limit`` names it, ``maximum`` is its value, ``actual``
    what the request had (when known) and ``setting`` the environment variable that configures it (None: fixed)."""

    title = "Limit exceeded"
    status = 400

    def __init__(
        self, message: str, *, limit: str, maximum: int, actual: int | None = None, setting: str | None = None
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.maximum = maximum
        self.actual = actual
        self.setting = setting

    def extra(self) -> dict[str, Any]:
        found: dict[str, Any] = {"limit": self.limit, "max": self.maximum}
        if self.actual is not None:
            found["actual"] = self.actual
        if self.setting is not None:
            found["setting"] = self.setting
        return found


class RemoteAccessRefused(BadRequest):
    """The request would make the service fetch another resource (server-side request forgery): a SPARQL SERVICE or
    LOAD, a remote JSON-LD context, an external XML entity. ``feature`` names it, ``target`` the IRI when known and
    ``setting`` the environment variable that allows it (None: never allowed)."""

    title = "Remote access refused"
    status = 400

    def __init__(self, message: str, *, feature: str, target: str | None = None, setting: str | None = None) -> None:
        super().__init__(message)
        self.feature = feature
        self.target = target
        self.setting = setting

    def extra(self) -> dict[str, Any]:
        found: dict[str, Any] = {"feature": self.feature}
        if self.target is not None:
            found["target"] = self.target
        if self.setting is not None:
            found["setting"] = self.setting
        return found


class TooManyRequests(GraphApiError):
    """More simultaneous requests from one client than ``maximum`` allows; ``retry_after`` seconds is a hint."""

    title = "Too many simultaneous queries"
    status = 429

    def __init__(self, message: str, *, limit: str, maximum: int, setting: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.limit = limit
        self.maximum = maximum
        self.setting = setting
        self.retry_after = retry_after

    def extra(self) -> dict[str, Any]:
        return {"limit": self.limit, "max": self.maximum, "setting": self.setting, "retry_after": self.retry_after}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class UnexportedChanges(ConfigError):
    """Rebuilding the store from its files would discard ``count`` committed changes not yet written back to them;
    ``command`` writes them back (or the rebuild is forced with ``discard_changes``)."""

    title = "Changes not exported"
    status = 409

    def __init__(self, count: int, command: str) -> None:
        super().__init__(
            f"the store holds {count} committed change(s) not exported to the data files; run `{command}` first, "
            "or rebuild with discard_changes to drop them"
        )
        self.count = count
        self.command = command

    def extra(self) -> dict[str, Any]:
        return {"changes": self.count, "command": self.command}


class UpdateError(QueryError):
    """A SPARQL Update that parses but cannot be applied as written: a graph it clears or drops does not exist, a
    graph it creates does, or it asks of the default graph (the union of the graphs) what a union cannot do."""

    title = "Update cannot be applied"
    status = 400


class ProtectedGraph(UpdateError):
    """An update names a graph only the service writes (``graph``: the audit log)."""

    title = "Protected graph"
    status = 403

    def __init__(self, graph: str) -> None:
        super().__init__(f"the graph <{graph}> is written by the service only; an update may not change it")
        self.graph = graph

    def extra(self) -> dict[str, Any]:
        return {"graph": self.graph}


class InvalidChange(BadRequest):
    title = "Invalid change"
    status = 400


class ChangeRejected(GraphApiError):
    """The change would leave the graph with SHACL violations; it was rolled back. ``report`` holds the results on
    the nodes the change touches (violations, and the warnings and infos that do not block)."""

    title = "Change violates the shapes"
    status = 422

    def __init__(self, report: ValidationReport) -> None:
        violations = report.of("Violation")
        shown = "; ".join(r.message.get("en") or r.message.get("vi") or r.shape for r in violations[:3])
        super().__init__(f"the change was not committed: {len(violations)} violation(s): {shown}")
        self.report = report

    def extra(self) -> dict[str, Any]:
        return {"report": self.report.to_dict()}


class DocumentExists(GraphApiError):
    title = "Document exists"
    status = 409

    def __init__(self, iri: str) -> None:
        super().__init__(f"a document <{iri}> exists already; replace it instead")
        self.iri = iri

    def extra(self) -> dict[str, Any]:
        return {"document": self.iri}


class DocumentInputError(GraphApiError):
    """A document written as JSON (:mod:`graph_api.document_input`) cannot be accepted; ``path`` is the JSON path
    of the value at fault (``$.indicators.targets[2].year``)."""

    title = "Invalid document"
    status = 422

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.detail = message

    def extra(self) -> dict[str, Any]:
        return {"path": self.path}


class InvalidDocument(DocumentInputError):
    """The JSON does not fit the model; ``errors`` lists every problem found as ``{"path", "message"}``."""

    title = "Invalid document JSON"

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        path, message = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(path, message + more)
        self.errors = [{"path": where, "message": what} for where, what in errors]

    def extra(self) -> dict[str, Any]:
        return super().extra() | {"errors": self.errors}


class MissingEvidence(DocumentInputError):
    title = "Missing evidence"


class UnresolvedReference(DocumentInputError):
    title = "Unresolved reference"

    def __init__(self, path: str, text: str, what: str, nearest: Sequence[str] = ()) -> None:
        self.text = text
        self.nearest = list(nearest)
        hint = f"; nearest: {', '.join(self.nearest)}" if self.nearest else ""
        super().__init__(path, f"no {what} matches {text!r}{hint}")

    def extra(self) -> dict[str, Any]:
        return super().extra() | {"reference": self.text, "nearest": self.nearest}


class AmbiguousReference(DocumentInputError):
    title = "Ambiguous reference"

    def __init__(self, path: str, text: str, candidates: Sequence[str]) -> None:
        self.text = text
        self.candidates = list(candidates)
        super().__init__(path, f"{text!r} matches {len(self.candidates)} documents: {', '.join(self.candidates)}")

    def extra(self) -> dict[str, Any]:
        return super().extra() | {"reference": self.text, "candidates": self.candidates}


class IdentityMismatch(DocumentInputError):
    title = "Identity mismatch"

    def __init__(self, path: str, given: str, expected: str, why: str) -> None:
        super().__init__(path, f"<{given}> {why} <{expected}>")
        self.given = given
        self.expected = expected

    def extra(self) -> dict[str, Any]:
        return super().extra() | {"given": self.given, "expected": self.expected}


class PreconditionFailed(GraphApiError):
    """A conditional write found the store otherwise than it expects: ``expected`` and ``current`` are versions
    (:func:`graph_api.changes.version`) when the condition is one."""

    title = "Precondition failed"
    status = 412

    def __init__(self, message: str, *, expected: str | None = None, current: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.current = current

    def extra(self) -> dict[str, Any]:
        return {"expected": self.expected, "current": self.current}


class StoreBusy(GraphApiError):
    """Another writer held the store for longer than ``waited`` seconds."""

    title = "Store busy"
    status = 503

    def __init__(self, message: str, *, waited: float) -> None:
        super().__init__(message)
        self.waited = waited

    def extra(self) -> dict[str, Any]:
        return {"waited": self.waited}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


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
