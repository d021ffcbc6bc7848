"""makeApiClient's `responseHandlers`: per-response rules that override the apiClient's defaults.

Each handler is evaluated with the job's variables plus `response` (`status`, `headers`, `data`);
the first whose `match` is truthy decides: `error: {message, key}` (or `isSuccess: false`) rejects
the call, otherwise it succeeds, with `data` replacing the response body when given. A `key` that
names one of our codes (ACCESS_TOKEN_EXPIRED, RATE_LIMIT_EXCEEDED, ...) gives the job that code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from executor.errors import ERRORS_BY_CODE, InvalidOutput
from executor.formulas import Formula, compile_mapping
from executor.formulas.compiler import DEFAULT_VARIABLES
from executor.formulas.jsvalues import truthy

HANDLER_VARIABLES = DEFAULT_VARIABLES | {"response"}


def compile_response_handlers(value: Any, source: str) -> Formula:
    """Compile the handler list once (at load for mappings, per job for JS output)."""
    if not isinstance(value, list):
        raise InvalidOutput(f"{source}: responseHandlers must be a list")
    return compile_mapping(value, source=f"{source} responseHandlers", variables=HANDLER_VARIABLES)


def decide(handlers: Formula, variables: Mapping[str, Any], response: Any) -> dict[str, Any]:
    """What the apiClient does with `response`: {'action': 'default'|'success'|'error', ...}."""
    evaluated = handlers.evaluate({**variables, "response": response})
    for handler in evaluated if isinstance(evaluated, list) else []:
        if not isinstance(handler, dict) or not truthy(handler.get("match")):
            continue
        error = handler.get("error")
        if error or handler.get("isSuccess") is False:
            return _error_decision(error if isinstance(error, dict) else {})
        decision: dict[str, Any] = {"action": "success"}
        if "data" in handler:
            decision["data"] = handler["data"]
        return decision
    return {"action": "default"}


def _error_decision(error: dict[str, Any]) -> dict[str, Any]:
    decision: dict[str, Any] = {"action": "error"}
    if error.get("message") is not None:
        decision["message"] = str(error["message"])
    key = error.get("key")
    if key is not None:
        decision["key"] = str(key)
        code = str(key).upper()
        if code in ERRORS_BY_CODE:
            decision["code"] = code
    return decision
