"""A change to the graph as a delta: the triples it adds and removes, per named graph, with who, why and on what
evidence; and the deltas that add, replace or retract a document with everything attached to it.

Which graph a triple goes to (docs/model.md, "Changes"): a triple that stays keeps its graph; a removed triple
leaves every graph of the document that holds it; a new triple goes to the data graph of its subject's kind
(:func:`graph_for`), the file it would be written in by hand: ``documents`` (documents, statements, appendices),
``indicators`` (indicators, targets, indicator groups, and ``dh:hasIndicatorGroup``), ``tasks`` (tasks, task
groups, assignments, and ``dh:hasTaskGroup``, ``dh:assigns``), ``agencies`` (agencies, people, posts, places,
Party terms), ``sources`` (sources and evidence); anything else goes to ``data/updates``.

A document's *closure* (:func:`document_nodes`) is what ``GET /documents/{key}`` shows of it: the document, its
indicators (``dh:indicatorOf``) and their targets (``dh:target``), its indicator and task groups, assignments and
appendices (``dh:hasIndicatorGroup``, ``dh:hasTaskGroup``, ``dh:assigns``, ``dh:hasAppendix``), its tasks
(``dh:taskOf``), the ``dh:Statement``\\s about any of these (``rdf:subject``), the ``dh:Evidence`` that only these
cite (evidence another node also cites is shared, and stays), and the blank nodes under any of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api.errors import DocumentExists, DocumentNotFound, InvalidChange, PreconditionFailed
from graph_api.iris import DEFAULT_BASE
from graph_api.namespaces import DH, RDF
from graph_api.store import DEFAULT_GRAPH, graph_iri, graph_kind

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from graph_api.remote import RemoteStore

    #: What the closure is read from: the embedded store, or the SPARQL server of the server backend.
    Backend = ox.Store | RemoteStore

    from graph_api.store import GraphStore
    from graph_api.types import TriplesByGraph

#: Where a new triple goes when its subject is of no known kind (a blank node, an IRI outside the base).
UPDATES_GRAPH: Final = graph_iri("data", "updates")

_RDF_TYPE: Final = ox.NamedNode(str(RDF.type))
_RDF_SUBJECT: Final = ox.NamedNode(str(RDF.subject))
_EVIDENCE: Final = ox.NamedNode(str(DH.evidence))
_BY_PREDICATE: Final = {
    str(DH.hasIndicatorGroup): "indicators",
    str(DH.hasTaskGroup): "tasks",
    str(DH.assigns): "tasks",
}
#: The kind of a document's part, from the segment after the document's five (document/issuer/type/year/number).
_BY_PART: Final = {
    "indicator": "indicators",
    "indicator-group": "indicators",
    "task": "tasks",
    "task-group": "tasks",
    "assignment": "tasks",
    "statement": "documents",
    "appendix": "documents",
}
_BY_HEAD: Final = {
    "document": "documents",
    "evidence": "sources",
    "source": "sources",
    "agency": "agencies",
    "person": "agencies",
    "post": "agencies",
    "place": "agencies",
    "term": "agencies",
}
#: The properties from a document to its own parts, and from its parts to it.
_DOWN: Final = tuple(ox.NamedNode(str(p)) for p in (DH.hasIndicatorGroup, DH.hasTaskGroup, DH.assigns, DH.hasAppendix))
_UP: Final = tuple(ox.NamedNode(str(p)) for p in (DH.indicatorOf, DH.taskOf))
_TARGET: Final = ox.NamedNode(str(DH.target))

Node = ox.NamedNode | ox.BlankNode


def _frozen(delta: TriplesByGraph) -> dict[str, frozenset[ox.Triple]]:
    return {graph: frozenset(triples) for graph, triples in sorted(delta.items()) if triples}


@dataclass(frozen=True)
class About:
    """Why a change is made: the message, who makes it (the principal of the token), and the ``dh:Source`` (IRI)
    and quote that justify it."""

    message: str = ""
    principal: str | None = None
    source: str | None = None
    quote: str | None = None


@dataclass(frozen=True)
class Change:
    """Triples added and removed, per named-graph IRI; graphs created and dropped (empty ones included);
    the message, the principal (who), the ``dh:Source`` IRI and the quote that justify it; the documents it is
    about (for the audit trail; filled in by :func:`graph_api.transactions.commit` when empty).

    A change is *net*: ``added`` holds no triple its graph already has, ``removed`` only triples it has, and
    :meth:`then` keeps it so. ``removed`` and ``added`` never share a triple in one graph."""

    added: Mapping[str, frozenset[ox.Triple]] = field(default_factory=dict)
    removed: Mapping[str, frozenset[ox.Triple]] = field(default_factory=dict)
    message: str = ""
    principal: str | None = None
    source: str | None = None
    quote: str | None = None
    documents: frozenset[str] = frozenset()
    created: frozenset[str] = frozenset()
    dropped: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        added: TriplesByGraph,
        removed: TriplesByGraph,
        *,
        about: About | None = None,
        documents: Iterable[str] = (),
        created: Iterable[str] = (),
        dropped: Iterable[str] = (),
    ) -> Change:
        """A change from plain sets (graphs with no triple left out), described by ``about``."""
        about = about or About()
        return cls(
            _frozen(added),
            _frozen(removed),
            message=about.message,
            principal=about.principal,
            source=about.source,
            quote=about.quote,
            documents=frozenset(documents),
            created=frozenset(created),
            dropped=frozenset(dropped),
        )

    def described(self, about: About) -> Change:
        """The same delta with this message, principal, source and quote."""
        return replace(self, message=about.message, principal=about.principal, source=about.source, quote=about.quote)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.created or self.dropped)

    @property
    def graphs(self) -> set[str]:
        """The named graphs the change touches."""
        return {*self.added, *self.removed, *self.created, *self.dropped}

    def count(self) -> tuple[int, int]:
        """Numbers of (added, removed) quads."""
        return sum(map(len, self.added.values())), sum(map(len, self.removed.values()))

    def inverse(self) -> Change:
        """The change that undoes this one."""
        return replace(self, added=self.removed, removed=self.added, created=self.dropped, dropped=self.created)

    def then(self, later: Change) -> Change:
        """The net change of this one followed by ``later`` (computed on the state this one leaves)."""
        added: dict[str, frozenset[ox.Triple]] = {}
        removed: dict[str, frozenset[ox.Triple]] = {}
        for graph in self.graphs | later.graphs:
            first_add, first_remove = self.added.get(graph, frozenset()), self.removed.get(graph, frozenset())
            then_add, then_remove = later.added.get(graph, frozenset()), later.removed.get(graph, frozenset())
            added[graph] = (first_add - then_remove) | (then_add - first_remove)
            removed[graph] = (first_remove - then_add) | (then_remove - first_add)
        created = (self.created - later.dropped) | (later.created - self.dropped)
        dropped = (self.dropped - later.created) | (later.dropped - self.created)
        return replace(
            self,
            added=_frozen(added),
            removed=_frozen(removed),
            created=frozenset(created),
            dropped=frozenset(dropped),
            documents=self.documents | later.documents,
        )


# -- which graph a new triple goes to ---------------------------------------------------------------------------


def graph_for(triple: ox.Triple, base: str = DEFAULT_BASE) -> str:
    """The data graph a new triple goes to, by its subject's kind (see the module docstring)."""
    stem = _BY_PREDICATE.get(triple.predicate.value)
    subject = triple.subject
    if stem is None and isinstance(subject, ox.NamedNode) and subject.value.startswith(base):
        segments = subject.value[len(base) :].split("/")
        stem = _BY_HEAD.get(segments[0])
        if stem == "documents" and len(segments) > 5:
            stem = _BY_PART.get(segments[5], stem)
    return graph_iri("data", stem) if stem is not None else UPDATES_GRAPH


