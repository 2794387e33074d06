"""SHACL validation compiled to SPARQL and run by Oxigraph on the store: pySHACL's report, without its blow-ups.

The shapes graph (the store's ``shapes`` graphs) is read by :mod:`graph_api.shacl_shapes` and compiled once per
content into one SELECT per constraint: :mod:`graph_api.shacl_checks` for SHACL Core, :mod:`graph_api.shacl_rewrite`
for SHACL-SPARQL. Each query binds ``?this`` through a *binder*:

- :func:`validate_store` (a full run): the shape's targets, ``{ SELECT DISTINCT ?this WHERE { … } }``, so each
  query validates every focus node of its shape in one evaluation, on the default graph (ontology + data + extra);
- :func:`validate_focus`: ``VALUES ?this { … }`` with those of the given nodes that are focus nodes of the shape
  (class membership with the ``rdfs:subClassOf*`` closure, subjects or objects of a predicate, looked up directly).

Each result is made as pySHACL makes it — focus node, source shape, ``sh:resultPath`` (the row's ``?path``, else
the shape's path), ``sh:value`` (the row's ``?value``, else the focus node for a node shape), severity, component
and messages (``{?var}``/``{$var}`` filled in by pySHACL's own substitution) — one per distinct row per focus node,
so the report equals pySHACL's result for result (proved in ``tests/test_shacl_sparql.py``).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox
import rdflib
from rdflib import RDF, XSD, BNode, Literal, URIRef

from graph_api.namespaces import PREFIXES, SH
from graph_api.shacl_checks import CoreQuery, compile_core, generic_message
from graph_api.shacl_rewrite import Mode, RewrittenSelect, rewrite
from graph_api.shacl_shapes import Shape, SparqlConstraint, read_shapes
from graph_api.store import DEFAULT_GRAPH, GraphStore
from graph_api.validation_report import (
    ValidationReport,
    ValidationResult,
    messages_by_language,
    severity_of,
    show_term,
    sorted_results,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from rdflib.term import Node

_RDF_TYPE: Final = ox.NamedNode(str(RDF.type))
_XSD_STRING: Final = str(XSD.string)
_CACHE_SIZE: Final = 4
#: An empty graph with the project's prefixes, to write nodes in generic messages as pySHACL does.
_PREFIXED: Final = rdflib.Graph()
for _prefix, _namespace in PREFIXES.items():
    _PREFIXED.bind(_prefix, _namespace, override=True)


@dataclass(frozen=True)
class Check:
    """One compiled constraint of ``shape``, evaluated on the focus nodes of ``focus`` (the shape or its parent)."""

    shape: Shape
    focus: Shape
    component: URIRef
    core: CoreQuery | None = None
    sparql: SparqlConstraint | None = None
    select: RewrittenSelect | None = None

    def query(self, binder: str, mode: Mode, classes: Callable[[list[str]], list[str]]) -> str:
        """The query text with ``?this`` bound by ``binder``; ``classes`` gives the subclass closure of classes."""
        if self.select is not None:
            return self.select.render(binder, mode)
        assert self.core is not None
        template = self.core.focus_template if mode == "focus" and self.core.focus_template else self.core.template
        text = template.replace("{binder}", binder)
        if self.core.closure is not None:
            text = text.replace("{closure}", " ".join(f"<{c}>" for c in classes([self.core.closure])))
        return text


@dataclass(frozen=True)
class CompiledShapes:
    """The shapes graph and its checks, ready to run on any store with the same shapes."""

    graph: rdflib.Graph
    shapes: tuple[Shape, ...]
    checks: tuple[Check, ...]


def compile_shapes(graph: rdflib.Graph) -> CompiledShapes:
    """Compile a shapes graph; raises :class:`UnsupportedShape` for a feature the engine does not implement."""
    shapes = read_shapes(graph)
    checks: list[Check] = []
    for top in shapes:
        for shape in (top, *top.properties):
            for constraint in shape.core:
                core = compile_core(shape, constraint)
                if core is not None:
                    checks.append(Check(shape, top, constraint.component, core=core))
            path = shape.path.sparql() if shape.path is not None else None
            for sparql in shape.sparql:
                select = rewrite(shape.name, sparql.select, path=path, prefixes=sparql.prefixes)
                checks.append(Check(shape, top, SH.SPARQLConstraintComponent, sparql=sparql, select=select))
    return CompiledShapes(graph, tuple(shapes), tuple(checks))


_COMPILED: OrderedDict[str, CompiledShapes] = OrderedDict()
_LOCK = threading.Lock()


def compiled_for(store: GraphStore) -> CompiledShapes:
    """The store's shapes, compiled; cached per store revision, and across stores by the shapes' content."""
    return store.derived(compiled_for, _compile_or_reuse)


def _compile_or_reuse(store: GraphStore) -> CompiledShapes:
    triples = sorted(str(t) for t in store.triples(("shapes",)))
    key = hashlib.sha256("\n".join(triples).encode("utf-8")).hexdigest()
    with _LOCK:
        compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = compile_shapes(store.to_rdflib(("shapes",)))
    with _LOCK:
        _COMPILED[key] = compiled
        _COMPILED.move_to_end(key)
        while len(_COMPILED) > _CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return compiled


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """An Oxigraph term as the rdflib term pySHACL sees after the N-Triples round trip (literals normalised)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    raise TypeError(f"no rdflib form for {term!r}")


