"""The exact delta a SPARQL 1.1 Update request would make to the store, computed without changing it.

The request is parsed by rdflib (``parseUpdate`` + ``translateUpdate``: operations, templates, WITH, USING, SILENT,
graph references); each WHERE pattern, cut from the request as written (:mod:`graph_api.update_text`), is run by
Oxigraph as ``SELECT *`` on the store, and the templates are instantiated with its solutions (fresh blank nodes per
solution). Operations apply in sequence: each later one is evaluated on the store with the earlier ones' deltas
applied (by a :class:`Stage`, undone before returning; :mod:`graph_api.transactions` journals it).

The dataset an update sees and changes (docs/model.md, "Changes"):

- the default graph is the union of the ontology, data and extra graphs; the named graphs are every graph but the
  audit log, which no update may name (:class:`ProtectedGraph`);
- an operation changes named graphs as written; a triple it removes from the default graph leaves every union
  graph, even one the operation inserts it into (the default graph is their union: it cannot lose a triple one of
  them keeps); a triple it adds to the default graph that the default graph did not hold goes to the data graph of
  its subject's kind (:func:`graph_api.changes.graph_for`), unless a union graph holds it after the operation. The
  default graph's change is net: a triple an operation both deletes from it and inserts into it stays where it
  was, and one it already held is not added again (not even if the operation removes it from its graph);
- ``MOVE g TO DEFAULT`` keeps g's triples in the default graph (they go to their kind's graph when g held them
  alone); ``MOVE DEFAULT TO g`` of a union graph g is refused (the union cannot be empty while g is not);
- graphs exist as Oxigraph says: CLEAR and DROP of a missing graph, CREATE of an existing one and MOVE from a
  missing one fail unless SILENT; COPY and MOVE drop the target first.

``LOAD`` is refused (it would fetch a URL: :class:`RemoteAccessRefused`), and so is ``SERVICE`` in a WHERE pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox
from pyparsing import ParseBaseException
from rdflib import URIRef
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate

from graph_api.changes import Change, graph_for
from graph_api.errors import ProtectedGraph, QuerySyntaxError, RemoteAccessRefused, UpdateError
from graph_api.iris import DEFAULT_BASE
from graph_api.sparql import _syntax_error  # the library's own reading of pyoxigraph's messages
from graph_api.sparql_text import keyword_found
from graph_api.store import DEFAULT_GRAPH, graph_kind, in_union
from graph_api.update_terms import Solution, Template, as_iri, part_of, quad_templates, stored_form, term_value
from graph_api.update_text import split_operations

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rdflib.plugins.sparql.parserutils import CompValue

    from graph_api.store import GraphStore
    from graph_api.update_text import OperationText


class Stage(Protocol):
    """Applies the deltas of a request's earlier operations so the later ones see them, and undoes them all."""

    def apply(self, change: Change) -> None: ...

    def undo(self) -> None: ...


@dataclass
class DirectStage:
    """Applies to the store itself (no journal): for in-memory stores and callers that hold the writer lock."""

    store: GraphStore
    applied: list[Change] = field(default_factory=list)

    def apply(self, change: Change) -> None:
        self.store.apply(change.added, change.removed, created=change.created, dropped=change.dropped)
        self.applied.append(change)

    def undo(self) -> None:
        while self.applied:
            back = self.applied.pop().inverse()
            self.store.apply(back.added, back.removed, created=back.created, dropped=back.dropped)