# -- a document's closure -----------------------------------------------------------------------------------------


def _subjects(store: Backend, predicate: ox.NamedNode, obj: Node) -> Iterator[Node]:
    for quad in store.quads_for_pattern(None, predicate, obj, DEFAULT_GRAPH):
        if isinstance(quad.subject, ox.NamedNode | ox.BlankNode):
            yield quad.subject


def _objects(store: Backend, subject: Node, predicate: ox.NamedNode | None) -> Iterator[Node]:
    for quad in store.quads_for_pattern(subject, predicate, None, DEFAULT_GRAPH):
        if isinstance(quad.object, ox.NamedNode | ox.BlankNode):
            yield quad.object


def closure_in(store: Backend, document: ox.NamedNode) -> set[Node]:
    """The nodes of the document's closure in the default graph of an Oxigraph store or a SPARQL server (module
    docstring)."""
    parts: set[Node] = {document}
    for predicate in _DOWN:
        parts.update(_objects(store, document, predicate))
    for predicate in _UP:
        below = set(_subjects(store, predicate, document))
        parts |= below | {t for node in below for t in _objects(store, node, _TARGET)}
    owners = parts | {s for part in parts for s in _subjects(store, _RDF_SUBJECT, part)}
    cited = {e for owner in owners for e in _objects(store, owner, _EVIDENCE)}
    nodes = owners | {e for e in cited if set(_subjects(store, _EVIDENCE, e)) <= owners}
    todo = list(nodes)
    while todo:
        for node in _objects(store, todo.pop(), None):
            if isinstance(node, ox.BlankNode) and node not in nodes:
                nodes.add(node)
                todo.append(node)
    return nodes


def document_nodes(store: GraphStore, iri: str) -> set[Node]:
    """The nodes of the document's closure in the store (module docstring)."""
    return closure_in(store.oxigraph, ox.NamedNode(iri))


def document_triples(store: GraphStore, iri: str) -> dict[str, set[ox.Triple]]:
    """The triples of the document's closure, by the data (or extra) graph that holds them."""
    return _triples_of(store, document_nodes(store, iri))


