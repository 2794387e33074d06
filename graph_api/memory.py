"""The memory budget for the query workers' in-memory copies of an on-disk store (``GRAPH_API_QUERY_MEMORY_MB``).

The pool (:mod:`graph_api.executor`) copies the store into each worker's memory only when all the copies together fit
the budget: by default a quarter of the machine's memory (of the container's limit when that is lower), the share a
JVM gives its heap when not told otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

#: Resident bytes of a memory copy per triple of the default graph. Measured: the benchmark's graph at 10⁶ triples
#: (1,003,025 in the default graph) loaded from N-Triples into a process: 390 MB of RSS, the interpreter included;
#: rounded up for the memory of the queries themselves and the on-disk store the worker also keeps open.
BYTES_PER_QUAD: Final = 400
#: The cgroup (v2, then v1) files that hold a container's memory limit.
_CGROUP_LIMITS: Final = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def machine_memory() -> int | None:
    """Bytes of memory this process may use: the physical memory, or the cgroup's limit when lower; None if unknown."""
    try:
        physical: int | None = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # a platform without these names
        physical = None
    limits = [physical] if physical else []
    for name in _CGROUP_LIMITS:
        try:
            text = Path(name).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit():  # "max": no limit
            limits.append(int(text))
    return min(limits) if limits else None


def budget_bytes(budget_mb: int | None) -> int:
    """The budget in bytes: ``budget_mb`` MB, or a quarter of :func:`machine_memory` (0 when that is unknown)."""
    if budget_mb is not None:
        return budget_mb * 2**20
    memory = machine_memory()
    return memory // 4 if memory else 0


def copies_fit(quads: int, workers: int, budget_mb: int | None) -> bool:
    """Whether ``workers`` memory copies of ``quads`` triples (a default graph) fit the budget
    (``GRAPH_API_QUERY_MEMORY_MB``; None: the default, a quarter of the machine's memory; 0: never)."""
    return quads * BYTES_PER_QUAD * workers <= budget_bytes(budget_mb) and budget_mb != 0
