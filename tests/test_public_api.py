from __future__ import annotations

import inspect

import graph_api


def test_all_is_sorted_and_unique() -> None:
    assert graph_api.__all__ == sorted(graph_api.__all__)
    assert len(set(graph_api.__all__)) == len(graph_api.__all__)


def test_every_public_name_exists() -> None:
    for name in graph_api.__all__:
        assert hasattr(graph_api, name), name


def test_public_surface_is_exactly_the_chosen_one() -> None:
    exported = {name for name in dir(graph_api) if not name.startswith("_")} - {
        module for module, value in vars(graph_api).items() if inspect.ismodule(value)
    }
    assert exported == set(graph_api.__all__) - {"__version__"}


def test_errors_share_one_base() -> None:
    errors = [getattr(graph_api, name) for name in graph_api.__all__ if name[0].isupper()]
    exceptions = [e for e in errors if isinstance(e, type) and issubclass(e, Exception)]
    assert exceptions
    assert all(issubclass(e, graph_api.GraphApiError) for e in exceptions)


def test_version() -> None:
    assert graph_api.__version__ == "0.1.0"
