"""Reading SPARQL protocol requests (graph_api.protocol), without HTTP."""

from __future__ import annotations

import pytest

from graph_api.errors import BadRequest, GraphApiError, UnsupportedMediaType, UpdateNotAllowed
from graph_api.protocol import ProtocolRequest, is_update, operation_keyword, parse_request

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def test_get() -> None:
    asked = parse_request("GET", "query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fa&default-graph-uri=urn%3Ab", None)
    assert asked == ProtocolRequest("ASK {}", ("http://a", "urn:b"), ())
    assert asked.has_dataset


def test_get_without_query_is_the_service_description() -> None:
    assert parse_request("GET", b"", None) == ProtocolRequest(None)
    assert parse_request("GET", "format=jsonld", None) == ProtocolRequest(None, format="jsonld")


def test_form_is_decoded_exactly_once() -> None:
    # %2520 is a literal "%20" in the query text; decoding twice would turn it into a space.
    asked = parse_request("POST", "named-graph-uri=urn%3Ag", FORM, b"query=SELECT+%22a%2520b%22+%7B%7D")
    assert asked.query == 'SELECT "a%20b" {}'
    assert asked.named_graphs == ("urn:g",)
    assert asked.default_graphs == ()


def test_form_with_utf8() -> None:
    body = 'query=ASK { ?s ?p "Hà Nội" }'.encode()
    assert parse_request("POST", "", f"{FORM}; charset=UTF-8", body).query == 'ASK { ?s ?p "Hà Nội" }'
    assert parse_request("POST", "", FORM, b"query=%22H%C3%A0%22").query == '"Hà"'


def test_direct_post() -> None:
    asked = parse_request("POST", "default-graph-uri=urn%3Ag", f"{DIRECT}; charset=utf-8", 'ASK { "Hà" }'.encode())
    assert asked == ProtocolRequest('ASK { "Hà" }', ("urn:g",), ())


@pytest.mark.parametrize(
    ("method", "query_string", "content_type", "body", "error", "status"),
    [
        ("GET", "query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", None, b"", BadRequest, 400),
        ("GET", "default-graph-uri=urn%3Ag", None, b"", BadRequest, 400),
        ("GET", "query=", None, b"", BadRequest, 400),
        ("GET", "query=ASK%7B%7D&timeout=5", None, b"", BadRequest, 400),
        ("GET", "query=%FF", None, b"", BadRequest, 400),
        ("GET", b"query=\xff", None, b"", BadRequest, 400),
        ("POST", "", None, b"query=ASK%20%7B%7D", UnsupportedMediaType, 415),
        ("POST", "", "text/plain", b"ASK {}", UnsupportedMediaType, 415),
        ("POST", "", "application/json", b"{}", UnsupportedMediaType, 415),
        ("POST", "", "not a media type", b"ASK {}", UnsupportedMediaType, 415),
        ("POST", "", f"{DIRECT}; charset=UTF-16", "ASK {}".encode("utf-16"), UnsupportedMediaType, 415),
        ("POST", "", DIRECT, "ASK {}".encode("utf-16"), BadRequest, 400),
        ("POST", "", DIRECT, b"ASK { \xe0 }", BadRequest, 400),
        ("POST", "", f"{FORM}; charset=latin-1", b"query=ASK", UnsupportedMediaType, 415),
        ("POST", "", FORM, b"query=%E0%E1", BadRequest, 400),
        ("POST", "query=ASK%7B%7D", DIRECT, b"ASK {}", BadRequest, 400),
        ("POST", "", FORM, b"query=ASK%7B%7D&query=ASK%7B%7D", BadRequest, 400),
        ("POST", "", FORM, b"", BadRequest, 400),
        ("POST", "", FORM, b"quer=ASK", BadRequest, 400),
        ("GET", "update=CLEAR%20ALL", None, b"", UpdateNotAllowed, 403),
        ("POST", "", FORM, b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", UpdateNotAllowed, 403),
        ("POST", "", "application/sparql-update", b"CLEAR NAMED", UpdateNotAllowed, 403),
        ("POST", "using-named-graph-uri=urn%3Ag", "application/sparql-update", b"CLEAR ALL", UpdateNotAllowed, 403),
        ("POST", "", FORM, b"query=INSERT+DATA+%7B%3Ca%3E+%3Cb%3E+%3Cc%3E%7D", UpdateNotAllowed, 403),
    ],
)
def test_malformed_requests(
    method: str,
    query_string: str | bytes,
    content_type: str | None,
    body: bytes,
    error: type[GraphApiError],
    status: int,
) -> None:
    with pytest.raises(error) as caught:
        parse_request(method, query_string, content_type, body)
    assert caught.value.status == status


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("SELECT * {}", "SELECT"),
        ("# a comment\nPREFIX insert: <http://x/>\nBASE <http://b/>\n ask { insert:a ?p ?o }", "ASK"),
        ("PREFIX : <http://x/> CONSTRUCT WHERE { :a ?p ?o }", "CONSTRUCT"),
        ('PREFIX dh: <http://x#> DELETE WHERE { ?s dh:p "SELECT" }', "DELETE"),
        ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        ("   ", None),
    ],
)
def test_operation_keyword(text: str, keyword: str | None) -> None:
    assert operation_keyword(text) == keyword


def test_is_update() -> None:
    assert is_update("CLEAR ALL")
    assert is_update("PREFIX a: <x:> INSERT DATA { a:a a:b a:c }")
    assert not is_update("DESCRIBE <x:insert>")
    assert not is_update('SELECT ("DROP" AS ?x) {}')
