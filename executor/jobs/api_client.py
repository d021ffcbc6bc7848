"""The apiClient a connector's `test` is given: its shim unit (shims/api_client.js) and the context
object that asks the engine to make it from the makeApiClient configuration.

js_runtime knows no apiClient: this module hands it over through js_runtime's generic hook for context
objects (js_runtime.session.ContextObject). May import js_runtime only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from js_runtime.prelude import Unit
from js_runtime.session import ContextObject

# Registers `host.makers.apiClient`; selected when a module mentions either name (it is built on axios).
API_CLIENT_UNIT = Unit("apiClient", ("api_client.js",), frozenset({"apiClient", "externalApiClient"}),
                       needs=("axios",), package="executor.jobs")


def api_client_object(config: Mapping[str, Any], options: Mapping[str, Any] | None = None) -> ContextObject:
    """The apiClient (also `externalApiClient`) made from a makeApiClient `config`; `options` are the
    shim's: responseHandlers / signRequests (answered by the services of those names), retryBudgetMs."""
    return ContextObject(API_CLIENT_UNIT, "apiClient", ("apiClient", "externalApiClient"),
                         config=dict(config), options=dict(options or {}))
