"""Deterministic IRIs for everything in the graph.

A document's identity is issuer + type + number + year (or Party term), never its symbol alone: "06-CTr/TU"
exists in many provinces and terms. Every function here is pure: the same identity always gives the same IRI,
and the IRI never depends on anything else (labels, load order, time).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

DEFAULT_BASE = "https://w3id.org/vn-directives/id/"
UNKNOWN = "_"

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode normal form C, the form all stored text uses."""
    return unicodedata.normalize("NFC", text)


def slug(text: str) -> str:
    """ASCII slug of Vietnamese text: "Thành ủy Hà Nội" -> "thanh-uy-ha-noi".

    Diacritics are dropped by decomposition (no transliteration table is needed for Vietnamese);
    "đ"/"Đ" have no decomposition and are mapped to "d" explicitly.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    result = _NON_ALNUM.sub("-", ascii_only.lower()).strip("-")
    if not result:
        raise ValueError(f"cannot make a slug from {text!r}")
    return result


def type_segment(type_code: str) -> str:
    """IRI segment of a document type code: "CTr" -> "ctr", "QĐ" -> "qd", "Luật" -> "luat"."""
    return slug(type_code)


def period_segment(year: int | None = None, term: str | None = None) -> str:
    """The year when known, else the Party term as ``khoa-{roman}``, else ``_``."""
    if year is not None:
        return str(year)
    if term:
        return f"khoa-{slug(term)}"
    return UNKNOWN


def document_path(
    issuer: str | None,
    type_code: str,
    *,
    number: str | None = None,
    year: int | None = None,
    term: str | None = None,
    title: str | None = None,
) -> str:
    """Relative IRI path of a document from its identity.

    ``issuer`` is the issuing agency's name or slug (``None`` when no issuer is stated); ``number`` is kept as
    printed ("08" keeps its zero); when there is no number, a slug of the short ``title`` stands in.
    """
    if number:
        key = slug(number)
    elif title:
        key = slug(title)
    else:
        raise ValueError("a document needs a number or a title to be identified")
    issuer_part = slug(issuer) if issuer else UNKNOWN
    return f"document/{issuer_part}/{type_segment(type_code)}/{period_segment(year, term)}/{key}"


def document_iri(
    issuer: str | None,
    type_code: str,
    *,
    number: str | None = None,
    year: int | None = None,
    term: str | None = None,
    title: str | None = None,
    base: str = DEFAULT_BASE,
) -> str:
    """Absolute IRI of a document; see :func:`document_path`."""
    path = document_path(issuer, type_code, number=number, year=year, term=term, title=title)
    return base + path


def agency_iri(name: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}agency/{slug(name)}"


def person_iri(name: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}person/{slug(name)}"


def evidence_iri(source_id: str, quote: str, base: str = DEFAULT_BASE) -> str:
    """Evidence IRI from its source and the NFC quote: the same quote from the same source is one node."""
    digest = hashlib.sha1(nfc(quote).encode("utf-8")).hexdigest()[:10]
    return f"{base}evidence/{source_id}-{digest}"


def source_iri(source_id: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}source/{source_id}"
