"""The HTTP service: ``create_app(settings)`` assembles the routers of :mod:`graph_api.http`.

The store is loaded in the lifespan (or handed in ready-made by the CLI), never at import time, and the pool of query
worker processes (:mod:`graph_api.executor`) is started from it and stopped with the application. Every error
becomes an RFC 9457 ``application/problem+json`` response in :mod:`graph_api.problems`, and only there. Every
response says where its time went in a ``Server-Timing`` header (:mod:`graph_api.timing`). Adding a router is one
``include_router`` line.

Writes: when a write token is configured (``GRAPH_API_WRITE_TOKEN``), the store is opened writable and its
:class:`~graph_api.transactions.Writer` is ``app.state.writer``; after each commit the query workers re-open at the
new state (:meth:`QueryExecutor.refresh`), so a query sent after a write is acknowledged sees it.

CORS is open for reading only: any origin may GET, and POST queries to ``/sparql`` (YASGUI), without credentials;
``Authorization`` is not an allowed request header and PUT/DELETE are not allowed methods, so a browser script of
another origin cannot send a write (its preflight fails). Curators write from the same origin or from programs.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

from graph_api import problems, timing
from graph_api.errors import ConfigError
from graph_api.executor import QueryExecutor
from graph_api.http import artefacts, documents, health, lineage, queries, sparql, validation, writes
from graph_api.loading import build_store
from graph_api.memory import copies_fit
from graph_api.settings import Settings, get_settings
from graph_api.transactions import Writer, writer_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from graph_api.store import GraphStore

#: Response headers a cross-origin script may read.
EXPOSED_HEADERS = [sparql.TRUNCATED_HEADER, timing.HEADER, "ETag"]


def open_writer(store: GraphStore, settings: Settings) -> Writer | None:
    """The store's writer when writes are enabled (None otherwise); a :class:`ConfigError` when the store cannot be
    written (a read-only store, or the 'server' backend)."""
    if not settings.writes_enabled:
        return None
    if store.server_url is not None:
        raise ConfigError("writes need the embedded store (GRAPH_API_BACKEND=embedded); unset GRAPH_API_WRITE_TOKEN")
    if store.read_only:
        raise ConfigError("writes are enabled but the store is open read-only: open it with writable=True")
    return writer_for(store, data_base=settings.base_iri)


def create_app(settings: Settings | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """The application; it loads the store the settings describe at start-up, unless ``store`` is given."""
    chosen = settings if settings is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = store
        if loaded is None:
            loaded = await run_in_threadpool(build_store, chosen, progress=False, writable=chosen.writes_enabled)
        try:
            writer = open_writer(loaded, chosen)
        except ConfigError:
            if store is None:
                loaded.close()
            raise
        # In process only without writes: a commit validates its change in this store before it is final.
        inline = chosen.inline_query_ms / 1000 if writer is None else 0.0
        # Memory copies only without writes: each commit would have every worker copy the store again.
        copies = writer is None and loaded.path is not None  # a path: the embedded store on disk
        # A copy holds the default graph, the union of named graphs: at most as many triples as they hold quads.
        copies = copies and copies_fit(len(loaded), chosen.query_workers, chosen.query_memory_mb)
        executor = QueryExecutor(
            loaded,
            workers=chosen.query_workers,
            timeout=chosen.query_timeout,
            inline_budget=inline,
            memory_copies=copies,
        )
        app.state.settings = chosen
        app.state.store = loaded
        app.state.executor = executor
        app.state.writer = writer
        try:
            await executor.start()
            if writer is not None:
                writer.on_commit(lambda _: executor.refresh(loaded))
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
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=EXPOSED_HEADERS,
    )
    app.add_middleware(timing.ServerTimingMiddleware)  # outermost: its total covers the CORS middleware too
    app.include_router(health.router)
    app.router.routes.extend(sparql.routes)
    app.include_router(writes.router)  # before documents: its /documents/{key}/edit would be a key otherwise
    app.include_router(documents.router)
    app.include_router(lineage.router)
    app.include_router(validation.router)
    app.include_router(queries.router)
    app.include_router(artefacts.router)
    _document_plain_routes(app)
    return app


def _document_plain_routes(app: FastAPI) -> None:
    """Add to the OpenAPI document the operations of the routes that are plain Starlette routes (``/sparql``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()  # FastAPI's own, which it keeps as app.openapi_schema
            schema["paths"] = sparql.openapi_paths() | schema["paths"]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