@dataclass(frozen=True)
class _Hit:
    check: Check
    focus: Node
    path: Node | None
    value: Node | None
    messages: tuple[Literal, ...]


def _fill(template: str, values: list[tuple[str, Node]]) -> str:
    """pySHACL's substitution of ``{?var}``/``{$var}`` (``re.sub`` with ``str(value)``, in pySHACL's order)."""
    for name, value in values:
        template = re.sub(f"{{[?$]{name}}}", str(value), template)
    return template


def _sparql_hits(check: Check, rows: ox.QuerySolutions) -> Iterator[_Hit]:
    assert check.select is not None
    assert check.sparql is not None
    select, shape = check.select, check.shape
    others = [n for n in select.projection if n not in ("this", "path", "value")]
    seen: set[tuple[Node | None, ...]] = set()
    for row in rows:
        focus = to_rdflib(row["this"])
        bound = {n: to_rdflib(row[n]) for n in others if row[n] is not None}
        path = to_rdflib(row["path"]) if "path" in select.projection and row["path"] is not None else None
        value = to_rdflib(row["value"]) if "value" in select.projection and row["value"] is not None else None
        this = focus if select.this_projected else None
        key = (focus, this, path, value, *(bound.get(n) for n in others))
        if key in seen or (this is None and path is None and value is None):
            continue
        seen.add(key)
        if value is None and shape.path is None:
            value = focus
        fills = [*bound.items()]
        fills += [(name, term) for name, term in (("this", this), ("path", path), ("value", value)) if term is not None]
        extra = [m for m in check.sparql.messages if m not in shape.messages]
        texts = tuple(Literal(_fill(str(m), fills)) for m in (*extra, *shape.messages))
        yield _Hit(check, focus, path if path is not None else _shape_path(shape), value, texts)


def _shape_path(shape: Shape) -> Node | None:
    return shape.path.node if shape.path is not None else None


def _core_hits(check: Check, rows: ox.QuerySolutions, shapes: rdflib.Graph, data: rdflib.Graph) -> Iterator[_Hit]:
    assert check.core is not None
    decide, path, shape = check.core.decide, _shape_path(check.shape), check.shape
    for row in rows:
        focus = to_rdflib(row["this"])
        value = to_rdflib(row["value"]) if check.core.has_value else None
        if decide is not None:
            assert value is not None
            other = row["other_"] if check.core.constraint.parameter == SH.lessThanOrEquals else None
            if not decide(value, to_rdflib(other) if other is not None else None):
                continue
        messages = shape.messages or (
            Literal(generic_message(shapes, data, shape, check.core.constraint, focus, value)),
        )
        yield _Hit(check, focus, path, value, messages)


class _Run:
    """One validation: the default graph, class closures and the queries' rows."""

    def __init__(self, store: GraphStore, compiled: CompiledShapes) -> None:
        self.store = store
        self.compiled = compiled
        self._closures: dict[tuple[str, ...], list[str]] = {}
        self._out: dict[ox.NamedNode, tuple[set[str], set[str]]] = {}

    def select(self, query: str) -> ox.QuerySolutions:
        result = self.store.oxigraph.query(query, default_graph=DEFAULT_GRAPH)
        assert isinstance(result, ox.QuerySolutions)
        return result

    def closure(self, classes: list[str]) -> list[str]:
        """The classes and their subclasses (``rdfs:subClassOf*`` in the default graph)."""
        key = tuple(classes)
        if key not in self._closures:
            roots = " ".join(f"<{c}>" for c in classes)
            rows = self.select(
                f"SELECT DISTINCT ?c WHERE {{ VALUES ?root {{ {roots} }} ?c <{rdflib.RDFS.subClassOf}>* ?root }}"
            )
            self._closures[key] = sorted({str(to_rdflib(r["c"])) for r in rows if isinstance(r["c"], ox.NamedNode)})
        return self._closures[key]

    def full_binder(self, shape: Shape) -> str:
        parts = []
        if shape.target_classes:
            classes = " ".join(f"<{c}>" for c in self.closure(shape.target_classes))
            parts.append(f"{{ VALUES ?c_ {{ {classes} }} ?this a ?c_ }}")
        parts += [f"{{ ?this <{p}> ?o_ }}" for p in shape.subjects_of]
        parts += [f"{{ ?s_ <{p}> ?this }}" for p in shape.objects_of]
        return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }} }}"

    def _outgoing(self, node: ox.NamedNode) -> tuple[set[str], set[str]]:
        """The node's types and the predicates it is the subject of, in the default graph."""
        if node not in self._out:
            types: set[str] = set()
            predicates: set[str] = set()
            for quad in self.store.oxigraph.quads_for_pattern(node, None, None, DEFAULT_GRAPH):
                predicates.add(quad.predicate.value)
                if quad.predicate == _RDF_TYPE and isinstance(quad.object, ox.NamedNode):
                    types.add(quad.object.value)
            self._out[node] = (types, predicates)
        return self._out[node]

    def _incoming(self, node: ox.NamedNode, predicate: str) -> bool:
        quads = self.store.oxigraph.quads_for_pattern(None, ox.NamedNode(predicate), node, DEFAULT_GRAPH)
        return next(iter(quads), None) is not None

    def is_focus(self, shape: Shape, node: ox.NamedNode) -> bool:
        """Whether ``node`` is a focus node of ``shape`` (its targets, as pySHACL finds them)."""
        types, predicates = self._outgoing(node)
        if shape.target_classes and types & set(self.closure(shape.target_classes)):
            return True
        if predicates.intersection(shape.subjects_of):
            return True
        return any(self._incoming(node, p) for p in shape.objects_of)

    def hits(self, check: Check, binder: str, mode: Mode) -> Iterator[_Hit]:
        rows = self.select(check.query(binder, mode, self.closure))
        if check.select is not None:
            return _sparql_hits(check, rows)
        return _core_hits(check, rows, self.compiled.graph, _PREFIXED)


