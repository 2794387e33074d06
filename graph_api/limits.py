"""Limits on what one request may ask of the service; each is refused with a 4xx/429 problem that names it.

=================================  ===========================================  ======================================
limit                              value                                        answer
=================================  ===========================================  ======================================
request body (every POST)          ``GRAPH_API_MAX_BODY_BYTES``                 413 :class:`PayloadTooLarge`
query length (/sparql; the         ``GRAPH_API_MAX_QUERY_CHARS``                400 :class:`LimitExceeded`
parameters of /queries/{name})
query nesting, query operators     :data:`MAX_NESTING`, :data:`MAX_OPERATORS`   400 :class:`LimitExceeded`
JSON-LD / RDF/XML body nesting     :data:`MAX_NESTING`                          400 :class:`LimitExceeded`
simultaneous queries of a client   ``GRAPH_API_MAX_CONCURRENT_PER_CLIENT``      429 :class:`TooManyRequests`
result rows                        ``GRAPH_API_MAX_ROWS``                       200, cut, ``Graph-Api-Truncated``
=================================  ===========================================  ======================================

The nesting and operator limits are fixed, not settings: they keep the parsers and the query evaluator (which
recurse) far from the end of their stack. Measured with pyoxigraph 0.5 on an 8 MiB stack, a process dies (SIGSEGV)
on 3,000 nested ``{``, 5,000 nested ``(``, 20,000 ``!`` in a row, 3,000 BINDs, 3,000 MINUS, 20,000 UNION or ``&&``,
10,000 triple patterns, and a JSON-LD body 5,000 objects deep; a query worker's death is a 500, the server's
would end the service.

:class:`ClientLimiter` counts the queries each client address has running; :func:`client_slot` takes one of the
request's client's slots for the time of a block or answers 429 (/sparql holds it in its handler, /queries/{name}
through the route dependency :func:`query_slot`).
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from itertools import accumulate
from typing import TYPE_CHECKING, Final

from fastapi import Request  # noqa: TC002 - FastAPI reads the annotations at runtime

from graph_api.errors import LimitExceeded, TooManyRequests
from graph_api.sparql_text import complexity

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator
    from contextlib import AbstractContextManager

    from fastapi import FastAPI

    from graph_api.settings import Settings

#: Deepest nesting of brackets in a query, or of arrays/objects (JSON-LD) or elements (RDF/XML) in a body.
MAX_NESTING: Final = 256
#: Most operators, brackets and pattern keywords (UNION, OPTIONAL, MINUS, BIND, FILTER…) in a query.
MAX_OPERATORS: Final = 2_000
#: Seconds a client told to slow down (429) is asked to wait.
RETRY_AFTER: Final = 1


def check_query_length(text: str, settings: Settings, *, what: str = "the query") -> None:
    """:class:`LimitExceeded` when the text is longer than ``max_query_chars``."""
    if len(text) > settings.max_query_chars:
        raise LimitExceeded(
            f"{what}: {len(text)} characters, more than the {settings.max_query_chars} allowed "
            "(GRAPH_API_MAX_QUERY_CHARS)",
            limit="max_query_chars",
            maximum=settings.max_query_chars,
            actual=len(text),
            setting="GRAPH_API_MAX_QUERY_CHARS",
        )


def check_parameters_length(values: Iterable[str], settings: Settings) -> None:
    """:class:`LimitExceeded` when parameter values (of a named query) add up to more than ``max_query_chars``."""
    check_query_length("".join(values), settings, what="the parameters")


def nesting_exceeded(what: str, depth: int) -> LimitExceeded:
    """The error for ``what`` (a query, a JSON-LD body…) nested ``depth`` deep, over :data:`MAX_NESTING`."""
    return LimitExceeded(
        f"{what} is nested {depth} levels deep, more than the {MAX_NESTING} allowed",
        limit="max_nesting",
        maximum=MAX_NESTING,
        actual=depth,
    )


def check_query_complexity(text: str) -> None:
    """:class:`LimitExceeded` when the query's brackets nest deeper than :data:`MAX_NESTING` or it has more than
    :data:`MAX_OPERATORS` operators (see :func:`graph_api.sparql_text.complexity`)."""
    found = complexity(text)
    if found.depth > MAX_NESTING:
        raise nesting_exceeded("the query", found.depth)
    if found.operators > MAX_OPERATORS:
        raise LimitExceeded(
            f"the query has {found.operators} operators, brackets and pattern keywords, more than the "
            f"{MAX_OPERATORS} allowed; a long list of alternatives reads better as VALUES or IN",
            limit="max_operators",
            maximum=MAX_OPERATORS,
            actual=found.operators,
        )


_JSON_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_NOT_BRACKET: Final = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    brackets = _JSON_NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    return max(0, *accumulate(1 if b in "[{" else -1 for b in brackets))


def check_json_nesting(text: str, what: str = "the JSON body") -> None:
    """:class:`LimitExceeded` when the JSON text nests deeper than :data:`MAX_NESTING`."""
    depth = json_depth(text)
    if depth > MAX_NESTING:
        raise nesting_exceeded(what, depth)


# -- simultaneous queries per client ------------------------------------------------------------------------------


class ClientLimiter:
    """How many requests each client has running, at most ``maximum`` each; safe to share between threads."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def try_acquire(self, client: str) -> bool:
        """Take a slot for ``client``; False (and nothing taken) when it already has ``maximum``."""
        with self._lock:
            count = self._running.get(client, 0)
            if count >= self.maximum:
                return False
            self._running[client] = count + 1
            return True

    def release(self, client: str) -> None:
        """Give back a slot taken by :meth:`try_acquire`."""
        with self._lock:
            count = self._running.get(client, 0) - 1
            if count > 0:
                self._running[client] = count
            else:
                self._running.pop(client, None)

    def running(self, client: str) -> int:
        with self._lock:
            return self._running.get(client, 0)

    @contextmanager
    def slot(self, client: str) -> Iterator[None]:
        """Hold a slot for the block; :class:`TooManyRequests` (429) when the client has none left."""
        if not self.try_acquire(client):
            raise TooManyRequests(
                f"this client already has {self.maximum} queries running, the most allowed "
                f"(GRAPH_API_MAX_CONCURRENT_PER_CLIENT); retry when one has finished",
                limit="max_concurrent_per_client",
                maximum=self.maximum,
                setting="GRAPH_API_MAX_CONCURRENT_PER_CLIENT",
                retry_after=RETRY_AFTER,
            )
        try:
            yield
        finally:
            self.release(client)


def limiter_for(app: FastAPI, settings: Settings) -> ClientLimiter:
    """The application's limiter, made on first use (route handlers run on one event loop: no race)."""
    limiter: ClientLimiter | None = getattr(app.state, "query_limiter", None)
    if limiter is None:
        limiter = ClientLimiter(settings.max_concurrent_per_client)
        app.state.query_limiter = limiter
    return limiter


def client_address(request: Request) -> str:
    """The client a request counts against: its address as the server saw it (behind a proxy, the proxy's, unless
    the server is told to trust forwarded headers)."""
    return request.client.host if request.client is not None else "unknown"


def client_slot(request: Request) -> AbstractContextManager[None]:
    """One of the request's client's slots of simultaneous queries, for a ``with`` block (429 when it has none)."""
    return limiter_for(request.app, request.app.state.settings).slot(client_address(request))


async def query_slot(request: Request) -> AsyncIterator[None]:
    """Route dependency (``Depends(query_slot)``): a slot of the client's for the handler's time."""
    with client_slot(request):
        yield
