"""The HTTP service: ``create_app(settings)`` assembles the routers of :mod:`graph_api.http`.

The store is loaded in the lifespan (or handed in ready-made by the CLI), never at import time, and the pool of query
worker processes (:mod:`graph_api.executor`) is started from it and stopped with the application. Every error
becomes an RFC 9457 ``application/problem+json`` response in :mod:`graph_api.problems`, and only there. CORS is open
for reading (GET, and POST for queries: the service is read-only). Adding a router is one ``include_router`` line.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

from graph_api import problems
from graph_api.executor import QueryExecutor
from graph_api.http import artefacts, documents, health, lineage, queries, sparql, validation
from graph_api.loading import build_store
from graph_api.settings import Settings, get_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from graph_api.store import GraphStore

#: Response headers a cross-origin script may read.
EXPOSED_HEADERS = [sparql.TRUNCATED_HEADER]


def create_app(settings: Settings | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """The application; it loads the store the settings describe at start-up, unless ``store`` is given."""
    chosen = settings if settings is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = store if store is not None else await run_in_threadpool(build_store, chosen, progress=False)
        executor = QueryExecutor(loaded, workers=chosen.query_workers, timeout=chosen.query_timeout)
        app.state.settings = chosen
        app.state.store = loaded
        app.state.executor = executor
        try:
            await executor.start()
            yield
        finally:
            await executor.stop()
            if store is None:
                loaded.close()

    app = FastAPI(title="Vietnam directive hierarchy graph", version="0.1.0", lifespan=lifespan)
    problems.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=EXPOSED_HEADERS,
    )
    app.include_router(health.router)
    app.include_router(sparql.router)
    app.include_router(documents.router)
    app.include_router(lineage.router)
    app.include_router(validation.router)
    app.include_router(queries.router)
    app.include_router(artefacts.router)
    return app
