"""Random DAGs of documents for the property-based lineage tests, and the SPARQL property-path answers to compare."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conftest import make_store

from graph_api.iris import DEFAULT_BASE as BASE

if TYPE_CHECKING:
    from graph_api.store import GraphStore

DH = "https://w3id.org/vn-directives/ontology#"
RELATIONS = ("implements", "basedOn", "contributesTo")
RELATION_SETS = (("implements",), ("implements", "contributesTo"), RELATIONS)


@dataclass(frozen=True)
class Dag:
    store: GraphStore
    documents: tuple[str, ...]
    quotes: dict[tuple[str, str, str], set[str]]


def document(i: int) -> str:
    return f"{BASE}document/ubnd-test/kh/2020/{i}"


def random_dag(seed: int, *, max_nodes: int = 12) -> Dag:
    """A DAG: document i may point only at documents j < i, with a random relation; some edges carry evidence."""
    rng = random.Random(seed)
    n = rng.randint(2, max_nodes)
    lines = ["@prefix dh: <https://w3id.org/vn-directives/ontology#> .",
             "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> ."]  # fmt: skip
    quotes: dict[tuple[str, str, str], set[str]] = {}
    for i in range(n):
        kind = rng.choice(["ImplementationPlan", "ActionProgramme", "Resolution"])
        lines.append(f'<{document(i)}> a dh:{kind} ; dh:symbol "{i}/KH-UBND" .')
    for i in range(1, n):
        for j in rng.sample(range(i), rng.randint(0, min(i, 3))):
            relation = rng.choice(RELATIONS)
            lines.append(f"<{document(i)}> dh:{relation} <{document(j)}> .")
            for k in range(rng.randint(0, 2)):
                quote = f"quote {i} {relation} {j} #{k}"
                node = f"<{document(i)}/statement/{relation}-{j}-{k}>"
                lines.append(
                    f"{node} rdf:subject <{document(i)}> ; rdf:predicate dh:{relation} ; rdf:object <{document(j)}> ;"
                    f' dh:evidence [ dh:quote "{quote}"@vi ; dh:source <{BASE}source/test> ] .'
                )
                quotes.setdefault((document(i), relation, document(j)), set()).add(quote)
    store = make_store("\n".join(lines), ontology=False)
    return Dag(store, tuple(document(i) for i in range(n)), quotes)


def path(relations: tuple[str, ...] | list[str], direction: str) -> str:
    forward = "(" + "|".join(f"<{DH}{r}>" for r in relations) + ")"
    return {"down": f"^{forward}", "up": forward, "both": f"({forward}|^{forward})"}[direction]


def sparql_nodes(
    store: GraphStore, root: str, relations: tuple[str, ...], direction: str, depth: int | None
) -> set[str]:
    """Documents reached from ``root`` by the property path (``P+``, or ``P|P/P|…`` up to ``depth`` steps)."""
    step = path(relations, direction)
    expression = (
        f"{step}+" if depth is None else "(" + "|".join("/".join([step] * k) for k in range(1, depth + 1)) + ")"
    )
    query = f"SELECT DISTINCT ?x WHERE {{ <{root}> {expression} ?x FILTER(?x != <{root}>) }}"
    return {row["x"].value for row in store.select(query)}  # type: ignore[union-attr]


def sparql_edges(store: GraphStore, root: str, relations: tuple[str, ...], direction: str) -> set[tuple[str, str, str]]:
    """Edges among the documents reached (unlimited depth): those whose near end is the root or reached."""
    step = path(relations, direction)
    values = " ".join(f"<{DH}{r}>" for r in relations)
    near = {"down": "?t", "up": "?s", "both": "?s"}[direction]
    query = f"SELECT ?s ?p ?t WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?t . <{root}> {step}* {near} }}"
    if direction == "both":
        query = (f"SELECT ?s ?p ?t WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?t . "
                 f"{{ <{root}> {step}* ?s }} UNION {{ <{root}> {step}* ?t }} }}")  # fmt: skip
    return {
        (row["s"].value, row["p"].value.removeprefix(DH), row["t"].value)  # type: ignore[union-attr]
        for row in store.select(query)
    }
