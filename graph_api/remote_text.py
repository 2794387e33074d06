"""SPARQL text for a remote server: what pyoxigraph takes as arguments of ``Store.query``, written into the query.

A SPARQL 1.1 server takes a query and a dataset, nothing else, so :class:`graph_api.remote.RemoteStore` writes the
rest into the text:

- ``base_iri`` and ``prefixes`` become a ``BASE``/``PREFIX`` prologue on one line of its own before the query; the
  server's syntax errors are moved back by that line (:func:`shift_error`), so that a position names the user's text;
- ``substitutions`` become a one-row ``VALUES`` block at the start of the outermost ``WHERE`` group
  (:func:`bind_values`): the same solutions as pyoxigraph's binding before evaluation, with each term written in its
  N-Triples form (an IRI cannot hold ``>`` or a space, a literal's quotes and backslashes are escaped), never text
  spliced from a value. As pyoxigraph does, a ``SELECT`` must project every bound variable (or be ``SELECT *``).

Finding that group needs no parser: strings, IRIs and comments are skipped, and braces and parentheses counted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api.protocol import OPAQUE

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from graph_api.types import Term

# Strings, IRIs and comments (skipped), braces and parentheses, variables, and keywords (not after ":" "@" "?" "$").
_TOKEN: Final = re.compile(
    rf"(?P<skip>{OPAQUE.pattern})"
    r"""|(?P<brace>[{}])|(?P<paren>[()])|(?P<star>\*)|[?$](?P<var>\w+)|(?<![\w:@?$-])(?P<word>[A-Za-z]+)(?![\w:-])"""
)
_FORMS: Final = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
_POSITION: Final = re.compile(r"error at (\d+):(\d+)")


def _tokens(query: str) -> Iterator[re.Match[str]]:
    for found in _TOKEN.finditer(query):
        if found["skip"] is None:
            yield found


def prologue(base_iri: str | None, prefixes: Mapping[str, str] | None) -> str:
    """``BASE``/``PREFIX`` declarations on one line ending with a newline ("" when there is none)."""
    parts = [f"BASE {ox.NamedNode(base_iri)}"] if base_iri is not None else []
    parts += [f"PREFIX {name}: {ox.NamedNode(iri)}" for name, iri in (prefixes or {}).items()]
    return " ".join(parts) + "\n" if parts else ""


def shift_error(message: str, lines: int) -> str:
    """A server's syntax error message with its ``error at LINE:COLUMN`` moved up by ``lines``."""
    if not lines:
        return message
    return _POSITION.sub(lambda m: f"error at {max(int(m[1]) - lines, 1)}:{m[2]}", message, count=1)


def _sparql_term(name: str, term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        # As pyoxigraph's own substitutions cannot name a blank node of another store, nor can VALUES (SPARQL 1.1).
        raise RuntimeError(f"cannot bind ?{name} to a blank node over the SPARQL protocol")
    if isinstance(term, ox.Triple):
        raise RuntimeError(f"cannot bind ?{name} to a triple term over the SPARQL 1.1 protocol")
    return str(term)  # N-Triples: <iri>, "literal"@lang, "literal"^^<datatype>


def _projection(query: str, start: int, end: int) -> set[str] | None:
    """Variables a SELECT projects (its text between SELECT and the WHERE group); None for ``SELECT *``."""
    projected: set[str] = set()
    depth, after_as = 0, False
    for found in _tokens(query[start:end]):
        if found["paren"]:
            depth += 1 if found["paren"] == "(" else -1
        elif found["star"] and depth == 0:
            return None
        elif found["var"] is not None and (depth == 0 or after_as):
            projected.add(found["var"])
        after_as = (found["word"] or "").upper() == "AS"
    return projected


def _where_group(query: str) -> tuple[str | None, int, int | None]:
    """The query form, where its text starts, and the offset just past the ``{`` of its outermost WHERE group
    (None when it has none, as ``DESCRIBE <iri>``)."""
    form, form_end = None, 0
    braces = parens = 0
    template = False  # inside CONSTRUCT's template
    for found in _tokens(query):
        word = (found["word"] or "").upper()
        if form is None:
            if word in _FORMS:
                form, form_end = word, found.end()
            continue
        if form == "CONSTRUCT" and word == "WHERE" and braces == 0 and not template:
            template = True  # CONSTRUCT WHERE { … }: the next group is the WHERE group, there is no template
            continue
        if found["paren"]:
            parens += 1 if found["paren"] == "(" else -1
        elif found["brace"] == "{":
            if braces == 0 and parens == 0:
                if form != "CONSTRUCT" or template:
                    return form, form_end, found.end()
                template = True  # CONSTRUCT { template } … WHERE { … }: skip the template first
            braces += 1
        elif found["brace"] == "}":
            braces -= 1
    return form, form_end, None


def bind_values(query: str, substitutions: Mapping[str, Term]) -> str:
    """The query with ``VALUES (?a ?b) { (term term) }`` first in its outermost WHERE group.

    Raises ``RuntimeError``, as pyoxigraph does, when a SELECT does not project a bound variable or a value cannot
    be written (a blank node).
    """
    if not substitutions:
        return query
    names = list(substitutions)
    row = " ".join(_sparql_term(name, substitutions[name]) for name in names)
    block = f" VALUES ({' '.join('?' + name for name in names)}) {{ ({row}) }}"
    form, form_end, group = _where_group(query)
    if form == "SELECT":
        projected = _projection(query, form_end, group if group is not None else len(query))
        missing = [name for name in names if projected is not None and name not in projected]
        if missing:
            raise RuntimeError(f"The SPARQL query does not contains variable ?{missing[0]} in its SELECT projection")
    if group is None:
        return f"{query}\nWHERE {{{block} }}"
    return query[:group] + block + query[group:]
