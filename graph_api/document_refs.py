"""The shared nodes a document written as JSON may name, read from the store: code lists, document classes,
agencies, persons, posts, Party terms, sources and other documents.

A document never writes these nodes, it only points at them: by IRI, or by a name (an agency's label, a person's
``foaf:name``, a code's ``skos:notation``, a document's symbol). A name that matches nothing is refused with
:class:`UnresolvedReference` (and the nearest names), one that matches several with :class:`AmbiguousReference`
(and the candidates), each naming the JSON path of the reference. The nodes of one store revision are read once.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api.documents import document_index
from graph_api.errors import AmbiguousReference, DocumentNotFound, InvalidDocument, UnresolvedReference
from graph_api.namespaces import DH
from graph_api.resolve import fold, resolve

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from graph_api.store import GraphStore

#: Code lists are ``{CODE_SCHEME}{scheme}``: doc-type, issuer-code, role, comparator, certainty.
CODE_SCHEME: Final = "https://w3id.org/vn-directives/code/"

_NODES: Final = """PREFIX dh: <https://w3id.org/vn-directives/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?kind ?node ?name WHERE {
  { VALUES (?kind ?class) { ("agency" dh:Agency) ("person" dh:Person) ("post" dh:Post) ("term" dh:PartyTerm)
                            ("source" dh:Source) }
    ?node a/rdfs:subClassOf* ?class
    OPTIONAL { ?node skos:prefLabel|skos:altLabel|foaf:name ?name } }
  UNION { ?node skos:inScheme ?scheme ; skos:notation ?name BIND(STR(?scheme) AS ?kind) }
  UNION { ?node rdfs:subClassOf* dh:Document BIND("class" AS ?kind) }
}"""


def nearest(text: str, known: Iterable[str]) -> list[str]:
    """Up to five of ``known`` that look like ``text``."""
    return difflib.get_close_matches(text, sorted(known), n=5, cutoff=0.6)


class SharedNodes:
    """The nodes a document may point at in one store revision: ``names[kind][iri]`` is the set of a node's names.

    Kinds: ``agency`` (collectives included), ``person``, ``post``, ``term``, ``source``, ``class`` (``dh:Document``
    and its subclasses) and, for each code list, the scheme's IRI (the names are the codes' notations).
    """

    def __init__(self, store: GraphStore) -> None:
        self.revision = store.revision
        self.names: dict[str, dict[str, set[str]]] = {}
        for row in store.select(_NODES):
            kind, node, name = row["kind"], row["node"], row["name"]
            if isinstance(kind, ox.Literal) and isinstance(node, ox.NamedNode):
                names = self.names.setdefault(kind.value, {}).setdefault(node.value, set())
                if isinstance(name, ox.Literal):
                    names.add(name.value)

    def code(self, scheme: str, written: str, path: str) -> str:
        """The IRI of the code of ``scheme`` whose notation is ``written`` (exactly, else ignoring case and
        diacritics: ``ctr`` → ``CTr``, ``QD`` → ``QĐ``)."""
        codes = self.names.get(CODE_SCHEME + scheme, {})
        for same in (str.__eq__, lambda a, b: fold(a) == fold(b)):
            found = sorted(iri for iri, notations in codes.items() if any(same(n, written) for n in notations))
            if found:
                return found[0]
        known = ", ".join(sorted(n for notations in codes.values() for n in notations))
        raise InvalidDocument([(path, f"unknown {scheme} code {written!r}; use one of: {known}")])

    def notation(self, scheme: str, iri: str) -> str:
        return min(self.names[CODE_SCHEME + scheme][iri])

    def document_class(self, name: str, path: str) -> str:
        """``dh:{name}``, which must be ``dh:Document`` or one of its subclasses."""
        classes = self.names.get("class", {})
        if str(DH) + name not in classes:
            known = ", ".join(sorted(iri.removeprefix(str(DH)) for iri in classes))
            raise InvalidDocument([(path, f"unknown document type {name!r}; use one of: {known}")])
        return str(DH) + name

    def known(self, kind: str, iri: str, path: str) -> str:
        """``iri``, when it is a node of this kind; :class:`UnresolvedReference` at ``path`` otherwise."""
        if iri not in self.names.get(kind, {}):
            raise UnresolvedReference(path, iri, kind, nearest(iri, self.names.get(kind, {})))
        return iri

    def node(self, kind: str, ident: str | None, names: Mapping[str, str | None], path: str) -> str:
        """A node by IRI (the names given beside it, ``{JSON field: name}``, must be its own), else the one node
        that has every name given."""
        known = self.names.get(kind, {})
        given = {field: name for field, name in names.items() if name is not None}
        if ident is not None:
            self.known(kind, ident, f"{path}.id")
            for field, name in given.items():
                if name not in known[ident]:
                    raise InvalidDocument([(f"{path}.{field}", f"{name!r} is not a name of <{ident}>")])
            return ident
        field, name = next(iter(given.items()))
        found = sorted(iri for iri, names_of in known.items() if set(given.values()) <= names_of)
        if not found:
            everything = {n for names_of in known.values() for n in names_of}
            raise UnresolvedReference(f"{path}.{field}", name, kind, nearest(name, everything))
        if len(found) > 1:
            raise AmbiguousReference(f"{path}.{field}", name, found)
        return found[0]


def shared_nodes(store: GraphStore) -> SharedNodes:
    """The :class:`SharedNodes` of the store's current revision (cached until the store changes)."""
    return store.derived(SharedNodes, SharedNodes)


def documents_written(store: GraphStore, text: str, path: str) -> list[str]:
    """Every document a written symbol (or IRI) stands for (:func:`graph_api.resolve.resolve`)."""
    try:
        return resolve(store, text)
    except DocumentNotFound as exc:
        raise UnresolvedReference(path, text, "document", exc.nearest) from None


def related_document(store: GraphStore, base: str, text: str, path: str) -> str:
    """The one document an IRI or a written symbol stands for."""
    index = document_index(store, base)
    if text in index.by_iri:
        return text
    found = [iri for iri in documents_written(store, text, path) if iri in index.by_iri]
    if not found:
        raise UnresolvedReference(path, text, "document", nearest(text, index.by_iri))
    if len(found) > 1:
        raise AmbiguousReference(path, text, found)
    return found[0]