def update_delta(
    store: GraphStore,
    update: str,
    *,
    using_graphs: Sequence[str] = (),
    using_named_graphs: Sequence[str] = (),
    base_iri: str | None = None,
    data_base: str = DEFAULT_BASE,
    stage: Stage | None = None,
) -> Change:
    """The change the update request would make (see the module docstring); the store is left as it was.

    ``using_graphs``/``using_named_graphs`` are the protocol's ``using-graph-uri``/``using-named-graph-uri`` (a
    request with USING or WITH may not have them); ``base_iri`` resolves relative IRIs; ``data_base`` is the base
    of data IRIs (for :func:`graph_for`); no update may name the audit log.
    ``stage`` applies the earlier operations' deltas for the later ones (default: :class:`DirectStage`)."""
    if keyword_found(update, "service"):
        raise RemoteAccessRefused(
            "SERVICE is not allowed in an update", feature="SERVICE", setting="GRAPH_API_ALLOW_SERVICE"
        )
    try:
        operations: list[CompValue] = list(translateUpdate(parseUpdate(update), base=base_iri).algebra)
    except ParseBaseException as exc:
        raise _parse_error(update, base_iri, exc) from None
    texts = split_operations(update)
    if len(texts) != len(operations):
        raise QuerySyntaxError(f"the update has {len(operations)} operations but {len(texts)} could be delimited")
    protocol = (tuple(using_graphs), tuple(using_named_graphs))
    run = _Run(store, data_base, base_iri, protocol)
    stage = stage if stage is not None else DirectStage(store)
    total = Change()
    try:
        for index, (operation, text) in enumerate(zip(operations, texts, strict=True)):
            change = run.operation(operation, text)
            total = total.then(change)
            if index + 1 < len(operations) and not change.is_empty:
                stage.apply(change)
    finally:
        stage.undo()
    return total


