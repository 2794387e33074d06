"""The terms of a parsed SPARQL Update (rdflib's algebra) as Oxigraph terms: templates instantiated with the
solutions of their WHERE pattern, constants in the canonical form Oxigraph stores them in."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable

from graph_api.errors import UpdateError

if TYPE_CHECKING:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Node

Value: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
#: Values of a WHERE pattern's variables, by name.
Solution: TypeAlias = dict[str, Value]
#: A template: (graph, or None for the default graph; subject, predicate, object), in rdflib terms.
Template: TypeAlias = "tuple[Node | None, Node, Node, Node]"


def part_of(value: CompValue, key: str) -> Any:
    """A field of a parsed operation, or None (``CompValue.get`` returns the key itself when it is missing)."""
    return dict.get(value, key)


def quad_templates(clause: CompValue, target: str | None) -> list[Template]:
    """The quad templates of a clause: its ``triples`` (in the default graph, or in ``target`` under WITH) and its
    ``quads`` (by graph)."""
    default = URIRef(target) if target is not None else None
    found: list[Template] = [(default, s, p, o) for s, p, o in part_of(clause, "triples") or ()]
    for graph, triples in (part_of(clause, "quads") or {}).items():
        found += [(graph, s, p, o) for s, p, o in triples]
    return found


def as_iri(node: URIRef) -> ox.NamedNode:
    try:
        return ox.NamedNode(str(node))
    except ValueError:
        raise UpdateError(f"<{node}> is not an absolute IRI (give the request a base IRI)") from None


def term_value(term: Node, solution: Solution, blank: dict[str, ox.BlankNode], *, fresh: bool) -> Value | None:
    if isinstance(term, Variable):
        return solution.get(str(term))
    if isinstance(term, URIRef):
        return as_iri(term)
    if isinstance(term, BNode):
        if not fresh:
            raise UpdateError("a DELETE template may not have a blank node")
        return blank.setdefault(str(term), ox.BlankNode())
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language.lower())
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise UpdateError(f"unsupported term {term!r} in a template")  # pragma: no cover - rdflib gives no other


_SCRATCH: Final = ox.NamedNode("urn:x-graph-api:scratch")
_STRING: Final = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
_LANG_STRING: Final = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")


def stored_form(term: Value) -> Value:
    """The term as Oxigraph stores it: a typed literal in its canonical form (``"01"^^xsd:integer`` is ``1``)."""
    if not isinstance(term, ox.Literal) or term.datatype in (_STRING, _LANG_STRING):
        return term
    return _stored_literal(term)


@functools.lru_cache(maxsize=4096)
def _stored_literal(term: ox.Literal) -> Value:
    """A typed literal's stored form, found by storing it in a scratch store (once per literal: a hot path)."""
    scratch = ox.Store()
    scratch.add(ox.Quad(_SCRATCH, _SCRATCH, term))
    stored = next(iter(scratch)).object
    return stored if isinstance(stored, ox.Literal) else term
