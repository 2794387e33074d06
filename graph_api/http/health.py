"""``GET /health``: liveness, the size of the loaded graph and the state of the query pool."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from graph_api.http.deps import ExecutorDep, StoreDep  # noqa: TC001 - FastAPI reads the annotations at runtime

router = APIRouter(tags=["service"])


@router.get("/health")
async def health(store: StoreDep, executor: ExecutorDep) -> dict[str, Any]:
    """Liveness, size of the loaded graph and the query workers (size, idle, busy, starting, waiting, replaced)."""
    return {"status": "ok", "quads": len(store), "graphs": len(store.graphs()), "workers": asdict(executor.status())}