@dataclass(frozen=True)
class _Run:
    store: GraphStore
    data_base: str
    base_iri: str | None
    protocol: tuple[tuple[str, ...], tuple[str, ...]]

    # -- the dataset -----------------------------------------------------------------------------------------

    def graph(self, node: object) -> str:
        """A graph an operation names, checked: an IRI, not the audit log."""
        if not isinstance(node, URIRef):
            raise UpdateError(f"a graph name must be an IRI, not {node!r}")
        iri = as_iri(node).value
        if graph_kind(iri) == "audit":
            raise ProtectedGraph(iri)
        return iri

    def named(self) -> list[str]:
        """The named graphs an update sees: all but the audit log."""
        names = (g.value for g in self.store.oxigraph.named_graphs() if isinstance(g, ox.NamedNode))
        return sorted(n for n in names if graph_kind(n) != "audit")

    def exists(self, graph: str) -> bool:
        return bool(self.store.oxigraph.contains_named_graph(ox.NamedNode(graph)))

    def content(self, graph: str | None) -> set[ox.Triple]:
        """The triples of a named graph, or of the default graph (the union) for None."""
        node = DEFAULT_GRAPH if graph is None else ox.NamedNode(graph)
        return {q.triple for q in self.store.oxigraph.quads_for_pattern(None, None, None, node)}

    def in_default(self, triple: ox.Triple) -> bool:
        found = self.store.oxigraph.quads_for_pattern(triple.subject, triple.predicate, triple.object, DEFAULT_GRAPH)
        return next(iter(found), None) is not None

    def holders(self, triple: ox.Triple) -> set[str]:
        return self.store.holders(triple)

    # -- DELETE/INSERT --------------------------------------------------------------------------------------------

    def operation(self, operation: CompValue, text: OperationText) -> Change:
        name = operation.name
        if name == "Load":
            url = str(operation["iri"])
            raise RemoteAccessRefused(
                f"LOAD <{url}> is not allowed", feature="LOAD", target=url, setting="GRAPH_API_ALLOW_LOAD"
            )
        if name == "InsertData":
            return self.modify([{}], [], quad_templates(operation, None))
        if name == "DeleteData":
            return self.modify([{}], quad_templates(operation, None), [])
        if name == "DeleteWhere":
            return self.modify(self.solutions(text, None, None), quad_templates(operation, None), [])
        if name == "Modify":
            with_graph = part_of(operation, "withClause")
            using: list[CompValue] = list(part_of(operation, "using") or [])
            if (with_graph is not None or using) and any(self.protocol):
                raise UpdateError("the request has using-graph-uri/using-named-graph-uri and the update USING/WITH")
            target = self.graph(with_graph) if with_graph is not None else None
            solutions = self.solutions(text, target, using)
            deletes = quad_templates(operation["delete"], target) if part_of(operation, "delete") is not None else []
            inserts = quad_templates(operation["insert"], target) if part_of(operation, "insert") is not None else []
            return self.modify(solutions, deletes, inserts)
        return self.manage(name, operation)

    def solutions(self, text: OperationText, with_graph: str | None, using: list[CompValue] | None) -> list[Solution]:
        """The WHERE pattern's solutions on the operation's dataset (``using`` None: a DELETE WHERE, which the
        protocol's dataset does not apply to)."""
        default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | ox.DefaultGraph
        named: list[ox.NamedNode | ox.BlankNode]
        if using or (using is not None and any(self.protocol)):
            graphs = (
                [str(u["default"]) for u in using if part_of(u, "default") is not None] if using else self.protocol[0]
            )
            names = [str(u["named"]) for u in using if part_of(u, "named") is not None] if using else self.protocol[1]
            default, named = [ox.NamedNode(g) for g in graphs], [ox.NamedNode(g) for g in names]
        else:
            default = [ox.NamedNode(with_graph)] if with_graph is not None else DEFAULT_GRAPH
            named = [ox.NamedNode(g) for g in self.named()]
        query = f"{text.prologue}SELECT * WHERE {text.where()}"
        try:
            rows = self.store.oxigraph.query(query, base_iri=self.base_iri, default_graph=default, named_graphs=named)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        except (RuntimeError, OSError) as exc:
            raise UpdateError(str(exc)) from None
        if not isinstance(rows, ox.QuerySolutions):  # pragma: no cover - a SELECT gives solutions
            raise UpdateError("the WHERE pattern did not give solutions")
        variables = [v.value for v in rows.variables]
        return [{n: value for n in variables if (value := row[n]) is not None} for row in rows]

    def modify(self, solutions: list[Solution], deletes: list[Template], inserts: list[Template]) -> Change:
        delete_default, delete_named = self.instantiate(solutions, deletes, fresh=False)
        insert_default, insert_named = self.instantiate(solutions, inserts, fresh=True)
        return self.effect(delete_default, delete_named, insert_default, insert_named)

    def instantiate(
        self, solutions: list[Solution], templates: list[Template], *, fresh: bool
    ) -> tuple[set[ox.Triple], dict[str, set[ox.Triple]]]:
        """The templates' triples for every solution: in the default graph, and by named graph. A triple with an
        unbound variable, or a term where the position allows none, is left out (as SPARQL says)."""
        default: set[ox.Triple] = set()
        named: dict[str, set[ox.Triple]] = {}
        for solution in solutions:
            blank: dict[str, ox.BlankNode] = {}
            for graph, *terms in templates:
                subject, predicate, obj = (term_value(term, solution, blank, fresh=fresh) for term in terms)
                place = term_value(graph, solution, blank, fresh=fresh) if graph is not None else None
                if not isinstance(subject, ox.NamedNode | ox.BlankNode) or not isinstance(predicate, ox.NamedNode):
                    continue
                if obj is None or isinstance(obj, ox.Triple) or (graph is not None and place is None):
                    continue
                triple = ox.Triple(subject, predicate, stored_form(obj))
                if place is None:
                    default.add(triple)
                elif isinstance(place, ox.NamedNode):
                    named.setdefault(self.graph(URIRef(place.value)), set()).add(triple)
        return default, named

    def effect(
        self,
        delete_default: set[ox.Triple],
        delete_named: dict[str, set[ox.Triple]],
        insert_default: set[ox.Triple],
        insert_named: dict[str, set[ox.Triple]],
        *,
        kept: set[ox.Triple] | None = None,
        dropped: frozenset[str] = frozenset(),
    ) -> Change:
        """The net change of deleting, then inserting, in named graphs (module docstring). ``kept``: triples the
        default graph must hold afterwards even if it held them before (``MOVE … TO DEFAULT``). ``dropped``: graphs
        to drop, which stay when they are not empty afterwards."""
        removed: dict[str, set[ox.Triple]] = {}
        for graph, triples in delete_named.items():
            present = self.content(graph)
            removed[graph] = triples & present
        leaving = {t for t in delete_default - insert_default if self.in_default(t)}
        for triple in leaving:
            for holder in self.holders(triple):
                if in_union(holder):
                    removed.setdefault(holder, set()).add(triple)
        added: dict[str, set[ox.Triple]] = {}
        touched: set[str] = set()

        def put(graph: str, triple: ox.Triple) -> None:
            if in_union(graph) and triple in leaving:
                touched.add(graph)  # an insert creates the graph, though the triple leaves with the default graph
                return
            if triple in removed.get(graph, ()):
                removed[graph].discard(triple)
            elif graph not in self.holders(triple):
                added.setdefault(graph, set()).add(triple)

        for graph, triples in insert_named.items():
            for triple in triples:
                put(graph, triple)
        for triple in {t for t in insert_default if not self.in_default(t)} | (kept or set()):
            held = {h for h in self.holders(triple) if in_union(h) and triple not in removed.get(h, ())}
            if not held and not any(in_union(g) and triple in ts for g, ts in added.items()):
                put(graph_for(triple, self.data_base), triple)
        emptied = {g for g in dropped if not added.get(g) and self.content(g) <= removed.get(g, set())}
        created = {g for g in touched | set(added) if not self.exists(g)}  # inserting into a graph creates it
        return Change.of(added, removed, dropped=emptied, created=created)

    # -- graph management -----------------------------------------------------------------------------------

    def manage(self, name: str, operation: CompValue) -> Change:
        silent = part_of(operation, "silent") is not None
        if name in ("Clear", "Drop"):
            return self.clear(operation["graphiri"], silent=silent, drop=name == "Drop")
        if name == "Create":
            graph = self.graph(operation["graphiri"])
            if not self.exists(graph):
                return Change(created=frozenset({graph}))
            if silent:
                return Change()
            raise UpdateError(f"the graph <{graph}> exists already")
        if name in ("Add", "Copy", "Move"):
            source, target = operation["graph"]
            return self.transfer(name, source, target, silent=silent)
        raise UpdateError(f"unsupported update operation {name}")  # pragma: no cover - the parser knows no other

    def clear(self, which: object, *, silent: bool, drop: bool) -> Change:
        if which in ("DEFAULT", "ALL"):
            every = self.named() if which == "ALL" else []
            change = self.effect(self.content(None), {g: self.content(g) for g in every}, set(), {})
            return Change.of(change.added, change.removed, dropped=frozenset(every if drop else ()))
        graphs = self.named() if which == "NAMED" else [self.graph(which)]
        if which != "NAMED" and not self.exists(graphs[0]):
            if silent:
                return Change()
            raise UpdateError(f"the graph <{graphs[0]}> does not exist")
        return Change.of({}, {g: self.content(g) for g in graphs}, dropped=frozenset(graphs if drop else ()))

    def transfer(self, name: str, source: object, target: object, *, silent: bool) -> Change:
        """ADD, COPY, MOVE (``source``/``target``: "DEFAULT" or an IRI); COPY and MOVE drop the target first."""
        src = None if source == "DEFAULT" else self.graph(source)
        dst = None if target == "DEFAULT" else self.graph(target)
        if src == dst:
            return Change()
        if name == "Move" and src is not None and not self.exists(src) and not silent:
            raise UpdateError(f"the graph <{src}> does not exist")  # (SILENT: moves nothing, still empties the target)
        content = self.content(src)
        moving = name == "Move" and src is not None
        leaving = {src: content} if moving and src is not None else {}
        gone = frozenset({src}) if moving and src is not None else frozenset()
        if dst is None:
            replaced = self.content(None) if name != "Add" else set()
            return self.effect(replaced, leaving, content, {}, kept=content if moving else None, dropped=gone)
        if name == "Add":
            return self.effect(set(), {}, set(), {dst: content})
        if src is None and name == "Move" and in_union(dst):
            raise UpdateError(f"MOVE DEFAULT TO <{dst}>: the default graph is the union of the graphs, <{dst}> too")
        emptied = content if src is None and name == "Move" else set()
        targets = {**leaving, dst: self.content(dst)}
        return self.effect(emptied, targets, set(), {dst: content}, dropped=gone | {dst})


def _parse_error(update: str, base_iri: str | None, exc: ParseBaseException) -> QuerySyntaxError:
    """The error Oxigraph's parser gives (the one the query endpoint gives too), else rdflib's. Oxigraph only parses
    here: an update it would accept runs on an empty scratch store (never when it may name LOAD)."""
    if not keyword_found(update, "load"):
        try:
            ox.Store().update(update, base_iri=base_iri)
        except SyntaxError as oxigraph:
            return _syntax_error(oxigraph)
        except (RuntimeError, OSError, ValueError):
            pass
    return QuerySyntaxError(str(exc.msg), line=exc.lineno, column=exc.col)
