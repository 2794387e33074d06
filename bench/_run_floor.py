"""The HTTP floor: a FastAPI application whose only route returns a constant JSON object.

``python -m bench._run_floor --port P`` serves it with uvicorn on 127.0.0.1, as ``graph-api serve`` serves the real
service (same server, same defaults), so that the difference between the two is what the service does per request.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi import FastAPI

from bench._run_common import HOST

if TYPE_CHECKING:
    from collections.abc import Sequence

CONSTANT: dict[str, Any] = {"status": "ok", "nodes": [], "edges": []}


def create_floor_app() -> FastAPI:
    app = FastAPI(title="HTTP floor")

    @app.get("/")
    async def constant() -> dict[str, Any]:
        return CONSTANT

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._run_floor")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(create_floor_app(), host=HOST, port=args.port)  # defaults of `graph-api serve`, access log included
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
