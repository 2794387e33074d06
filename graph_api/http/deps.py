"""FastAPI dependencies shared by the routers: the settings, the store and the query pool of the application.

They read ``app.state``, which the lifespan in :mod:`graph_api.app` fills; tests may override them. Import the
``...Dep`` aliases at runtime (not under ``TYPE_CHECKING``): FastAPI reads a handler's annotations when the route is
declared. They are ``async``: they only read an attribute, and FastAPI runs a plain ``def`` dependency in the thread
pool, a hop that cost 80–100 µs each on every request.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from graph_api.executor import QueryExecutor
from graph_api.settings import Settings
from graph_api.store import GraphStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from graph_api.transactions import Writer


async def get_app_settings(request: Request) -> Settings:
    """The settings this application was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> AsyncIterator[GraphStore]:
    """The store loaded for this application (in this process; queries run in the pool's own copies).

    When writes are enabled, the request reads it under the writer's read gate
    (:meth:`graph_api.transactions.Writer.reading`), held until the handler returns: it never sees a change that
    is being validated (and may yet be rolled back). Write routes do not take it (they would wait for themselves).
    """
    store: GraphStore = request.app.state.store
    writer: Writer | None = getattr(request.app.state, "writer", None)
    if writer is None:
        yield store
        return
    gate = writer.reading()
    await run_in_threadpool(gate.__enter__)  # waits while a commit is being validated: never on the event loop
    try:
        yield store
    finally:
        gate.__exit__(None, None, None)


async def get_executor(request: Request) -> QueryExecutor:
    """The pool of query worker processes."""
    executor: QueryExecutor = request.app.state.executor
    return executor


def reading(request: Request) -> AbstractContextManager[GraphStore]:
    """The store for reading as :func:`get_store` gives it, for a route that cannot take the dependency (one that
    may also write: it would wait for its own read). Enter it off the event loop (it may wait for a commit)."""
    store: GraphStore = request.app.state.store
    writer: Writer | None = getattr(request.app.state, "writer", None)
    return writer.reading() if writer is not None else nullcontext(store)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[GraphStore, Depends(get_store, scope="function")]
ExecutorDep = Annotated[QueryExecutor, Depends(get_executor)]
