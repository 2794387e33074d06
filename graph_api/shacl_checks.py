"""SHACL Core constraints of a property shape as SPARQL, with pySHACL's exact verdict on the rows that need one.

Each constraint is one SELECT over ``?this`` (bound by a binder, see :mod:`graph_api.shacl_rewrite`) and its value
nodes: cardinalities are decided in SPARQL (``COUNT(DISTINCT …)``), value constraints return only the values a
cheap filter cannot prove conforming (well-formed integers, decimals and dates of the right datatype in range,
strings of the right length…), and those few rows are decided in Python by the same rules pySHACL applies on
rdflib terms (ill-typed literals, ``compare_literal``, rdflib's lexical normalisation), so the verdicts are
pySHACL's and almost no value crosses from Oxigraph into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Final

import rdflib
from pyshacl.rdfutil.compare import compare_literal
from pyshacl.rdfutil.stringify import stringify_node
from rdflib import RDF, XSD, BNode, Literal, URIRef

from graph_api.errors import UnsupportedShape
from graph_api.namespaces import SH

if TYPE_CHECKING:
    from collections.abc import Callable

    from rdflib.term import Node

    from graph_api.shacl_shapes import CoreConstraint, Shape

_WELL_FORMED: Final[dict[URIRef, str]] = {
    XSD.integer: "^[+-]?[0-9]+$",
    XSD.decimal: "^[+-]?[0-9]+([.][0-9]+)?$",
    XSD.date: "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
}
_PYTHON_TYPES: Final[dict[URIRef, type | tuple[type, ...]]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}
_NODE_KINDS: Final[dict[URIRef, str]] = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "!isLiteral(?value)",
    SH.BlankNodeOrLiteral: "!isIRI(?value)",
    SH.IRIOrLiteral: "!isBlank(?value)",
}

_NODE_KIND_TYPES: Final[dict[URIRef, tuple[type, ...]]] = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


@dataclass(frozen=True)
class CoreQuery:
    """One constraint: a query template (``{binder}`` to fill) and, for value constraints, the exact verdict."""

    constraint: CoreConstraint
    template: str
    decide: Callable[[Node, Node | None], bool] | None
    #: For sh:class: the class whose subclass closure replaces ``{closure}`` in the template.
    closure: str | None = None
    #: A form for a few chosen focus nodes, when the full run's (a hash anti-join) would read the whole class.
    focus_template: str | None = None

    @property
    def has_value(self) -> bool:
        """Whether each row (and result) names a value node: all but the cardinalities."""
        return self.constraint.parameter not in (SH.minCount, SH.maxCount)


def _well_formed(datatype: Node, var: str = "?value") -> str:
    pattern = _WELL_FORMED.get(datatype) if isinstance(datatype, URIRef) else None
    if pattern is None:
        return "false"
    year = f' && SUBSTR(STR({var}), 1, 4) != "0000"' if datatype == XSD.date else ""
    return f'isLiteral({var}) && DATATYPE({var}) = <{datatype}> && REGEX(STR({var}), "{pattern}"){year}'


# -- pySHACL's rules, on rdflib terms ---------------------------------------------------------------------------


def datatype_matches(value: Node, datatype: Node) -> bool:
    """DatatypeConstraintComponent: a literal of the datatype that is not ill-typed (rdflib's value check)."""
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        if getattr(value, "ill_typed", None) is True:
            return False
    elif datatype == rdflib.RDFS.Literal or (datatype == rdflib.RDFS.Datatype and value.datatype):
        return True
    elif not (value.datatype is None and value.language is None and datatype == XSD.string) and not (
        datatype == RDF.langString and value.language
    ):
        return False
    expected = _PYTHON_TYPES.get(datatype) if isinstance(datatype, URIRef) else None
    return expected is None or isinstance(value.value, expected)


def _range_ok(value: Node, bound: Node, accept: Callable[[int], bool]) -> bool:
    """Min/MaxInclusive/Exclusive: a literal comparable with the bound (both strings or neither) on the right side."""
    if not isinstance(value, Literal) or not isinstance(bound, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(value.value, str):
        return False
    try:
        order: int = compare_literal(value, bound)  # type: ignore[no-untyped-call]
        return accept(order)
    except (TypeError, NotImplementedError):  # pySHACL's compare_literal raises these for incomparable literals
        return False


def value_string(value: Node) -> str:
    """pySHACL's string of a value node for sh:minLength / sh:maxLength."""
    if isinstance(value, Literal) and value.value is not None and value.datatype in (None, RDF.langString, XSD.string):
        return str(value.value)
    return str(value)


def _language_ok(value: Node, wanted: set[str]) -> bool:
    if not isinstance(value, Literal) or not value.language:
        return False
    tag = str(value.language).lower()
    return "*" in wanted or tag in wanted or tag.split("-")[0] in wanted


def _less_or_equal_ok(value: Node, other: Node) -> bool:
    """LessThanOrEqualsConstraintComponent on one pair, as pySHACL compares them (strings apart, else ``<=``)."""
    if isinstance(value, BNode) or isinstance(other, BNode):
        raise UnsupportedShape("sh:lessThanOrEquals", "a comparison with a blank node")

    def plain(node: Node) -> tuple[object, bool]:
        if isinstance(node, URIRef):
            return str(node), True
        if isinstance(node, Literal) and isinstance(node.value, str):
            return node.value, True
        return node, False

    (left, left_is_string), (right, right_is_string) = plain(value), plain(other)
    if left_is_string != right_is_string:
        return False
    return bool(left <= right)  # type: ignore[operator]


# -- compilation ------------------------------------------------------------------------------------------------


def _values_query(path: str, fast_ok: str) -> str:
    return f"SELECT DISTINCT ?this ?value WHERE {{ {{binder}} ?this {path} ?value . FILTER (!({fast_ok})) }}"


def _cardinality(shape: Shape, constraint: CoreConstraint, path: str) -> CoreQuery | None:
    value = constraint.value
    number = value.value if isinstance(value, Literal) and isinstance(value.value, int) else None
    if number is None:
        raise UnsupportedShape(shape.name, f"a {constraint.parameter} that is not an integer")
    if constraint.parameter == SH.maxCount:
        query = (
            f"SELECT ?this WHERE {{ {{binder}} ?this {path} ?v_ }} GROUP BY ?this"
            f" HAVING (COUNT(DISTINCT ?v_) > {number})"
        )
        return CoreQuery(constraint, query, None)
    if number == 0:
        return None
    if number == 1:
        query = f"SELECT ?this WHERE {{ {{binder}} FILTER NOT EXISTS {{ ?this {path} ?v_ }} }}"
        return CoreQuery(constraint, query, None)
    query = (
        f"SELECT ?this WHERE {{ {{binder}} OPTIONAL {{ ?this {path} ?v_ }} }} GROUP BY ?this"
        f" HAVING (COUNT(DISTINCT ?v_) < {number})"
    )
    return CoreQuery(constraint, query, None)


def compile_core(shape: Shape, constraint: CoreConstraint) -> CoreQuery | None:
    """The query (and exact verdict) of one Core constraint of a property shape; None when it cannot fail."""
    if shape.path is None:
        raise UnsupportedShape(shape.name, f"{constraint.parameter} on a node shape")
    path, parameter, value = shape.path.sparql(), constraint.parameter, constraint.value
    if parameter in (SH.minCount, SH.maxCount):
        return _cardinality(shape, constraint, path)
    if parameter == SH.lessThanOrEquals:
        both = f"{_well_formed(XSD.decimal)} && {_well_formed(XSD.decimal, '?other_')}"
        ints = f"{_well_formed(XSD.integer)} && {_well_formed(XSD.integer, '?other_')}"
        query = (
            f"SELECT DISTINCT ?this ?value ?other_ WHERE {{ {{binder}} ?this {path} ?value . ?this <{value}> ?other_ ."
            f" FILTER (!((({both}) || ({ints})) && ?value <= ?other_)) }}"
        )
        return CoreQuery(constraint, query, lambda v, other: other is not None and not _less_or_equal_ok(v, other))
    if parameter == SH["class"]:
        # Instances of the class or of a subclass: {closure} is the rdfs:subClassOf* closure, listed at run time;
        # MINUS for a full run (one hash anti-join), NOT EXISTS per value for a few focus nodes.
        query = (
            f"SELECT DISTINCT ?this ?value WHERE {{ {{ {{binder}} ?this {path} ?value }}"
            " MINUS { ?value a ?class_ . VALUES ?class_ { {closure} } } }"
        )
        focus = (
            f"SELECT DISTINCT ?this ?value WHERE {{ {{binder}} ?this {path} ?value ."
            " FILTER NOT EXISTS { ?value a ?class_ . VALUES ?class_ { {closure} } } }"
        )
        return CoreQuery(constraint, query, None, closure=str(value), focus_template=focus)
    fast_ok, decide = _value_rule(shape, constraint)
    return CoreQuery(constraint, _values_query(path, fast_ok), lambda v, _other: decide(v))


def _datatype_rule(datatype: Node) -> tuple[str, Callable[[Node], bool]]:
    if datatype == XSD.string:
        fast = "isLiteral(?value) && DATATYPE(?value) = <http://www.w3.org/2001/XMLSchema#string>"
    elif datatype == RDF.langString:
        fast = 'isLiteral(?value) && LANG(?value) != ""'
    else:
        fast = _well_formed(datatype)
    return fast, lambda v: not datatype_matches(v, datatype)


def _range_rule(parameter: URIRef, bound: Node) -> tuple[str, Callable[[Node], bool]]:
    operator, accept = _RANGES[parameter]
    datatype = bound.datatype if isinstance(bound, Literal) else None
    fast = "false"
    if datatype is not None and datatype in _WELL_FORMED:
        fast = f"{_well_formed(datatype)} && ?value {operator} {bound.n3()}"
    return fast, lambda v: not _range_ok(v, bound, accept)


_RANGES: Final[dict[URIRef, tuple[str, Callable[[int], bool]]]] = {
    SH.minInclusive: (">=", lambda c: c >= 0),
    SH.maxInclusive: ("<=", lambda c: c <= 0),
    SH.minExclusive: (">", lambda c: c > 0),
    SH.maxExclusive: ("<", lambda c: c < 0),
}


def _value_rule(shape: Shape, constraint: CoreConstraint) -> tuple[str, Callable[[Node], bool]]:
    """A SPARQL filter true only of conforming values, and pySHACL's violation test."""
    parameter, value = constraint.parameter, constraint.value
    if parameter == SH.datatype:
        return _datatype_rule(value)
    if parameter == SH.nodeKind:
        if not isinstance(value, URIRef) or value not in _NODE_KINDS:
            raise UnsupportedShape(shape.name, f"sh:nodeKind {value}")
        allowed = _NODE_KIND_TYPES[value]
        return _NODE_KINDS[value], lambda v: not isinstance(v, allowed)
    if parameter in _RANGES:
        return _range_rule(parameter, value)
    if parameter in (SH.minLength, SH.maxLength):
        length = value.value if isinstance(value, Literal) else None
        if not isinstance(length, int) or length < 0:
            raise UnsupportedShape(shape.name, f"a {parameter} that is not a non-negative integer")
        operator = ">=" if parameter == SH.minLength else "<="
        fast = (
            "isLiteral(?value) && (DATATYPE(?value) = <http://www.w3.org/2001/XMLSchema#string> ||"
            f' LANG(?value) != "") && STRLEN(STR(?value)) {operator} {length}'
        )
        if parameter == SH.minLength:
            return fast, lambda v: length > 0 and (isinstance(v, BNode) or len(value_string(v)) < length)
        return fast, lambda v: isinstance(v, BNode) or len(value_string(v)) > length
    if parameter == SH.languageIn:
        wanted = {str(m).lower() for m in constraint.members if isinstance(m, Literal)}
        if len(wanted) != len(constraint.members):
            raise UnsupportedShape(shape.name, "a sh:languageIn member that is not a string")
        listed = ", ".join(f'"{w}"' for w in sorted(wanted))
        fast = (
            f'isLiteral(?value) && LANG(?value) != "" && (LCASE(LANG(?value)) IN ({listed}) ||'
            f' LCASE(STRBEFORE(CONCAT(LANG(?value), "-"), "-")) IN ({listed}))'
            if "*" not in wanted
            else 'isLiteral(?value) && LANG(?value) != ""'
        )
        return fast, lambda v: not _language_ok(v, wanted)
    raise UnsupportedShape(shape.name, str(parameter))  # pragma: no cover - read_shapes admits no other


# -- pySHACL's generic messages, for a shape without sh:message ---------------------------------------------------

_GENERIC: Final[dict[URIRef, str]] = {
    SH.datatype: "Value is not Literal with datatype {}",
    SH["class"]: "Value does not have class {}",
    SH.nodeKind: "Value is not of Node Kind {}",
    SH.minInclusive: "Value is not >= {}",
    SH.maxInclusive: "Value is not <= {}",
    SH.minExclusive: "Value is not > {}",
    SH.maxExclusive: "Value is not < {}",
    SH.minLength: "String length not >= {}",
    SH.maxLength: "String length not <= {}",
    SH.languageIn: "String language is not in {}",
}


def generic_message(
    shapes: rdflib.Graph, data: rdflib.Graph, shape: Shape, constraint: CoreConstraint, focus: Node, value: Node | None
) -> str:
    """The message pySHACL writes for a Core result of a shape that has no sh:message (IRIs and literals shown with
    ``data``'s prefixes; a blank node is shown with ``data``'s triples about it, so pass the data graph for those)."""
    parameter, rule = constraint.parameter, constraint.value
    if parameter in (SH.minCount, SH.maxCount):
        assert shape.path is not None
        word = "Less" if parameter == SH.minCount else "More"
        bound = rule.value if isinstance(rule, Literal) else rule
        path = stringify_node(shapes, shape.path.node)
        return f"{word} than {bound} values on {stringify_node(data, focus)}->{path}"
    if parameter == SH.lessThanOrEquals:
        compared = stringify_node(shapes, rule)
        shown = stringify_node(data, value) if value is not None else ""
        return f"Value of {stringify_node(data, focus)}->{compared} <= {shown}"
    graph = data if parameter in (SH.minLength, SH.maxLength) else shapes
    return _GENERIC[parameter].format(stringify_node(graph, rule))
