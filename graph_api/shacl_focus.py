"""Which focus nodes a change to one document can touch: what to re-validate with ``validate_focus``.

A document is its own node and the nodes hanging off it — its indicators (``dh:indicatorOf``) and their targets,
its indicator and task groups, its tasks (``dh:taskOf``), its assignments (``dh:assigns``), the ``dh:Statement``\\s
about any of these (``rdf:subject``) and the ``dh:Evidence`` behind any of these. Changing them can change the
results on:

- those nodes themselves (every shape whose focus they are);
- other nodes that use the same evidence (``sh:class dh:Evidence`` looks at the evidence's type);
- assignments of other documents that assign this document's tasks (``sh:class dh:Task``), and the tasks this
  document's assignments assign (``dhs:ResponsibleAgencyShape`` looks at all assignments of a task);
- documents that implement this one (``dhs:ImplementsDateShape``, ``dhs:ImplementsLevelShape`` read the implemented
  document's date and issuer), the documents this one implements, is based on, contributes to, references or
  establishes, and every document on an ``dh:implements`` cycle through this one (``dhs:ImplementsCycleShape``).

For a change, take the union of the sets before and after it: a removed edge's nodes are only in the first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

if TYPE_CHECKING:
    from graph_api.store import GraphStore

#: The document's own nodes: the document, its indicators and their targets, groups, tasks and assignments.
_PARTS: Final = """
PREFIX dh: <https://w3id.org/vn-directives/ontology#>
SELECT DISTINCT ?node WHERE {
  { ?node dh:indicatorOf ?doc }
  UNION { ?indicator dh:indicatorOf ?doc . ?indicator dh:target ?node }
  UNION { ?doc dh:hasIndicatorGroup|dh:hasTaskGroup|dh:assigns ?node }
  UNION { ?node dh:taskOf ?doc }
}
"""
#: The statements about them.
_STATEMENTS: Final = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?node WHERE { VALUES ?part { ?parts } ?node rdf:subject ?part }
"""
#: Evidence, nodes sharing it, assignments and tasks across documents, related documents.
_AROUND: Final = """
PREFIX dh: <https://w3id.org/vn-directives/ontology#>
SELECT DISTINCT ?node WHERE {
  { VALUES ?own { ?owns } ?own dh:evidence ?node }
  UNION { VALUES ?own { ?owns } ?own dh:evidence ?evidence . ?node dh:evidence ?evidence }
  UNION { VALUES ?own { ?owns } ?own dh:taskOf ?doc . ?node dh:assignedTask ?own }
  UNION { VALUES ?own { ?owns } ?doc dh:assigns ?own . ?own dh:assignedTask ?node }
  UNION { ?node dh:implements ?doc }
  UNION { ?doc dh:implements|dh:basedOn|dh:contributesTo|dh:references|dh:establishes ?node }
  UNION { ?doc dh:implements+ ?node . ?node dh:implements+ ?doc }
}
"""


def _iris(store: GraphStore, query: str) -> set[str]:
    return {row["node"].value for row in store.select(query) if isinstance(row["node"], ox.NamedNode)}


def affected_focus_nodes(store: GraphStore, document_iri: str) -> set[str]:
    """IRIs of the focus nodes whose results a change to this document can change (see the module docstring)."""
    # IRIs go into the text in their N-Triples form, checked by NamedNode (VALUES lists cannot be bound otherwise).
    document = str(ox.NamedNode(document_iri))
    parts = {document_iri} | _iris(store, _PARTS.replace("?doc", document))
    listed = " ".join(str(ox.NamedNode(p)) for p in sorted(parts))
    owns = parts | _iris(store, _STATEMENTS.replace("?parts", listed))
    listed = " ".join(str(ox.NamedNode(p)) for p in sorted(owns))
    return owns | _iris(store, _AROUND.replace("?owns", listed).replace("?doc", document))
