"""HTTP routers, one module per area; :mod:`graph_api.app` assembles them.

Each router is thin: read the request, call a plain library function (off the event loop when it blocks), serialise.
Shared dependencies (settings, store, query pool) are in :mod:`graph_api.http.deps`.
"""
