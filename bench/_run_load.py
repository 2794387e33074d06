"""A bounded loopback load: ``concurrency`` httpx async clients send one request after another for ``seconds``.

``python -m bench._run_load --url URL [--form JSON] --concurrency N --seconds S [--max-requests M]`` prints one
JSON object: requests, errors, throughput (answered requests per second) and p50/p99 latency in milliseconds.
It runs as its own process so that the client does not share an interpreter with the measuring harness; only
``127.0.0.1`` URLs are accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import httpx

from bench._run_common import HOST, median, percentile

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_REQUESTS: Final = 100_000


async def hammer(
    url: str, form: dict[str, str] | None, *, concurrency: int, seconds: float, max_requests: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Accept": "application/sparql-results+json, application/json"}
    async with httpx.AsyncClient(limits=limits, timeout=30.0, headers=headers) as client:
        await client.request("POST" if form else "GET", url, data=form)  # warm-up, not counted
        stop = time.perf_counter() + seconds

        async def one_client() -> None:
            nonlocal errors, sent
            while time.perf_counter() < stop and sent < max_requests:
                sent += 1
                begin = time.perf_counter()
                try:
                    response = await client.request("POST" if form else "GET", url, data=form)
                    await response.aread()
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - begin) * 1000)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": elapsed,
        "rps": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "concurrency": concurrency,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._run_load")
    parser.add_argument("--url", required=True)
    parser.add_argument("--form", help="JSON object sent as a form (POST); GET without it")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--max-requests", type=int, default=MAX_REQUESTS)
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname != HOST:
        parser.error(f"only loopback URLs ({HOST}) are allowed")
    form = json.loads(args.form) if args.form else None
    result = asyncio.run(hammer(args.url, form, concurrency=args.concurrency, seconds=min(args.seconds, 30.0),
                                max_requests=args.max_requests))  # fmt: skip
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
