"""FastAPI dependencies shared by the routers: the settings, the store and the query pool of the application.

They read ``app.state``, which the lifespan in :mod:`graph_api.app` fills; tests may override them. Import the
``...Dep`` aliases at runtime (not under ``TYPE_CHECKING``): FastAPI reads a handler's annotations when the route is
declared.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from graph_api.executor import QueryExecutor
from graph_api.settings import Settings
from graph_api.store import GraphStore


def get_app_settings(request: Request) -> Settings:
    """The settings this application was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> GraphStore:
    """The store loaded for this application (in this process; queries run in the pool's own copies)."""
    store: GraphStore = request.app.state.store
    return store


def get_executor(request: Request) -> QueryExecutor:
    """The pool of query worker processes."""
    executor: QueryExecutor = request.app.state.executor
    return executor


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
ExecutorDep = Annotated[QueryExecutor, Depends(get_executor)]
