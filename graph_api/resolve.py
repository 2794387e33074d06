"""From a symbol as people write it to the documents that have it.

:func:`parse_symbol` reads any common written form into (number, type code, issuer code, year):

- Party form ``15-NQ/TW`` and State form ``306/KH-UBND`` or ``30/2020/NĐ-CP``; a law ``39/2024/QH15``;
- spaces anywhere around ``-`` and ``/`` (`` 15 - NQ / TW ``), any letter case (``ctr``, ``CTR`` → ``CTr``);
- a leading type word and ``số`` (``Nghị quyết số 15-NQ/TW``, ``Luật số 39/2024/QH15``);
- short forms ``NQ 15``, ``nq15``, ``15-NQ``, ``306/KH``;
- NFD input, ``Ð`` (U+00D0, eth) for ``Đ``, ASCII ``QD``/``ND``/``HDND`` for ``QĐ``/``NĐ``/``HĐND``,
  and ``TƯ`` for ``TW``.

:func:`resolve` matches the parts against ``dh:number`` (leading zeros ignored: ``8`` finds ``08``), the type's and
the issuer's ``skos:notation`` (the issuer only when written) and the issue year (only when written and known).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api.errors import AmbiguousSymbol, DocumentNotFound

if TYPE_CHECKING:
    from graph_api.store import GraphStore
    from graph_api.types import Term

TYPE_CODES: Final = ("NQ", "KL", "CT", "CTr", "KH", "TB", "QĐ", "QĐi", "HD", "BC", "NĐ", "TT", "Luật", "QH")
ISSUER_CODES: Final = ("TW", "VPTW", "TU", "QU", "HU", "ĐU", "UBND", "HĐND", "CP", "TTg", "QH")
#: Words that open a document's name, and the type code they stand for (longest first).
TYPE_WORDS: Final = (
    ("chương trình hành động", "CTr"),
    ("chương trình công tác", "CTr"),
    ("chương trình", "CTr"),
    ("nghị quyết", "NQ"),
    ("kết luận", "KL"),
    ("chỉ thị", "CT"),
    ("kế hoạch", "KH"),
    ("thông báo", "TB"),
    ("quyết định", "QĐ"),
    ("quy định", "QĐi"),
    ("hướng dẫn", "HD"),
    ("báo cáo", "BC"),
    ("nghị định", "NĐ"),
    ("thông tư", "TT"),
    ("quy hoạch", "QH"),
    ("luật", "Luật"),
)

_L = r"[^\W\d_]+"  # letters, any script
_STATE = re.compile(rf"(?P<number>\d+)(?:/(?P<year>\d{{4}}))?/(?P<type>{_L})-(?P<issuer>{_L}\d*)")
_PARTY = re.compile(rf"(?P<number>\d+)-(?P<type>{_L})/(?P<issuer>{_L}\d*)")
_LAW = re.compile(rf"(?P<number>\d+)/(?P<year>\d{{4}})/(?P<issuer>{_L}\d*)")
_PARTIAL = re.compile(rf"(?P<number>\d+)[-/](?P<type>{_L})$")
_SHORT = re.compile(rf"(?P<type>{_L}) ?(?P<number>\d+)")


def fold(text: str) -> str:
    """Lower-case ASCII form for comparisons: "QĐ" → "qd", "Luật" → "luat"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


_TYPES: Final = {fold(code): code for code in TYPE_CODES}
_ISSUERS: Final = {fold(code): code for code in ISSUER_CODES}


def normalize(text: str) -> str:
    """NFC, ``Ð``/``ð`` (eth) read as ``Đ``/``đ``, single spaces, none around ``-`` and ``/``."""
    clean = unicodedata.normalize("NFC", text).replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    clean = re.sub(r"\s+", " ", clean).strip(" .,;:\"'“”")
    return re.sub(r" ?([-/]) ?", r"\1", clean)


def type_code(written: str) -> str:
    """Canonical type code of a written one ("ctr" → "CTr", "QD" → "QĐ"); unknown codes are returned upper-cased."""
    return _TYPES.get(fold(written), written.upper())


def issuer_code(written: str) -> str:
    """Canonical issuer code ("TƯ" → "TW", "hdnd" → "HĐND", "QH15" → "QH")."""
    letters = re.sub(r"\d+$", "", written).replace("Ư", "W").replace("ư", "w")
    return _ISSUERS.get(fold(letters), letters.upper())


@dataclass(frozen=True)
class ParsedSymbol:
    """The parts of a written symbol; ``number`` is as written (leading zeros kept)."""

    number: str
    type_code: str
    issuer_code: str | None = None
    year: int | None = None
    party_form: bool = False

    def canonical(self) -> str:
        """The symbol as the data writes it: "15-NQ/TW", "306/KH-UBND", "30/2020/NĐ-CP"; "NQ 15" without issuer."""
        if self.issuer_code is None:
            return f"{self.type_code} {self.number}"
        if self.party_form:
            return f"{self.number}-{self.type_code}/{self.issuer_code}"
        year = f"/{self.year}" if self.year is not None else ""
        return f"{self.number}{year}/{self.type_code}-{self.issuer_code}"


