from __future__ import annotations

import inspect
import json
import re

import pytest

import graph_api.errors as errors_module
from graph_api.errors import (
    AmbiguousSymbol,
    DocumentNotFound,
    GraphApiError,
    LoadError,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    UnsupportedFormat,
)

ERRORS = [cls for _, cls in inspect.getmembers(errors_module, inspect.isclass) if issubclass(cls, GraphApiError)]


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_has_a_title_a_status_and_is_in_the_tree(cls: type[GraphApiError]) -> None:
    assert cls.title
    assert 300 <= cls.status < 600
    assert re.search(rf"\b{cls.__name__}\b", errors_module.__doc__ or ""), "drawn in the module docstring"


@pytest.mark.parametrize(
    ("error", "status", "line", "extra"),
    [
        (LoadError("data/x.ttl", "Unexpected end", line=3), 422, "data/x.ttl:3: Unexpected end", {"line": 3}),
        (
            QuerySyntaxError("expected }", line=1, column=9),
            400,
            "SPARQL syntax error at line 1, column 9: expected }",
            {"column": 9},
        ),
        (QueryTimeout(2.5), 503, "the query did not finish within 2.5 s", {"timeout": 2.5}),
        (
            DocumentNotFound("16-NQ/TW", ["15-NQ/TW"]),
            404,
            "no document matches '16-NQ/TW'; nearest: 15-NQ/TW",
            {"nearest": ["15-NQ/TW"]},
        ),
        (
            AmbiguousSymbol("06-CTr/TU", ["a", "b"]),
            300,
            "'06-CTr/TU' matches 2 documents: a, b",
            {"candidates": ["a", "b"]},
        ),
        (
            UnsupportedFormat("yaml", ["json"]),
            406,
            "unsupported format 'yaml'; use one of: json",
            {"requested": "yaml"},
        ),
    ],
)
def test_message_status_and_fields(error: GraphApiError, status: int, line: str, extra: dict[str, object]) -> None:
    assert error.status == status
    assert str(error) == line
    assert extra.items() <= error.extra().items()
    json.dumps(error.extra())


def test_query_errors_are_query_errors() -> None:
    assert issubclass(QuerySyntaxError, QueryError)
    assert issubclass(QueryTimeout, QueryError)
