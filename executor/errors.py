"""The executor's view of the one error tree, and the bounds on a job result's error text.

The tree itself (the classes, their stable codes, `error_from_code`) lives in the lowest layer,
js_runtime.errors, because the engines raise it too; it is drawn there and re-exported here, so the
executor's modules import every error from this module. May import executor.limits and js_runtime.errors.
"""

from __future__ import annotations

from typing import Any

from executor.limits import LIMITS
from js_runtime.errors import (
    ERRORS_BY_CODE,
    AccessTokenExpired,
    ConnectionDefunct,
    ConnectionTestFailed,
    ConnectorInvalid,
    EngineCrashed,
    ExecutorError,
    InvalidInput,
    InvalidJob,
    InvalidOutput,
    JobTimeout,
    MemoryLimitExceeded,
    MethodNotImplemented,
    NetworkBlocked,
    NetworkError,
    RateLimitExceeded,
    ScriptError,
    StateMismatch,
    UnrecordedRequest,
    error_from_code,
)

# A job result's error text is bounded after it is redacted (see executor.jobs.dispatch): a provider's
# error_description or a script's message can be of any length.
MAX_ERROR_MESSAGE = LIMITS.error_message_chars
MAX_ERROR_DETAIL = LIMITS.error_detail_chars


def clip_text(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with an ellipsis if longer."""
    return text if len(text) <= limit else text[:limit] + "…"


def clip_strings(value: Any, limit: int) -> Any:
    """A JSON value with every string in it clipped to `limit` characters."""
    if isinstance(value, str):
        return clip_text(value, limit)
    if isinstance(value, list):
        return [clip_strings(v, limit) for v in value]
    if isinstance(value, dict):
        return {k: clip_strings(v, limit) for k, v in value.items()}
    return value


__all__ = [
    "AccessTokenExpired",
    "ConnectionDefunct",
    "ConnectionTestFailed",
    "ConnectorInvalid",
    "ERRORS_BY_CODE",
    "EngineCrashed",
    "ExecutorError",
    "InvalidInput",
    "InvalidJob",
    "InvalidOutput",
    "JobTimeout",
    "MAX_ERROR_DETAIL",
    "MAX_ERROR_MESSAGE",
    "MemoryLimitExceeded",
    "MethodNotImplemented",
    "NetworkBlocked",
    "NetworkError",
    "RateLimitExceeded",
    "ScriptError",
    "StateMismatch",
    "UnrecordedRequest",
    "clip_strings",
    "clip_text",
    "error_from_code",
]
