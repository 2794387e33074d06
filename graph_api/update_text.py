"""The text of a SPARQL 1.1 Update request, cut into its operations: each one's prologue and WHERE pattern as
written, so that Oxigraph evaluates the pattern exactly as the request states it (no regenerated SPARQL).

The request is read through :func:`graph_api.sparql_text.mask` (strings, IRIs, comments, variables and names
blanked out, offsets kept): what remains visible is keywords and punctuation, so a ``;`` outside braces separates
two operations and the braces nest as the grammar says. An operation's prologue is every ``PREFIX``/``BASE``
declaration before it (they carry over to the operations that follow); its WHERE pattern is the last top-level
``{ … }`` group of a ``DELETE``/``INSERT … WHERE`` and the only group of a ``DELETE WHERE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from graph_api.errors import QuerySyntaxError
from graph_api.sparql_text import mask

#: The first keyword of each operation (``WITH`` opens a DELETE/INSERT).
#: (``mask`` leaves a prefix such as ``load:`` visible: a keyword is not followed by ``:``.)
_OPERATION: Final = re.compile(r"\b(INSERT|DELETE|WITH|CLEAR|DROP|CREATE|ADD|MOVE|COPY|LOAD)\b(?!:)", re.IGNORECASE)


@dataclass(frozen=True)
class OperationText:
    """One operation of a request: the prologue in force (declarations so far) and the operation's own text."""

    prologue: str
    text: str
    keyword: str

    def where(self) -> str:
        """The WHERE group pattern of a DELETE/INSERT or DELETE WHERE, ``{`` to ``}`` as written."""
        groups = _groups(mask(self.text))
        if not groups:
            raise QuerySyntaxError(f"no group pattern in the operation {self.text.strip()[:60]!r}")
        start, end = groups[-1]
        return self.text[start:end]


def _groups(masked: str) -> list[tuple[int, int]]:
    """Spans of the top-level ``{ … }`` groups of masked text."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, 0
    for index, char in enumerate(masked):
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise QuerySyntaxError("unbalanced '}' in the update")
            if depth == 0:
                spans.append((start, index + 1))
    if depth:
        raise QuerySyntaxError("unbalanced '{' in the update")
    return spans


def split_operations(request: str) -> list[OperationText]:
    """The operations of an update request, in order (a request of declarations only has none)."""
    masked = mask(request)
    cuts, depth = [0], 0
    for index, char in enumerate(masked):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == ";" and depth == 0:
            cuts.append(index + 1)
    cuts.append(len(request) + 1)
    operations: list[OperationText] = []
    prologue = ""
    for start, end in pairwise(cuts):
        piece, shown = request[start : end - 1], masked[start : end - 1]
        found = _OPERATION.search(shown)
        head = piece if found is None else piece[: found.start()]
        prologue += head + "\n"
        if found is not None:
            operations.append(OperationText(prologue, piece[found.start() :], found.group(1).upper()))
    return operations