def _strip_type_word(text: str) -> tuple[str | None, str]:
    """The type code of a leading type word, and the text after it (and after "số")."""
    folded = fold(text)
    for word, code in TYPE_WORDS:
        key = fold(word)
        if folded == key or folded.startswith(key + " "):
            rest = text.split(" ", word.count(" ") + 1)[word.count(" ") + 1 :]
            tail = rest[0] if rest else ""
            return code, re.sub(r"^(?:số|so)\b:? ?", "", tail, flags=re.IGNORECASE)
    return None, text


def parse_symbol(text: str) -> ParsedSymbol | None:
    """The parts of a symbol written in any of the forms of the module docstring; None when there is none."""
    word_code, rest = _strip_type_word(normalize(text))
    found = _STATE.search(rest)
    if found:
        year = int(found["year"]) if found["year"] else None
        return ParsedSymbol(found["number"], type_code(found["type"]), issuer_code(found["issuer"]), year)
    found = _PARTY.search(rest)
    if found:
        return ParsedSymbol(found["number"], type_code(found["type"]), issuer_code(found["issuer"]), party_form=True)
    found = _LAW.search(rest)
    if found:
        return ParsedSymbol(found["number"], word_code or "Luật", issuer_code(found["issuer"]), int(found["year"]))
    found = _PARTIAL.fullmatch(rest)
    if found:
        return ParsedSymbol(found["number"], type_code(found["type"]))
    found = _SHORT.fullmatch(rest)
    if found and fold(found["type"]) != "so":
        return ParsedSymbol(found["number"], type_code(found["type"]))
    if word_code and rest.isdigit():
        return ParsedSymbol(rest, word_code)
    return None


@dataclass(frozen=True)
class _Document:
    iri: str
    number: str
    type_code: str
    issuer_code: str | None
    year: int | None
    symbol: str


_DOCUMENTS: Final = """PREFIX dh: <https://w3id.org/vn-directives/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?doc ?number ?type ?issuer ?symbol ?date WHERE {
    { ?doc dh:number ?n } UNION { ?doc dh:symbol ?s }
    OPTIONAL { ?doc dh:number ?number }
    OPTIONAL { ?doc dh:documentType/skos:notation ?type }
    OPTIONAL { ?doc dh:issuerCode/skos:notation ?issuer }
    OPTIONAL { ?doc dh:symbol ?symbol }
    OPTIONAL { ?doc dh:issueDate ?date }
}"""


def _text(term: Term | None) -> str | None:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


class _Index:
    def __init__(self, store: GraphStore) -> None:
        self.revision = store.revision
        documents: dict[str, _Document] = {}
        for row in store.select(_DOCUMENTS):
            iri = _text(row["doc"])
            if iri is None or iri in documents:
                continue
            symbol = _text(row["symbol"])
            parsed = parse_symbol(symbol) if symbol else None
            number = _text(row["number"]) or (parsed.number if parsed else None)
            kind = _text(row["type"]) or (parsed.type_code if parsed else None)
            if number is None or kind is None:
                continue
            issuer = _text(row["issuer"]) or (parsed.issuer_code if parsed else None)
            date = _text(row["date"])
            year = int(date[:4]) if date and date[:4].isdigit() else (parsed.year if parsed else None)
            shown = symbol or ParsedSymbol(number, kind, issuer, year, party_form=False).canonical()
            documents[iri] = _Document(iri, number, kind, issuer, year, shown)
        self.documents = list(documents.values())


def _index(store: GraphStore) -> _Index:
    return store.derived(_Index, _Index)


def _same_number(a: str, b: str) -> bool:
    return (a.lstrip("0") or "0") == (b.lstrip("0") or "0")


def _matches(doc: _Document, wanted: ParsedSymbol) -> bool:
    if not _same_number(doc.number, wanted.number) or fold(doc.type_code) != fold(wanted.type_code):
        return False
    if wanted.issuer_code is not None and (
        doc.issuer_code is None or fold(doc.issuer_code) != fold(wanted.issuer_code)
    ):
        return False
    return wanted.year is None or doc.year is None or doc.year == wanted.year


_IRI = re.compile(r"^<?(?P<iri>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>]+)>?$")
_EXISTS: Final = "SELECT ?iri WHERE { ?iri ?p ?o } LIMIT 1"


def resolve(store: GraphStore, text: str) -> list[str]:
    """IRIs of every document the written symbol (or IRI) stands for, sorted; several when the symbol is ambiguous.

    Raises :class:`DocumentNotFound`, with the nearest known symbols, when none matches.
    """
    written = _IRI.match(text.strip())
    if written:
        iri = written["iri"]
        if list(store.select(_EXISTS, substitutions={"iri": ox.NamedNode(iri)})):
            return [iri]
        raise DocumentNotFound(text)
    index = _index(store)
    parsed = parse_symbol(text)
    if parsed is not None:
        found = sorted(doc.iri for doc in index.documents if _matches(doc, parsed))
        if found:
            return found
    target = fold(parsed.canonical() if parsed else normalize(text))
    by_fold = {fold(doc.symbol): doc.symbol for doc in index.documents}
    nearest = difflib.get_close_matches(target, list(by_fold), n=5, cutoff=0.5)
    raise DocumentNotFound(text, [by_fold[key] for key in nearest])


def resolve_one(store: GraphStore, text: str) -> str:
    """The one document the symbol stands for; :class:`AmbiguousSymbol` when there are several."""
    found = resolve(store, text)
    if len(found) > 1:
        raise AmbiguousSymbol(text, found)
    return found[0]