def _copy_closure(source: rdflib.Graph, node: Node, into: rdflib.Graph) -> None:
    todo, seen = [node], set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for _, p, o in source.triples((subject, None, None)):
            into.add((subject, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def _report(hits: list[_Hit], shapes: rdflib.Graph) -> ValidationReport:
    """The results and a ``sh:ValidationReport`` graph with the same content."""
    graph = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    report = BNode()
    results: list[ValidationResult] = []
    for hit in hits:
        shape = hit.check.shape
        constraint = hit.check.sparql.node if hit.check.sparql is not None else None
        templates = [*(hit.check.sparql.messages if hit.check.sparql is not None else ()), *shape.messages]
        message = messages_by_language(hit.messages, templates)
        result = ValidationResult(
            focus_node=show_term(hit.focus) or "",
            shape=shape.name,
            path=show_term(hit.path),
            value=show_term(hit.value),
            severity=severity_of(shape.severity),
            message=message,
            component=str(hit.check.component),
        )
        results.append(result)
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, hit.focus))
        graph.add((node, SH.sourceShape, shape.node))
        graph.add((node, SH.resultSeverity, shape.severity))
        graph.add((node, SH.sourceConstraintComponent, hit.check.component))
        for term, predicate in ((hit.path, SH.resultPath), (hit.value, SH.value), (constraint, SH.sourceConstraint)):
            if term is not None:
                graph.add((node, predicate, term))
                if isinstance(term, BNode) and predicate != SH.value:
                    _copy_closure(shapes, term, graph)
        for language, text in message.items():
            graph.add((node, SH.resultMessage, Literal(text, lang=language)))
    ordered = tuple(sorted_results(results))
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(all(r.severity != "Violation" for r in ordered))))
    return ValidationReport(ordered, graph)


def validate_store(store: GraphStore, *, workers: int = 2) -> ValidationReport:
    """Validate the store's default graph (ontology + data + extra) against its shapes graphs, in full; the
    queries run on ``workers`` threads (Oxigraph evaluates outside the GIL for much of a query)."""
    compiled = compiled_for(store)
    run = _Run(store, compiled)
    binders = {id(shape): run.full_binder(shape) for shape in compiled.shapes}

    def hits_of(check: Check) -> list[_Hit]:
        return list(run.hits(check, binders[id(check.focus)], "full"))

    hits: list[_Hit] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for found in pool.map(hits_of, compiled.checks):
            hits += found
    return _report(hits, compiled.graph)


def validate_focus(store: GraphStore, focus_nodes: Iterable[str]) -> ValidationReport:
    """The results a full run gives for these focus nodes (IRIs), and only those: the same compiled queries with
    ``?this`` bound by ``VALUES`` to those of the nodes each shape targets."""
    compiled = compiled_for(store)
    run = _Run(store, compiled)
    nodes = sorted({ox.NamedNode(iri) for iri in focus_nodes}, key=lambda n: n.value)
    hits: list[_Hit] = []
    binders: dict[int, str | None] = {}
    for check in compiled.checks:
        if id(check.focus) not in binders:
            members = [n for n in nodes if run.is_focus(check.focus, n)]
            binders[id(check.focus)] = f"VALUES ?this {{ {' '.join(str(n) for n in members)} }}" if members else None
        binder = binders[id(check.focus)]
        if binder is not None:
            hits += run.hits(check, binder, "focus")
    return _report(hits, compiled.graph)
