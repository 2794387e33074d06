"""The shapes graph read into plain definitions, for :mod:`graph_api.shacl_sparql` to compile.

Exactly the SHACL features our shapes use are read; anything else raises :class:`UnsupportedShape` naming the
feature, so that a new shape is never silently mis-validated:

- shapes: ``sh:NodeShape`` and ``sh:PropertyShape`` (a property shape used through ``sh:property`` of a node shape,
  or with targets of its own); ``sh:severity`` (default ``sh:Violation``), ``sh:deactivated``, ``sh:message``;
- targets: ``sh:targetClass`` (instances of the class or of a subclass, ``rdfs:subClassOf*`` in the data graph),
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``;
- paths: a predicate IRI or ``[ sh:inversePath IRI ]``;
- Core constraints: ``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:class``, ``sh:nodeKind``,
  ``sh:minInclusive``/``sh:maxInclusive``/``sh:minExclusive``/``sh:maxExclusive``, ``sh:minLength``,
  ``sh:maxLength``, ``sh:languageIn``, ``sh:lessThanOrEquals``;
- SHACL-SPARQL: ``sh:sparql`` with ``sh:select``, ``sh:prefixes`` (``sh:declare``), ``sh:message`` and
  ``sh:deactivated`` on the constraint (see :mod:`graph_api.shacl_rewrite` for the query forms).

Not-validating properties (``sh:name``, ``sh:description``, ``sh:order``, ``sh:group``, ``sh:defaultValue``) and
properties outside the SHACL namespace are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import rdflib
from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.collection import Collection

from graph_api.errors import UnsupportedShape
from graph_api.namespaces import SH

if TYPE_CHECKING:
    from rdflib.term import Node

#: Core constraint parameters read as one value each, and the constraint component each stands for.
CORE_PARAMETERS: Final[dict[URIRef, str]] = {
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH["class"]: "ClassConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
}
TARGETS: Final = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
#: Properties of a shape that neither target nor constrain.
IGNORED: Final = frozenset(
    {SH.name, SH.description, SH.message, SH.severity, SH.deactivated, SH.order, SH.group, SH.defaultValue}
)
STRUCTURE: Final = frozenset({SH.path, SH.property, SH.sparql, *TARGETS})
_SPARQL_CONSTRAINT_KEYS: Final = frozenset({SH.select, SH.prefixes, SH.message, SH.deactivated})
#: Parameters whose values are shapes: a shape found only through one of these is not supported.
_SHAPE_VALUED: Final = (SH.node, SH["not"], SH["and"], SH["or"], SH.xone, SH.qualifiedValueShape)


@dataclass(frozen=True)
class Path:
    """A predicate, followed forwards or (``inverse``) backwards; ``node`` is the path node of the shapes graph."""

    predicate: str
    inverse: bool
    node: Node

    def sparql(self) -> str:
        return f"^<{self.predicate}>" if self.inverse else f"<{self.predicate}>"


@dataclass(frozen=True)
class CoreConstraint:
    """One Core constraint parameter and its value (for ``sh:languageIn`` the list's members)."""

    parameter: URIRef
    value: Node
    members: tuple[Node, ...] = ()

    @property
    def component(self) -> URIRef:
        return SH[CORE_PARAMETERS[self.parameter]]


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint: the SELECT text, the prefixes it is run with, its own messages."""

    node: Node
    select: str
    prefixes: dict[str, str]
    messages: tuple[Literal, ...]


@dataclass
class Shape:
    """A node or property shape with its targets, constraints and (for a node shape) property shapes."""

    node: Node
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Path | None = None
    target_classes: list[str] = field(default_factory=list)
    subjects_of: list[str] = field(default_factory=list)
    objects_of: list[str] = field(default_factory=list)
    core: list[CoreConstraint] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"_:{self.node}" if isinstance(self.node, BNode) else str(self.node)

    @property
    def has_targets(self) -> bool:
        return bool(self.target_classes or self.subjects_of or self.objects_of)


def _iri(graph: rdflib.Graph, shape: Node, predicate: URIRef, value: Node) -> str:
    if not isinstance(value, URIRef):
        raise UnsupportedShape(str(shape), f"a {graph.qname(predicate)} value that is not an IRI ({value!r})")
    return str(value)


def _path(graph: rdflib.Graph, shape: Node, node: Node) -> Path:
    if isinstance(node, URIRef):
        return Path(str(node), inverse=False, node=node)
    keys = set(graph.predicates(node, None))
    inverse = graph.value(node, SH.inversePath)
    if keys == {SH.inversePath} and isinstance(inverse, URIRef):
        return Path(str(inverse), inverse=True, node=node)
    raise UnsupportedShape(str(shape), "a property path other than an IRI or [ sh:inversePath IRI ]")


def _prefixes(graph: rdflib.Graph, constraint: Node) -> dict[str, str]:
    """The prefixes pySHACL gives the query: the sh:declare of the sh:prefixes ontology (else of every ontology)."""
    ontologies = set(graph.subjects(RDF.type, rdflib.OWL.Ontology))
    declares: set[Node] = set()
    for value in graph.objects(constraint, SH.prefixes):
        own = set(graph.objects(value, SH.declare))
        if own and value in ontologies:
            declares |= own
        else:
            declares |= own | {d for o in ontologies for d in graph.objects(o, SH.declare)}
    prefixes: dict[str, str] = {}
    for declare in declares:
        prefix, namespace = graph.value(declare, SH.prefix), graph.value(declare, SH.namespace)
        if prefix is not None and namespace is not None:
            prefixes[str(prefix)] = str(namespace)
    return prefixes


def _deactivated(graph: rdflib.Graph, node: Node) -> bool:
    return any(isinstance(v, Literal) and v.value is True for v in graph.objects(node, SH.deactivated))


def _sparql(graph: rdflib.Graph, shape: Node, node: Node) -> SparqlConstraint | None:
    extra = {p for p in graph.predicates(node, None) if p != RDF.type and p not in _SPARQL_CONSTRAINT_KEYS}
    if extra:
        raise UnsupportedShape(str(shape), f"{graph.qname(str(sorted(extra, key=str)[0]))} on a SPARQL constraint")
    selects = list(graph.objects(node, SH.select))
    if len(selects) != 1 or not isinstance(selects[0], Literal):
        raise UnsupportedShape(str(shape), "a SPARQL constraint without exactly one sh:select string (sh:ask?)")
    if _deactivated(graph, node):
        return None
    messages = tuple(m for m in graph.objects(node, SH.message) if isinstance(m, Literal))
    return SparqlConstraint(node, str(selects[0]), _prefixes(graph, node), messages)


def _core(graph: rdflib.Graph, shape: Node, parameter: URIRef) -> CoreConstraint:
    values = list(graph.objects(shape, parameter))
    if len(values) != 1:
        raise UnsupportedShape(str(shape), f"{len(values)} values of {graph.qname(parameter)}")
    value = values[0]
    if parameter == SH.languageIn:
        return CoreConstraint(parameter, value, tuple(Collection(graph, value)))
    if parameter in (SH.datatype, SH["class"], SH.nodeKind, SH.lessThanOrEquals):
        _iri(graph, shape, parameter, value)
    elif not isinstance(value, Literal):
        raise UnsupportedShape(str(shape), f"a {graph.qname(parameter)} value that is not a literal")
    return CoreConstraint(parameter, value)


def _check_keys(graph: rdflib.Graph, node: Node) -> None:
    for predicate in set(graph.predicates(node, None)):
        if predicate == RDF.type or not str(predicate).startswith(str(SH)) or predicate in IGNORED:
            continue
        if predicate not in CORE_PARAMETERS and predicate not in STRUCTURE:
            raise UnsupportedShape(str(node), graph.qname(str(predicate)))
    if (node, RDF.type, RDFS.Class) in graph or (node, RDF.type, rdflib.OWL.Class) in graph:
        raise UnsupportedShape(str(node), "implicit class targets (a shape that is also a class)")
    if (node, SH.targetNode, None) in graph or (node, SH.target, None) in graph:
        raise UnsupportedShape(str(node), "sh:targetNode or sh:target")


def _read(graph: rdflib.Graph, node: Node, *, nested: bool) -> Shape:
    _check_keys(graph, node)
    severity = graph.value(node, SH.severity)
    shape = Shape(
        node,
        severity if isinstance(severity, URIRef) else SH.Violation,
        tuple(m for m in graph.objects(node, SH.message) if isinstance(m, Literal)),
    )
    paths = list(graph.objects(node, SH.path))
    if len(paths) > 1:
        raise UnsupportedShape(str(node), "several values of sh:path")
    if paths:
        shape.path = _path(graph, node, paths[0])
    for predicate, into in zip(TARGETS, (shape.target_classes, shape.subjects_of, shape.objects_of), strict=True):
        into.extend(sorted(_iri(graph, node, predicate, v) for v in graph.objects(node, predicate)))
    shape.core += [_core(graph, node, p) for p in CORE_PARAMETERS if (node, p, None) in graph]
    for constraint in graph.objects(node, SH.sparql):
        compiled = _sparql(graph, node, constraint)
        if compiled is not None:
            shape.sparql.append(compiled)
    for child in graph.objects(node, SH.property):
        if nested or shape.path is not None:
            raise UnsupportedShape(str(node), "sh:property on a property shape")
        if graph.value(child, SH.path) is None:
            raise UnsupportedShape(str(child), "a value of sh:property without sh:path")
        if not _deactivated(graph, child):
            shape.properties.append(_read(graph, child, nested=True))
    return shape


def read_shapes(graph: rdflib.Graph) -> list[Shape]:
    """The active shapes that have targets (each with its active property shapes), sorted by IRI."""
    for predicate in _SHAPE_VALUED:
        for subject in graph.subjects(predicate, None):
            raise UnsupportedShape(str(subject), graph.qname(predicate))
    referenced = set(graph.objects(None, SH.property))
    candidates: set[Node] = set(graph.subjects(RDF.type, SH.NodeShape))
    candidates |= set(graph.subjects(RDF.type, SH.PropertyShape))
    for predicate in (*TARGETS, SH.targetNode, SH.target, SH.path):
        candidates |= set(graph.subjects(predicate, None))
    shapes: list[Shape] = []
    for node in sorted(candidates, key=str):
        if _deactivated(graph, node):
            continue
        shape = _read(graph, node, nested=False) if node not in referenced else None
        if shape is None:
            # A property shape of some node shape: read there; it may still have targets of its own.
            if any((node, p, None) in graph for p in TARGETS):
                shape = _read(graph, node, nested=True)
            else:
                continue
        if shape.has_targets:
            shapes.append(shape)
    return shapes
