"""Helpers of the HTTP tests of documents, lineage, validation, queries and artefacts."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from graph_api.app import create_app
from graph_api.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx

    from graph_api.store import GraphStore

PROBLEM = "application/problem+json"


@contextmanager
def client_for(store: GraphStore, **settings: Any) -> Iterator[TestClient]:
    """A TestClient of the application over ``store`` (one query worker: starting workers is the slow part)."""
    app = create_app(Settings(_env_file=None, query_workers=1, **settings), store=store)
    with TestClient(app) as client:
        yield client


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The RFC 9457 body of a response that must be a problem of this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body
