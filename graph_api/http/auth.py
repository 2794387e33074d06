"""Who may write: the bearer token of a write request, checked against the configured ones.

Reads are open. A write (``POST``/``PUT``/``DELETE /documents``, SPARQL Update on ``/sparql``) needs
``Authorization: Bearer <token>`` with a token of the settings (``GRAPH_API_WRITE_TOKEN``, or one of
``GRAPH_API_WRITE_TOKENS``); the principal of that token is what the audit trail records as the change's author.

- no token configured: 403 (:class:`UpdateNotAllowed`), writes are disabled;
- no ``Authorization`` header, another scheme, or an unknown token: 401 (:class:`Unauthorized`) with
  ``WWW-Authenticate: Bearer``.

Tokens are compared in constant time (:func:`hmac.compare_digest`), every configured token each time, so the time
taken says nothing about which one came close.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Final

from fastapi import Depends, Request

from graph_api.errors import Unauthorized, UpdateNotAllowed

if TYPE_CHECKING:
    from graph_api.settings import Settings
    from graph_api.transactions import Writer

WRITES_DISABLED: Final = "writes are disabled (set GRAPH_API_WRITE_TOKEN)"


@dataclass(frozen=True)
class Curator:
    """An authorised writer: the principal its token names, and the store's writer."""

    principal: str
    writer: Writer


def principal_of(authorization: str | None, settings: Settings) -> str:
    """The principal whose token the ``Authorization`` header carries; raises 403 when writes are disabled, 401
    when the header is missing or the token unknown."""
    if not settings.writes_enabled:
        raise UpdateNotAllowed(WRITES_DISABLED)
    if not authorization:
        raise Unauthorized("this request writes: send Authorization: Bearer <token>")
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("use the Bearer scheme: Authorization: Bearer <token>", error="invalid_request")
    given = credentials.strip().encode("utf-8")
    found: str | None = None
    for token, principal in settings.principals().items():
        if hmac.compare_digest(given, token.encode("utf-8")) and found is None:
            found = principal
    if found is None:
        raise Unauthorized("the bearer token is not valid", error="invalid_token")
    return found


def authorize(request: Request) -> Curator:
    """The curator making this request (the dependency of every write route)."""
    settings: Settings = request.app.state.settings
    principal = principal_of(request.headers.get("authorization"), settings)
    writer: Writer | None = getattr(request.app.state, "writer", None)
    if writer is None:  # pragma: no cover - the lifespan creates one whenever a token is configured
        raise UpdateNotAllowed(WRITES_DISABLED)
    return Curator(principal, writer)


async def authorized(request: Request) -> Curator:
    """:func:`authorize` as an async dependency (it blocks on nothing)."""
    return authorize(request)


CuratorDep = Annotated[Curator, Depends(authorized)]
