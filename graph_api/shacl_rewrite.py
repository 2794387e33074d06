"""A SHACL-SPARQL SELECT rewritten so that one query validates many focus nodes at once, with pre-binding semantics.

pySHACL runs a constraint's query once per focus node with ``$this`` pre-bound: every occurrence of ``$this``, in
every group, is the focus node. Here the query runs once for a set of focus nodes given by a *binder* (a pattern
binding ``?this`` to each of them: the shape's targets for a full run, ``VALUES`` for chosen focus nodes), and the
binder is put wherever evaluating the group bottom-up would otherwise see ``?this`` unbound:

- first thing in the WHERE clause (so ``FILTER NOT EXISTS { $this … }`` and ``BIND`` see it, and ``SELECT`` rows
  are per focus node);
- first thing in each nested group evaluated on its own — ``UNION`` branches, plain ``{ }`` groups, ``OPTIONAL``
  bodies, the WHERE of a sub-``SELECT`` — whose FILTER or BIND expressions mention ``$this`` (and, for chosen focus
  nodes, every such group that mentions ``$this`` at all, which only narrows the work). Groups inside ``EXISTS``
  see the enclosing solution already and are left alone.

Joining a group with the binder and then with the enclosing solution (whose ``?this`` is the same focus node)
gives exactly the rows of the group with ``$this`` replaced by that node, so the rows are pySHACL's.

One more rewrite is for speed: Oxigraph orders the patterns inside ``EXISTS { … }`` without knowing which variables
the enclosing row binds, so ``EXISTS { ?s a dh:Statement ; rdf:subject $this … }`` scans every statement for every
row. An ``[NOT] EXISTS { P }`` of a FILTER whose P has several patterns becomes ``[!]BOUND(?mN_)`` with
``OPTIONAL { SELECT DISTINCT <shared variables> (true AS ?mN_) WHERE { P } }`` at the end of the group: a hash join,
the same rows up to duplicates (which the caller drops, as pySHACL does). It is done only when every variable P
shares with the group is bound by the group's own triple patterns (or is ``?this``) and every variable P's own
filters take from the group also occurs in P's patterns; otherwise the ``EXISTS`` stays.

Supported: one SELECT with ``$this``/``?this`` (added to the projection when missing), ``$PATH`` in property
shapes, sub-``SELECT``s that project ``$this``, top-level GROUP BY that includes ``$this``, HAVING, ORDER BY.
Raises :class:`UnsupportedShape` for what SHACL forbids or pre-binding cannot be kept for: ``MINUS``, ``VALUES``,
``SERVICE``, ``GRAPH``, ``FROM``, ``SELECT *``, ``LIMIT``/``OFFSET``, ``AS $this``, ``$currentShape``,
``$shapesGraph``, a projected ``?failure``, aggregates not grouped by ``$this``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from graph_api.errors import UnsupportedShape

Mode = Literal["full", "focus"]

_TOKEN: Final = re.compile(
    r"""(?P<skip>\#[^\n]*|\s+)
    |(?P<string>\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<iri><[^<>"{}|^`\\\s]*>)
    |(?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
    |(?P<name>[A-Za-z_][\w-]*(?:\.[\w-]+)*(?::(?:[\w%-]+(?:\.[\w%-]+)*)?)?|:[\w%-]*)
    |(?P<other>\S)""",
    re.VERBOSE,
)
_FORBIDDEN: Final = {"MINUS", "VALUES", "SERVICE", "GRAPH", "FROM", "LIMIT", "OFFSET"}
_AGGREGATES: Final = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_UNSUPPORTED_VARS: Final = {"currentShape", "shapesGraph"}
_SLOT: Final = "\x00{}\x00"
_KINDS: Final = ("top", "needed", "narrowing")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "name" else self.text

    @property
    def var(self) -> str | None:
        return self.text[1:] if self.kind == "var" else None


@dataclass(frozen=True)
class RewrittenSelect:
    """The query as a template: :meth:`render` puts a binder where ``?this`` must be bound."""

    #: The query, with ``\\x00top\\x00``, ``\\x00needed\\x00`` and ``\\x00narrowing\\x00`` where binders may go.
    text: str
    #: The projected variables, in order (``this`` included when the query projects it).
    projection: tuple[str, ...]
    this_projected: bool

    def render(self, binder: str, mode: Mode) -> str:
        text = self.text
        for kind in _KINDS:
            used = kind != "narrowing" or mode == "focus"
            text = text.replace(_SLOT.format(kind), f" {binder} " if used else "")
        return text


@dataclass
class _Group:
    """What one pass over a group found: variables its patterns bind, those certainly bound, its filters."""

    bound: set[str]
    certain: set[str]
    filters: list[tuple[int, int]]
    own_this: bool = False
    expression_this: bool = False


class _Parser:
    def __init__(self, shape: str, text: str) -> None:
        self.shape = shape
        self.text = text
        self.tokens = [
            _Token(m.lastgroup or "", m.group(), m.start(), m.end())
            for m in _TOKEN.finditer(text)
            if m.lastgroup != "skip"
        ]
        self.edits: list[tuple[int, int, str]] = []
        self.markers = 0

    def fail(self, feature: str) -> UnsupportedShape:
        return UnsupportedShape(self.shape, feature)

    def check(self) -> None:
        for i, token in enumerate(self.tokens):
            if token.kind == "name" and token.upper in _FORBIDDEN:
                raise self.fail(f"{token.upper} in a SPARQL constraint")
            if token.var in _UNSUPPORTED_VARS:
                raise self.fail(f"${token.var} in a SPARQL constraint")
            if token.upper == "AS" and i + 1 < len(self.tokens) and self.tokens[i + 1].var == "this":
                raise self.fail("AS $this (re-binding a pre-bound variable)")

    def matching(self, i: int) -> int:
        """Index of the bracket closing the one at ``i``."""
        opening = self.tokens[i].text
        closing = {"{": "}", "(": ")"}[opening]
        depth = 0
        for j in range(i, len(self.tokens)):
            if self.tokens[j].text == opening:
                depth += 1
            elif self.tokens[j].text == closing:
                depth -= 1
                if depth == 0:
                    return j
        raise self.fail("unbalanced brackets in a SPARQL constraint")

    def variables(self, start: int, end: int) -> set[str]:
        return {t.var for t in self.tokens[start:end] if t.var is not None}

    def projection(self, i: int) -> tuple[list[str], int, int]:
        """Variables projected by the SELECT at ``i``, the offset after SELECT [DISTINCT], the WHERE group's index."""
        i += 1
        if self.tokens[i].upper in ("DISTINCT", "REDUCED"):
            i += 1
        after_select = self.tokens[i - 1].end
        names: list[str] = []
        while self.tokens[i].upper != "WHERE" and self.tokens[i].text != "{":
            token = self.tokens[i]
            if token.text == "*":
                raise self.fail("SELECT * in a SPARQL constraint")
            if token.text == "(":
                close = self.matching(i)
                names.append(self.tokens[close - 1].var or "")
                i = close
            elif token.var is not None:
                names.append(token.var)
            i += 1
        if self.tokens[i].upper == "WHERE":
            i += 1
        return names, after_select, i

    def scan(self, i: int, end: int, *, record: bool) -> _Group:
        """One pass over the group between braces ``i`` and ``end``, recursing into nested groups (recording their
        edits when ``record``)."""
        found = _Group(set(), set(), [])
        j = i + 1
        while j < end:
            token = self.tokens[j]
            if token.upper in ("FILTER", "BIND"):
                k = j + 1
                while self.tokens[k].text not in ("(", "{"):
                    k += 1
                stop = self.matching(k)
                found.expression_this = found.expression_this or "this" in self.variables(j, stop + 1)
                if token.upper == "FILTER":
                    found.filters.append((j + 1, stop))
                elif self.tokens[stop - 1].var is not None:
                    found.bound.add(self.tokens[stop - 1].var or "")
                j = stop + 1
                continue
            if token.text == "{":
                close = self.matching(j)
                if self.tokens[j + 1].upper == "SELECT":
                    names, _, where = self.projection(j + 1)
                    if "this" in self.variables(j, close) and "this" not in names:
                        raise self.fail("a sub-SELECT that uses $this without projecting it")
                    found.bound |= set(names)
                    if record:
                        self.group(where, top=False)
                elif record:
                    found.bound |= self.group(j, top=False, optional=self.tokens[j - 1].upper == "OPTIONAL").bound
                else:
                    found.bound |= self.scan(j, close, record=False).bound
                j = close + 1
                continue
            if token.var is not None:
                found.bound.add(token.var)
                found.certain.add(token.var)
                found.own_this = found.own_this or token.var == "this"
            j += 1
        return found

    def group(self, i: int, *, top: bool, optional: bool = False) -> _Group:
        """Analyse the group opening at ``i``: binder slot, EXISTS rewrites (not in an OPTIONAL body, whose filters
        join with the enclosing row); return what it binds."""
        end = self.matching(i)
        found = self.scan(i, end, record=True)
        kind = "top" if top else "needed" if found.expression_this else "narrowing" if found.own_this else None
        if kind is not None:
            self.edits.append((self.tokens[i].end, self.tokens[i].end, _SLOT.format(kind)))
            found.certain.add("this")
            found.bound.add("this")
        appended = [] if optional else [self.exists(k, stop, found) for k, stop in found.filters]
        self.edits.append((self.tokens[end].start, self.tokens[end].start, "".join(appended)))
        return found

    def exists(self, k: int, stop: int, outer: _Group) -> str:
        """Rewrite the [NOT] EXISTS of the filter between ``k`` and ``stop`` that qualify; the OPTIONALs to append."""
        appended, j = [], k
        while j < stop:
            if self.tokens[j].upper != "EXISTS" or self.tokens[j + 1].text != "{":
                j += 1
                continue
            negated = self.tokens[j - 1].upper == "NOT"
            close = self.matching(j + 1)
            inner = self.scan(j + 1, close, record=False) if self.rewritable(j + 1, close) else None
            shared = (inner.bound & outer.bound) if inner is not None else set()
            expression_vars = set().union(*(self.variables(a, b + 1) for a, b in inner.filters)) if inner else set()
            if inner is None or not shared <= outer.certain or not (expression_vars & outer.bound) <= inner.certain:
                j = close + 1
                continue
            self.markers += 1
            marker = f"?m{self.markers}_"
            start = self.tokens[j - 1].start if negated else self.tokens[j].start
            self.edits.append((start, self.tokens[close].end, f"({'!' if negated else ''}BOUND({marker}))"))
            body = self.text[self.tokens[j + 1].end : self.tokens[close].start]
            slot = _SLOT.format("narrowing") if "this" in inner.certain else ""
            keys = " ".join(f"?{v}" for v in sorted(shared))
            appended.append(f" OPTIONAL {{ SELECT DISTINCT {keys} (true AS {marker}) WHERE {{{slot}{body}}} }}")
            j = close + 1
        return "".join(appended)

    def rewritable(self, i: int, end: int) -> bool:
        """Several triple patterns at the group's own level (a ``.`` or ``;`` outside brackets)."""
        depth = 0
        for token in self.tokens[i + 1 : end]:
            depth += (token.text in ("{", "(")) - (token.text in ("}", ")"))
            if depth == 0 and token.text in (".", ";"):
                return True
        return False

    def apply(self) -> str:
        out, last = [], 0
        for start, end, text in sorted(self.edits, key=lambda e: (e[0], e[1])):
            out += [self.text[last:start], text]
            last = max(last, end)
        out.append(self.text[last:])
        return "".join(out)


def rewrite(shape: str, select: str, *, path: str | None, prefixes: dict[str, str]) -> RewrittenSelect:
    """Parse a constraint's SELECT (``$PATH`` replaced by ``path``) into a :class:`RewrittenSelect`."""
    parser = _Parser(shape, select)
    parts, last = [], 0
    for token in parser.tokens:
        if token.var == "PATH":
            if path is None:
                raise parser.fail("$PATH in a shape without sh:path")
            parts += [select[last : token.start], path]
            last = token.end
    text = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + "".join(parts) + select[last:]
    parser = _Parser(shape, text)
    parser.check()
    starts = [i for i, t in enumerate(parser.tokens) if t.upper == "SELECT"]
    if not starts:
        raise parser.fail("a SPARQL constraint that is not a SELECT")
    names, after_select, where = parser.projection(starts[0])
    if "failure" in names:
        raise parser.fail("a projected ?failure")
    parser.group(where, top=True)
    end = parser.matching(where)
    modifiers = parser.tokens[end + 1 :]
    grouped = any(t.upper == "GROUP" for t in modifiers)
    if grouped and not any(t.var == "this" for t in modifiers):
        raise parser.fail("a GROUP BY without $this")
    if not grouped and any(t.upper in _AGGREGATES for t in parser.tokens[starts[0] : where]):
        raise parser.fail("an aggregate not grouped by $this")
    this_projected = "this" in names
    if not this_projected:
        parser.edits.append((after_select, after_select, " ?this"))
    return RewrittenSelect(parser.apply(), tuple(names), this_projected)