def _triples_of(store: GraphStore, nodes: Iterable[Node]) -> dict[str, set[ox.Triple]]:
    """The triples whose subject is one of the nodes, by the data (or extra) graph that holds them."""
    found: dict[str, set[ox.Triple]] = {}
    oxigraph = store.oxigraph  # reads work on either backend (an ETag for every GET)
    for node in nodes:
        for quad in oxigraph.quads_for_pattern(node, None, None, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph_kind(graph.value) in ("data", "extra"):
                found.setdefault(graph.value, set()).add(quad.triple)
    return found


def version(store: GraphStore, iri: str) -> str:
    """A version of the document: a hash of its closure's triples, which changes when any of them does (an ETag).
    A document that does not exist has the version of nothing."""
    lines = sorted(str(t) for triples in document_triples(store, iri).values() for t in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


def expect_version(iri: str, expected: str) -> Callable[[GraphStore], None]:
    """A precondition for :meth:`graph_api.transactions.Writer.commit`: the document still has this version
    (:class:`PreconditionFailed` otherwise: If-Match)."""

    def check(store: GraphStore) -> None:
        current = version(store, iri)
        if current != expected:
            raise PreconditionFailed(f"<{iri}> changed since version {expected}", expected=expected, current=current)

    return check


def exists(store: GraphStore, iri: str) -> bool:
    """Whether the IRI has a type in the default graph (the ontology's and the data's union)."""
    return (
        next(iter(store.oxigraph.quads_for_pattern(ox.NamedNode(iri), _RDF_TYPE, None, DEFAULT_GRAPH)), None)
        is not None
    )


def _oxigraph(store: GraphStore) -> ox.Store:
    backend = store.oxigraph
    if not isinstance(backend, ox.Store):
        raise InvalidChange("document changes need the embedded store (backend 'embedded')")
    return backend


# -- document changes --------------------------------------------------------------------------------------------


def add_document(
    store: GraphStore, iri: str, triples: Iterable[ox.Triple], *, about: About | None = None, base: str = DEFAULT_BASE
) -> Change:
    """The change that adds a new document described by ``triples`` (its closure, and any new node it uses, such
    as a new agency or source); ``base`` is the base of data IRIs (for :func:`graph_for`)."""
    if exists(store, iri):
        raise DocumentExists(iri)
    return _document_change(store, iri, set(triples), about=about, base=base)


def replace_document(
    store: GraphStore, iri: str, triples: Iterable[ox.Triple], *, about: About | None = None, base: str = DEFAULT_BASE
) -> Change:
    """The change that makes the document's closure exactly ``triples``: what it no longer has is removed from the
    graphs that hold it, what is new goes to the graph of its kind, what stays stays where it is."""
    if not exists(store, iri):
        raise DocumentNotFound(iri)
    return _document_change(store, iri, set(triples), about=about, base=base)


def retract_document(store: GraphStore, iri: str, *, about: About | None = None) -> Change:
    """The change that removes the document and its closure (evidence that other nodes cite stays)."""
    if not exists(store, iri):
        raise DocumentNotFound(iri)
    return Change.of({}, document_triples(store, iri), about=about, documents={iri})


def _document_change(store: GraphStore, iri: str, new: set[ox.Triple], *, about: About | None, base: str) -> Change:
    submitted = ox.Store()
    submitted.extend(ox.Quad(t.subject, t.predicate, t.object, DEFAULT_GRAPH) for t in new)
    document = ox.NamedNode(iri)
    if next(iter(submitted.quads_for_pattern(document, _RDF_TYPE, None, DEFAULT_GRAPH)), None) is None:
        raise InvalidChange(f"the triples give the document <{iri}> no type (rdf:type)")
    nodes = document_nodes(store, iri)
    old = _triples_of(store, nodes)
    held = {t for triples in old.values() for t in triples}
    scope = closure_in(submitted, document) | nodes
    data = set(store.graphs(("data", "extra")))
    added: dict[str, set[ox.Triple]] = {}
    outside: set[str] = set()
    described: dict[ox.NamedNode, bool] = {}  # per subject: many new triples share one
    for triple in new - held:
        if store.holders(triple) & data:
            continue  # already in the graph (shared evidence, a known agency): nothing to add
        subject = triple.subject
        if subject not in scope and isinstance(subject, ox.NamedNode):
            if subject not in described:
                described[subject] = _described(store, subject, data)
            if described[subject]:
                outside.add(subject.value)
        added.setdefault(graph_for(triple, base), set()).add(triple)
    if outside:
        listed = ", ".join(f"<{s}>" for s in sorted(outside)[:5])
        raise InvalidChange(f"a change to <{iri}> may not add to other nodes that exist: {listed}")
    removed = {graph: triples - new for graph, triples in old.items()}
    return Change.of(added, removed, about=about, documents={iri})


def _described(store: GraphStore, node: ox.NamedNode, graphs: set[str]) -> bool:
    """Whether the node is the subject of a triple in one of the graphs."""
    quads = _oxigraph(store).quads_for_pattern(node, None, None, None)
    return any(isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in graphs for q in quads)


__all__ = [
    "UPDATES_GRAPH",
    "About",
    "Change",
    "add_document",
    "closure_in",
    "document_nodes",
    "document_triples",
    "exists",
    "expect_version",
    "graph_for",
    "replace_document",
    "retract_document",
    "version",
]
