"""A query run on a thread with a deadline (:func:`graph_api.sparql.call_with_timeout`) leaves no pyoxigraph object
to be freed on the caller's thread: pyoxigraph refuses to drop its result iterators on another thread than the one
that made them (an unraisable error, reported by pytest, at whatever moment the garbage collector runs)."""

from __future__ import annotations

import gc

import pytest
from conftest import new_store

from graph_api.errors import ResultTooLarge
from graph_api.sparql import run_query


def test_a_result_cut_on_a_thread_is_freed_there() -> None:
    store = new_store()
    store.load_text("<http://example.org/a> <http://example.org/p> 1, 2, 3 .", name="three.ttl", kind="extra")
    with pytest.raises(ResultTooLarge):
        run_query(store, "SELECT ?o { ?s ?p ?o }", timeout=5, max_rows=1)
    gc.collect()  # before the fix: "PyQuerySolutions is unsendable, but is being dropped on another thread"
