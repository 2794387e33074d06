"""A lexical look at SPARQL text, without parsing it: what is code and what is data (strings, IRIs, comments, names).

:func:`mask` blanks out, keeping every offset, whatever cannot hold a keyword or an operator: comments, strings
(short and long, with their escapes), IRIs, variables, the local part of prefixed names and escapes such as ``\\'``
or ``\\#`` (legal in a local name: ``ex:a\\'`` — a regex that knows only strings would take that quote for the start
of one and hide what follows). What stays is keywords, punctuation and the prefix part of prefixed names, so that
a word found in the masked text is one the SPARQL parser sees as a word.

The rules follow the SPARQL 1.1 grammar's terminals (``VARNAME``, ``PN_PREFIX``, ``PN_LOCAL``, ``PLX``,
``STRING_LITERAL*``, ``IRIREF``); :func:`unescape_codepoints` applies the grammar's ``\\uXXXX`` escapes (which
pyoxigraph 0.5 does not) for callers that want to look at both readings.

:func:`keyword_found` says whether a keyword such as ``SERVICE`` occurs; :func:`complexity` measures the brackets'
nesting and the number of operators, which bound how deep the parser and the evaluator recurse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable

# SPARQL 1.1 grammar, section 19.8 (productions 164-173).
_PN_CHARS_BASE: Final = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U: Final = _PN_CHARS_BASE + "_"
_PN_CHARS: Final = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX: Final = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX: Final = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL: Final = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_VARNAME: Final = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"

#: The tokens :func:`mask` blanks out; the named groups are the prefixed names, whose prefix may stay visible.
_OPAQUE: Final = re.compile(
    r"#[^\r\n]*"
    r"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""'
    r"|'(?:[^'\\\r\n]|\\.)*'"
    r'|"(?:[^"\\\r\n]|\\.)*"'
    r'|(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)'
    rf"|[?$]{_VARNAME}"
    rf"|(?P<prefix>{_PN_PREFIX})?:(?P<local>{_PN_LOCAL})?"
    r"|\\."
)

#: Words a prefix may end with that are also keywords :func:`keyword_found` looks for: ``SERVICE:x`` reads as the
#: keyword SERVICE and the name ``:x`` where the grammar allows SERVICE (``FROM:g`` as FROM ``:g``, ``GRAPH:g`` as
#: GRAPH ``:g``), so such a prefix is kept visible.
WATCHED_WORDS: Final = ("service", "load", "from", "graph")

_CODEPOINT: Final = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _blanker(*, iris: bool) -> Callable[[re.Match[str]], str]:
    def blank(match: re.Match[str]) -> str:
        text = match.group()
        if match["iri"] is not None and not iris:
            return text
        prefix = match["prefix"]
        if prefix is None or text.startswith(("#", "'", '"', "<", "?", "$", "\\")):
            return " " * len(text)
        kept = prefix if prefix.lower().endswith(WATCHED_WORDS) else " " * len(prefix)
        return kept + " " * (len(text) - len(prefix))

    return blank


_BLANK: Final = _blanker(iris=True)
_BLANK_BUT_IRIS: Final = _blanker(iris=False)


def mask(text: str, *, iris: bool = True) -> str:
    """The text with comments, strings, IRIs (unless ``iris`` is false), variables, local names and escapes replaced
    by spaces: the same length, so offsets still match."""
    return _OPAQUE.sub(_BLANK if iris else _BLANK_BUT_IRIS, text)


def iri_spans(text: str) -> list[str]:
    """What :func:`mask` takes for IRIs (``<…>``). Without parsing, ``<`` may also be the less-than operator: in
    ``FILTER(?a<2)SERVICE#>`` the span ``<2)SERVICE#>`` hides a keyword, the ``>`` being in a comment."""
    return [match["iri"] for match in _OPAQUE.finditer(text) if match["iri"] is not None]


def unescape_codepoints(text: str) -> str:
    """The text with SPARQL's ``\\uXXXX`` and ``\\UXXXXXXXX`` codepoint escapes replaced by their characters."""

    def char(match: re.Match[str]) -> str:
        code = int(match[1] or match[2], 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _CODEPOINT.sub(char, text)


def keyword_found(text: str, word: str) -> bool:
    """Whether ``word`` (a keyword, any case) may be read as a keyword of the SPARQL text.

    It is looked for outside strings, IRIs, comments and names, in the text as it is and with its codepoint escapes
    applied, without asking for spaces around it (the parser needs none: ``}SERVICE<…>{``); and inside a "IRI" that
    may be a comparison cut short by a comment (``<`` … ``)`` … word … ``#`` … ``>``). Loose on purpose: a false
    alarm costs a rephrased query, a miss a request to anywhere."""
    pattern = re.compile(re.escape(word), re.IGNORECASE)
    hidden = re.compile(r"\)[^#]*" + re.escape(word) + r"[^#]*#", re.IGNORECASE)
    for reading in {text, unescape_codepoints(text)}:
        if pattern.search(mask(reading)) or any(hidden.search(span) for span in iri_spans(reading)):
            return True
    return False


@dataclass(frozen=True)
class Complexity:
    """How deep the brackets of a query nest and how many operators it has (outside VALUES blocks)."""

    depth: int
    operators: int


_BRACKETS: Final = re.compile(r"<<|>>|[{}()\[\]]")
_VALUES_BLOCK: Final = re.compile(r"VALUES[^{]*\{[^}]*\}", re.IGNORECASE)
_OPERATORS: Final = re.compile(
    r"<<|&&|\|\||!=|<=|>=|[{(\[!+\-*/|^=<>.;]"
    r"|(?<![A-Za-z_])(?:UNION|OPTIONAL|MINUS|BIND|FILTER|GRAPH|SERVICE|EXISTS)(?![A-Za-z_])",
    re.IGNORECASE,
)
#: What a comparison mistaken for an IRI must hold to end (``?a<1/1/1&&?b>2``, ``FILTER(?a<2)…#>``) and real IRIs
#: rarely do: such a span is counted as code.
_SUSPICIOUS: Final = re.compile(r"[()&|,;!]")


def complexity(text: str) -> Complexity:
    """The nesting depth of ``{ ( [ <<`` and the number of operators, brackets and pattern keywords.

    The depth is counted with IRIs left in (a bracket in a real IRI is rare, one in a comparison mistaken for an IRI
    is not); the operators in the masked text, plus all of those inside an "IRI" that holds one of ``( ) & | , ; !``.
    Rows of VALUES blocks are data and do not count (a long VALUES list is flat for the parser too)."""
    steps = [1 if b in ("{", "(", "[", "<<") else -1 for b in _BRACKETS.findall(mask(text, iris=False))]
    depth = max(0, *accumulate(steps)) if steps else 0
    code = mask(text)
    values = [found.span() for found in _VALUES_BLOCK.finditer(code)]
    operators = len(_OPERATORS.findall(_VALUES_BLOCK.sub(lambda found: " " * len(found.group()), code)))
    for match in _OPAQUE.finditer(text):
        span = match["iri"]
        if span is None or not _SUSPICIOUS.search(span):
            continue
        if not any(start <= match.start() < end for start, end in values):
            operators += len(_OPERATORS.findall(span[1:-1]))
    return Complexity(depth, operators)
