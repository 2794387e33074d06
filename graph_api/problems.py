"""Errors as RFC 9457 ``application/problem+json``: the one place where exceptions become HTTP responses.

- a :class:`~graph_api.errors.GraphApiError` gives its own status, title and detail, plus its structured fields
  (:meth:`~graph_api.errors.GraphApiError.extra`) as extension members and the headers it calls for
  (:meth:`~graph_api.errors.GraphApiError.headers`: ``Retry-After`` on a 429 or a 503 ``StoreBusy``,
  ``WWW-Authenticate`` on a 401). The errors of writes: ``ChangeRejected`` 422 with the SHACL report (its results
  in JSON; a client that prefers ``text/turtle`` gets the ``sh:ValidationReport`` itself, in Turtle),
  ``DocumentInputError`` 422 with the JSON path, ``InvalidChange``/``UpdateError`` 400, ``ProtectedGraph`` 403,
  ``DocumentExists``/``UnexportedChanges`` 409, ``PreconditionFailed`` 412, ``StoreBusy`` 503;
- Starlette's HTTP errors (unknown path 404, method not allowed 405 with ``Allow``…) keep their status and headers;
- FastAPI's request validation errors (a query parameter of the wrong type…) are a 400 listing each error;
- anything else is a 500 whose detail says nothing about the code (it is logged, never sent as a traceback).

Every problem has ``type`` (``https://w3id.org/vn-directives/problem/<kebab-case error>``), ``title``, ``status``,
``detail`` and ``instance`` (the request path).
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

import mimeparse  # type: ignore[import-untyped]
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from graph_api.errors import ChangeRejected, GraphApiError
from graph_api.http.common import accept_header

if TYPE_CHECKING:
    from fastapi import FastAPI, Request, Response

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
PROBLEM_BASE: Final = "https://w3id.org/vn-directives/problem/"

log = logging.getLogger(__name__)


def problem_type(name: str) -> str:
    """The ``type`` IRI of a problem named after a class or a status phrase (``QueryTimeout`` → …/query-timeout)."""
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", name.replace(" ", "")).lower()
    return PROBLEM_BASE + kebab


def problem_body(error: GraphApiError, instance: str | None = None) -> dict[str, Any]:
    """The RFC 9457 problem object of an error: type, title, status, detail, instance and the error's own fields."""
    body: dict[str, Any] = {
        "type": problem_type(type(error).__name__),
        "title": error.title,
        "status": error.status,
        "detail": str(error),
    }
    if instance is not None:
        body["instance"] = instance
    return body | {k: v for k, v in error.extra().items() if k not in body}


def problem_response(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _status_problem(status: int, detail: str, instance: str) -> dict[str, Any]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {
        "type": problem_type(phrase.title()),
        "title": phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
    }


async def _graph_api_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, GraphApiError):  # pragma: no cover - registered for GraphApiError only
        raise exc
    if exc.status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, ChangeRejected) and _prefers_turtle(request):
        return PlainTextResponse(exc.report.to_turtle(), status_code=exc.status, media_type="text/turtle")
    return problem_response(problem_body(exc, request.url.path), exc.status, exc.headers() or None)


def _prefers_turtle(request: Request) -> bool:
    """Whether the request's Accept prefers Turtle to problem+json (a rejected change's report)."""
    accept = accept_header(request) or ""
    if "turtle" not in accept:
        return False
    try:
        best = mimeparse.best_match([PROBLEM_MEDIA_TYPE, "application/json", "text/turtle"], accept)
    except (ValueError, mimeparse.MimeTypeParseException):
        return False
    return bool(best == "text/turtle")


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover - registered for HTTPException only
        raise exc
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
        allowed = _allowed_methods(request) or headers.get("Allow")
        if allowed:
            headers["Allow"] = allowed
            detail += f"; use {allowed}"
    elif exc.status_code == 404:
        detail = f"nothing at {request.url.path}"
    body = _status_problem(exc.status_code, detail, request.url.path)
    return problem_response(body, exc.status_code, headers)


_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str | None:
    """Every method some route accepts on this path: Starlette's own ``Allow`` names only the first route's, and a
    path may have one route per method (each with its own OpenAPI operation). Probed through ``Route.matches``."""
    methods = {
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.router.routes
        )
    }
    return ", ".join(sorted(methods)) or None


async def _validation_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover - registered for it only
        raise exc
    errors = [
        {"location": ".".join(str(p) for p in error.get("loc", ())), "message": str(error.get("msg", ""))}
        for error in exc.errors()
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid request"
    body = _status_problem(400, detail, request.url.path) | {"errors": errors}
    return problem_response(body, 400)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = _status_problem(500, "the service failed while answering; the error has been logged", request.url.path)
    return problem_response(body, 500)


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on an application."""
    app.add_exception_handler(GraphApiError, _graph_api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
