"""N-Triples terms and sinks for the generator: plain strings, written line by line, never a graph in memory.

Terms are formatted once (``<iri>``, ``"text"@vi``, ``"2022-05-05"^^xsd:date``) and a triple is one line
``s p o .``. A sink takes the lines of one document at a time and counts them; the file sink streams them to disk
(optionally gzipped with a fixed header, so that the same input always gives the same bytes).
"""

from __future__ import annotations

import gzip
import io
from typing import TYPE_CHECKING, Final

from graph_api.iris import nfc

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path
    from types import TracebackType

RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
DH: Final = "https://w3id.org/vn-directives/ontology#"
CODE: Final = "https://w3id.org/vn-directives/code/"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
SCHEMA: Final = "https://schema.org/"
ORG: Final = "http://www.w3.org/ns/org#"
DCTERMS: Final = "http://purl.org/dc/terms/"
UNIT: Final = "http://qudt.org/vocab/unit/"
CUR: Final = "http://qudt.org/vocab/currency/"

_ESCAPES: Final = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    """An IRI term; the generator only mints ASCII IRIs, so nothing needs escaping."""
    return f"<{value}>"


def dh(local: str) -> str:
    return f"<{DH}{local}>"


def code(scheme: str, local: str) -> str:
    """A code-list concept, e.g. ``code("doc-type", "NQ")``."""
    return f"<{CODE}{scheme}/{local}>"


def text(value: str, language: str) -> str:
    """A language-tagged literal, NFC."""
    return f'"{nfc(value).translate(_ESCAPES)}"@{language}'


def string(value: str) -> str:
    """An ``xsd:string`` literal (written as a simple literal, which is the same term in RDF 1.1)."""
    return f'"{nfc(value).translate(_ESCAPES)}"'


def integer(value: int) -> str:
    return f'"{value}"^^<{XSD}integer>'


def decimal(value: float) -> str:
    """An ``xsd:decimal`` with at most one decimal place: 8.5 -> "8.5", 11.0 -> "11"."""
    lexical = f"{value:.1f}"
    if lexical.endswith(".0"):
        lexical = lexical[:-2]
    return f'"{lexical}"^^<{XSD}decimal>'


def day(value: date) -> str:
    return f'"{value.isoformat()}"^^<{XSD}date>'


TYPE: Final = f"<{RDF}type>"
SUBJECT: Final = f"<{RDF}subject>"
PREDICATE: Final = f"<{RDF}predicate>"
OBJECT: Final = f"<{RDF}object>"
PREF_LABEL: Final = f"<{SKOS}prefLabel>"
NOTE: Final = f"<{SKOS}note>"
SUB_ORGANIZATION_OF: Final = f"<{ORG}subOrganizationOf>"
TITLE: Final = f"<{DCTERMS}title>"
VALUE: Final = f"<{SCHEMA}value>"
MIN_VALUE: Final = f"<{SCHEMA}minValue>"
MAX_VALUE: Final = f"<{SCHEMA}maxValue>"
UNIT_TEXT: Final = f"<{SCHEMA}unitText>"


class Sink:
    """Counts the lines it is given; subclasses also store them."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, lines: list[str]) -> None:
        self.count += len(lines)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> Sink:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class FileSink(Sink):
    """Streams lines to an N-Triples file, gzipped when asked (no name, mtime 0: byte-identical across runs)."""

    def __init__(self, path: Path, *, compress: bool = False) -> None:
        super().__init__()
        self._raw = path.open("wb")
        self._gzip = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6) if compress else None
        )
        self._out = io.TextIOWrapper(
            self._gzip if self._gzip is not None else self._raw, encoding="utf-8", newline="\n", write_through=False
        )

    def write(self, lines: list[str]) -> None:
        super().write(lines)
        if lines:
            self._out.write("\n".join(lines))
            self._out.write("\n")

    def close(self) -> None:
        self._out.flush()
        self._out.detach()
        if self._gzip is not None:
            self._gzip.close()
        self._raw.close()
