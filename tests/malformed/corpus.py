"""Malformed, hostile and odd inputs for every route, replayed by tests/test_malformed.py.

Each :class:`Case` is one request. ``expect`` is the status when one is required (a limit, a refusal); otherwise any
answer below 500 will do, as long as a 4xx is a problem+json. Large inputs are generated, not stored.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

SPARQL_QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"
#: URLs longer than this are refused by the HTTP client itself (httpx), before the service sees them.
URL_ROOM = 60_000


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: str  # path and query string, percent-encoded as sent
    body: bytes | None = None
    headers: dict[str, str | bytes] = field(default_factory=dict)
    expect: int | None = None


# -- SPARQL -------------------------------------------------------------------------------------------------------

#: name -> (query, required status or None)
QUERIES: dict[str, tuple[str, int | None]] = {
    "unbalanced open brace": ("SELECT * WHERE { ?s ?p ?o", 400),
    "unbalanced close braces": ("SELECT * WHERE { ?s ?p ?o }}}", 400),
    "unknown prefix": ("SELECT * WHERE { ?s nope:p ?o }", 400),
    "10,000 nested groups": ("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000, 400),
    "10,000 unclosed groups": ("SELECT * WHERE " + "{" * 10_000, 400),
    "5,000 nested parentheses": ("ASK { FILTER(" + "(" * 5_000 + "1" + ")" * 5_000 + ") }", 400),
    "300 nested property paths": ("ASK { ?s " + "(" * 300 + "<http://e/p>" + ")" * 300 + " ?o }", 400),
    "300 nested quoted triples": ("ASK { " + "<< " * 300 + "?s ?p ?o" + " >>" * 300 + " ?p ?o }", 400),
    "20,000 negations": ("ASK { FILTER(" + "!" * 20_000 + "true) }", 400),
    "3,000 BINDs": ("SELECT * WHERE { " + "".join(f"BIND(1 AS ?v{i}) " for i in range(3_000)) + "}", 400),
    "1 MB string literal": ('SELECT * WHERE { BIND("' + "a" * 1_000_000 + '" AS ?x) }', 400),
    "90 KB string literal": ('SELECT * WHERE { BIND("' + "a" * 90_000 + '" AS ?x) }', 200),
    "5,000-digit integer": ("SELECT * WHERE { BIND(" + "9" * 5_000 + " AS ?x) }", 200),
    "huge exponent": ("ASK { FILTER(1e99999999 > 0) }", None),
    "catastrophic regex": ('ASK { FILTER(REGEX("' + "a" * 40 + '!", "(a+)+$")) }', 200),
    "invalid regex": ('ASK { FILTER(REGEX("a", "(")) }', None),
    "division by zero": ("SELECT (1/0 AS ?x) {}", 200),
    "IRI with a space": ("SELECT * WHERE { <http://exa mple.org/> ?p ?o }", 400),
    "IRI with a control character": ("SELECT * WHERE { <http://e/\u0001> ?p ?o }", 400),
    "NUL byte": ("ASK { ?s ?p \u0000 }", 400),
    "byte order mark": ("\ufeffASK {}", None),
    "only a comment": ("# nothing here", 400),
    "only spaces": ("   \n\t ", 400),
    "surrogate escape in a string": ('ASK { FILTER("\\uD800" = "x") }', 400),
    "codepoint escape out of range": ('SELECT * WHERE { ?s ?p "\\UFFFFFFFF" }', 400),
    "odd Unicode in a literal": ('SELECT * WHERE { ?s ?p "\u00d0\u200d\u200f\ufffd\u202e" }', 200),
    "NFD literal": (unicodedata.normalize("NFD", 'SELECT * WHERE { ?s ?p "Nghị quyết" }'), 200),
    "SERVICE": ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 400),
    "SERVICE SILENT": ("SELECT * WHERE { SERVICE SILENT <http://169.254.169.254/> { ?s ?p ?o } }", 400),
    "update as a query": ("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }", 403),
    "LOAD as a query": ("LOAD <file:///etc/passwd>", 403),
    "DROP ALL as a query": ("DROP ALL", 403),
    "VALUES with 5,000 rows": (
        "SELECT * { VALUES ?x { " + " ".join(f"<http://e/{i}>" for i in range(5_000)) + "} }",
        200,
    ),
    "5,000 variables": ("SELECT * { " + "".join(f"BIND(1 AS ?v{i}) " for i in range(5_000)) + "}", 400),
}


def _sparql_cases() -> list[Case]:
    cases = []
    for name, (query, expect) in QUERIES.items():
        encoded = quote(query.encode("utf-8"), safe="")
        if len(encoded) < URL_ROOM:
            cases.append(Case(f"sparql GET: {name}", "GET", f"/sparql?query={encoded}", expect=expect))
        form = b"query=" + encoded.encode("ascii")
        cases.append(Case(f"sparql POST form: {name}", "POST", "/sparql", form, {"Content-Type": FORM}, expect))
        direct = query.encode("utf-8")
        cases.append(Case(f"sparql POST: {name}", "POST", "/sparql", direct, {"Content-Type": SPARQL_QUERY}, expect))
    return cases


RAW_SPARQL: list[Case] = [
    Case("invalid UTF-8 in the query string", "GET", "/sparql?query=%FF%FE", expect=400),
    Case("lone surrogate in the query string", "GET", "/sparql?query=ASK%20%7B%22%ED%A0%80%22%7D", expect=400),
    Case("overlong UTF-8 in the query string", "GET", "/sparql?query=%C0%AF", expect=400),
    Case("NUL in the query string", "GET", "/sparql?query=%00", expect=400),
    Case("two queries", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", expect=400),
    Case("bad default graph", "GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri"),
    Case("odd format", "GET", "/sparql?query=ASK%7B%7D&format=%00%FF"),
    Case("invalid UTF-8 in a query body", "POST", "/sparql", b"ASK { \xff }", {"Content-Type": SPARQL_QUERY}, 400),
    Case(
        "lone surrogate in a query body",
        "POST",
        "/sparql",
        b'ASK { "\xed\xa0\x80" }',
        {"Content-Type": SPARQL_QUERY},
        400,
    ),
    Case("invalid UTF-8 in a form", "POST", "/sparql", b"query=%FF", {"Content-Type": FORM}, 400),
    Case("raw bytes in a form", "POST", "/sparql", b"query=\xff\xfe", {"Content-Type": FORM}, 400),
    Case("UTF-16 query body", "POST", "/sparql", "ASK {}".encode("utf-16"), {"Content-Type": SPARQL_QUERY}, 400),
    Case("a form of ampersands", "POST", "/sparql", b"&" * 10_000, {"Content-Type": FORM}, 400),
    Case("a form of 10,000 fields", "POST", "/sparql", b"&".join([b"a=1"] * 10_000), {"Content-Type": FORM}, 400),
    Case("no content type", "POST", "/sparql", b"ASK {}", {}, 415),
    Case("broken content type", "POST", "/sparql", b"ASK {}", {"Content-Type": "application/"}, 415),
    Case("odd Accept", "GET", "/sparql?query=ASK%7B%7D", headers={"Accept": "*/*;q=nan, \u00d0/x".encode()}),
]


# -- POST /validation ---------------------------------------------------------------------------------------------

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"'
LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))

#: name -> (media type, body, required status or None)
SUBMISSIONS: dict[str, tuple[str, bytes, int | None]] = {
    "turtle: unterminated triple": ("text/turtle", b"@prefix : <http://e/> . :a :b", 422),
    "turtle: unterminated string": ("text/turtle", b'<http://e/a> <http://e/b> "open', 422),
    "turtle: binary junk": ("text/turtle", bytes(range(256)), 415),
    "turtle: invalid UTF-8": ("text/turtle", b'<http://e/a> <http://e/b> "\xff" .', 415),
    "turtle: surrogate escape": ("text/turtle", b'<http://e/a> <http://e/b> "\\uD800" .', 422),
    "turtle: unknown prefix": ("text/turtle", b"nope:a nope:b nope:c .", 422),
    "turtle: empty": ("text/turtle", b"", 200),
    "turtle: 100,000 nested lists": (
        "text/turtle",
        b"<http://e/a> <http://e/b> " + b"(" * 10**5 + b")" * 10**5 + b".",
        None,
    ),
    "turtle: 50,000 nested blank nodes": (
        "text/turtle",
        b"<http://e/a> <http://e/b> " + b"[<http://e/p> " * 50_000 + b"1" + b"]" * 50_000 + b" .",
        None,
    ),
    "turtle: 900 KB literal": ("text/turtle", b'<http://e/a> <http://e/b> "' + b"x" * 900_000 + b'" .', 200),
    "turtle: odd Unicode IRIs": (
        "text/turtle",
        '<http://e/\u00d0\u200d> <http://e/\u200f> "\ufffd\u202e" .'.encode(),
        None,
    ),
    "n-triples: relative IRIs": ("application/n-triples", b"<a> <b> <c> .", 422),
    "n-triples: bad language tag": ("application/n-triples", b'<http://e/a> <http://e/b> "x"@-bad .', 422),
    "json-ld: truncated": ("application/ld+json", b"{", 422),
    "json-ld: unclosed array": ("application/ld+json", b"[1, 2", 422),
    "json-ld: number as @id": ("application/ld+json", b'{"@id": 5}', 422),
    "json-ld: number as @context": ("application/ld+json", b'{"@context": 5, "@id": "http://e/a"}', 422),
    "json-ld: 100,000 nested arrays": ("application/ld+json", b"[" * 100_000 + b"]" * 100_000, 400),
    "json-ld: 100,000 unclosed arrays": ("application/json", b"[" * 100_000, 400),
    "json-ld: 50,000 nested objects": ("application/ld+json", b'{"http://e/p": ' * 50_000 + b"1" + b"}" * 50_000, 400),
    "json-ld: 1 MB string": (
        "application/ld+json",
        b'{"@id": "http://e/a", "http://e/b": "' + b"y" * 10**6 + b'"}',
        200,
    ),
    "json-ld: lone surrogate escape": ("application/ld+json", b'{"@id": "http://e/a\\ud800", "http://e/b": "x"}', 422),
    "json-ld: remote context": ("application/ld+json", b'{"@context": "http://169.254.169.254/ctx", "@id": "x"}', 400),
    "rdf/xml: truncated": ("application/rdf+xml", b"<rdf:RDF", 422),
    "rdf/xml: billion laughs": (
        "application/rdf+xml",
        f'<!DOCTYPE rdf:RDF [<!ENTITY l0 "lol">{LAUGHS}]><rdf:RDF {RDF}><rdf:Description rdf:about="http://e/a">'
        f"<ex:p>&l9;</ex:p></rdf:Description></rdf:RDF>".encode(),
        400,
    ),
    "rdf/xml: external entity": (
        "application/rdf+xml",
        f'<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]><rdf:RDF {RDF}>'
        f'<rdf:Description rdf:about="http://e/a"><ex:p>&x;</ex:p></rdf:Description></rdf:RDF>'.encode(),
        400,
    ),
    "rdf/xml: 20,000 nested elements": (
        "application/rdf+xml",
        f"<rdf:RDF {RDF}>".encode()
        + b"<rdf:Description><ex:p>" * 20_000
        + b"</ex:p></rdf:Description>" * 20_000
        + b"</rdf:RDF>",
        400,
    ),
    "form body": (FORM, b"a=1", 415),
}


def _submission_cases() -> list[Case]:
    return [
        Case(f"validation: {name}", "POST", "/validation", body, {"Content-Type": media}, expect)
        for name, (media, body, expect) in SUBMISSIONS.items()
    ] + [Case("validation: no content type", "POST", "/validation", b"<http://e/a> <http://e/b> 1 .", {}, 415)]


# -- symbols and parameters ---------------------------------------------------------------------------------------

#: Text that is quoted into URLs, and text already percent-encoded (sent as is).
SYMBOLS: dict[str, str] = {
    "U+00D0 for Đ": "Nghị quyết số 15-NQ/T\u00d0",
    "Đ": "\u0110",
    "Ư": "15-NQ/T\u01af",
    "NFD": unicodedata.normalize("NFD", "Nghị quyết số 15-NQ/TW"),
    "zero-width joiner": "15\u200d-NQ/TW",
    "zero-width space": "15-NQ\u200b/TW",
    "right-to-left mark": "\u200f15-NQ/TW",
    "right-to-left override": "\u202e15-NQ/TW",
    "replacement character": "\ufffd",
    "mathematical digits": "\U0001d7cf\U0001d7d3-NQ/TW",
    "full-width": "\uff11\uff15-\uff2e\uff31/\uff34\uff37",
    "Arabic digits": "\u0661\u0665-NQ/TW",
    "1,000 combining marks": "15-NQ/TW" + "\u0301" * 1_000,
    "long symbol": "15-NQ/TW" * 2_000,
    "path climbing": "../../../../etc/passwd",
    "markup": '<script>alert("x")</script>',
    "SPARQL injection": '15-NQ/TW" } ; DROP ALL ; #',
    "empty": "",
}
ENCODED: dict[str, str] = {
    "lone surrogate": "%ED%A0%80",
    "invalid UTF-8": "%FF%FE",
    "overlong slash": "%C0%AF",
    "NUL": "%00",
    "encoded climbing": "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
}


def _symbol_cases() -> list[Case]:
    cases = []
    texts = {name: quote(text, safe="") for name, text in SYMBOLS.items()} | ENCODED
    for name, encoded in texts.items():
        cases += [
            Case(f"document key: {name}", "GET", f"/documents/{encoded}"),
            Case(f"documents symbol=: {name}", "GET", f"/documents?symbol={encoded}"),
            Case(f"documents filters: {name}", "GET", f"/documents?issuer={encoded}&type={encoded}&year={encoded}"),
            Case(f"lineage doc=: {name}", "GET", f"/lineage?doc={encoded}"),
            Case(f"lineage filters: {name}", "GET", f"/lineage?doc=15-NQ%2FTW&type={encoded}&relations={encoded}"),
            Case(f"resource: {name}", "GET", f"/id/{encoded}"),
            Case(f"named query parameter: {name}", "GET", f"/queries/list-implementing-documents?doc={encoded}"),
            Case(f"named query name: {name}", "GET", f"/queries/{encoded}"),
            Case(f"validation severity: {name}", "GET", f"/validation?severity={encoded}"),
            Case(f"format: {name}", "GET", f"/ontology?format={encoded}"),
        ]
    return cases


NUMBERS: list[Case] = [
    Case("lineage depth: huge", "GET", "/lineage?doc=15-NQ%2FTW&depth=" + "9" * 30),
    Case("lineage depth: negative", "GET", "/lineage?doc=15-NQ%2FTW&depth=-1"),
    Case("lineage depth: not a number", "GET", "/lineage?doc=15-NQ%2FTW&depth=NaN"),
    Case("documents limit: negative", "GET", "/documents?limit=-1"),
    Case("documents limit: huge", "GET", "/documents?limit=" + "9" * 30),
    Case("documents offset: huge", "GET", "/documents?offset=" + "9" * 30),
    Case("documents year: text", "GET", "/documents?year=abc"),
    Case("documents year: huge", "GET", "/documents?year=" + "9" * 30),
    Case("named query integer: huge", "GET", "/queries/list-term-work-programmes?" + "term=" + "9" * 30),
    Case("unknown parameter", "GET", "/documents?%FF=1"),
]


def all_cases() -> list[Case]:
    """Every case, in a stable order."""
    return _sparql_cases() + RAW_SPARQL + _submission_cases() + _symbol_cases() + NUMBERS
