"""Type aliases shared across the package."""

from __future__ import annotations

from collections.abc import Mapping, Set
from pathlib import Path
from typing import Literal, TypeAlias

import pyoxigraph as ox

#: What a node of a query result can be.
Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
#: Values bound to query variables, by variable name (without "?").
Bindings: TypeAlias = Mapping[str, Term]
#: One row of a SELECT result, in the order of its variables; None where a variable is unbound.
Row: TypeAlias = tuple[Term | None, ...]
#: Where a file sits in the project, which fixes its named graph; ``audit`` holds the change log (no file).
GraphKind: TypeAlias = Literal["ontology", "data", "shapes", "extra", "audit"]
#: Triples by the IRI of the named graph that holds them: one side of a change (what it adds, what it removes).
TriplesByGraph: TypeAlias = Mapping[str, Set[ox.Triple]]
#: Anything that names a file.
PathLike: TypeAlias = str | Path
#: Which way lineage is followed from a document.
Direction: TypeAlias = Literal["down", "up", "both"]
