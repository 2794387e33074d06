"""Server-Timing (W3C Server Timing): the server-side time of the parts of a request, as a response header.

:class:`ServerTimingMiddleware` gives each HTTP request a :class:`Timings` and makes it current (a context variable,
which the request's threads and tasks inherit); the code that does the work records its parts with
``with timed("lineage"):`` or ``record("query", seconds)``; when the response starts, the middleware adds::

    Server-Timing: resolve;dur=0.052, lineage;dur=0.410, serialize;dur=0.101, total;dur=0.644

durations in milliseconds, parts in the order first recorded (a part recorded twice is summed), ``total`` last: from
the request reaching the application to its response starting (the body written, not yet sent). Outside a request
(the library, the CLI, tests calling plain functions) recording does nothing.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final

from starlette.datastructures import MutableHeaders

if TYPE_CHECKING:
    from collections.abc import Iterator

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER: Final = "Server-Timing"
#: The last part of every header: the request's whole time in the application.
TOTAL: Final = "total"


class Timings:
    """The parts of one request: name → seconds, in the order first recorded."""

    __slots__ = ("parts", "started")

    def __init__(self, started: float | None = None) -> None:
        self.started = time.perf_counter() if started is None else started
        self.parts: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.parts[name] = self.parts.get(name, 0.0) + seconds

    def header(self, now: float | None = None) -> str:
        """The ``Server-Timing`` value: each part, then ``total`` (up to ``now``)."""
        total = (time.perf_counter() if now is None else now) - self.started
        entries = [*self.parts.items(), (TOTAL, total)]
        return ", ".join(f"{name};dur={max(seconds, 0.0) * 1000:.3f}" for name, seconds in entries)


_current: ContextVar[Timings | None] = ContextVar("graph_api_server_timing", default=None)


def current() -> Timings | None:
    """The timings of the request being served, or None outside a request."""
    return _current.get()


def record(name: str, seconds: float) -> None:
    """Add ``seconds`` to the part ``name`` (a token: letters, digits, ``-``, ``_``) of the current request."""
    timings = _current.get()
    if timings is not None:
        timings.add(name, seconds)


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Record the time the block takes (also when it raises) as the part ``name``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        record(name, time.perf_counter() - started)


class ServerTimingMiddleware:
    """Pure ASGI middleware: a :class:`Timings` per HTTP request, written as ``Server-Timing`` on its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timings = Timings()
        token = _current.set(timings)

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(HEADER, timings.header())
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            _current.reset(token)
