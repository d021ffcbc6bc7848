"""The one error tree: each class carries a stable code (docs/contract.md §2); messages never contain secrets.

It lives in the lowest layer because both layers raise it: the engines and the bridge (timeouts,
memory, the script's own errors, the codes a script's error may carry across the bridge) and the
executor above them. executor.errors re-exports it with the executor's helpers for error text.
Imports nothing of the project.

    ExecutorError                      (code: the class's CODE)
    ├── ScriptError                    SCRIPT_ERROR           the script threw or rejected
    ├── JobTimeout                     TIMEOUT                wall clock or never-settling promise
    ├── MemoryLimitExceeded            MEMORY_LIMIT
    ├── InvalidOutput                  INVALID_OUTPUT         not JSON, too large, fails a schema
    ├── InvalidInput                   INVALID_INPUT
    ├── ConnectorInvalid               CONNECTOR_INVALID
    ├── MethodNotImplemented           METHOD_NOT_IMPLEMENTED
    ├── NetworkBlocked                 NETWORK_BLOCKED        policy or per-job network caps
    ├── NetworkError                   NETWORK_ERROR          DNS, connect, TLS, reset, body too large
    ├── AccessTokenExpired             ACCESS_TOKEN_EXPIRED
    ├── RateLimitExceeded              RATE_LIMIT_EXCEEDED
    ├── StateMismatch                  STATE_MISMATCH
    ├── ConnectionTestFailed           CONNECTION_TEST_FAILED
    ├── ConnectionDefunct              CONNECTION_DEFUNCT
    ├── UnrecordedRequest              UNRECORDED_REQUEST
    ├── EngineCrashed                  ENGINE_CRASHED         the process running the job died
    └── InvalidJob                     INVALID_JOB            (HTTP endpoint only)

`fatal` errors end the job even when the script catches the rejection it caused: a script must not
be able to swallow a policy refusal and go on probing.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ExecutorError(Exception):
    """Base error: `code` is the contract's stable code, `message` is safe to show the caller."""

    CODE: ClassVar[str] = "INTERNAL_ERROR"
    fatal: ClassVar[bool] = False

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    @property
    def code(self) -> str:
        return self.CODE

    def to_dict(self) -> dict[str, Any]:
        """The `error` member of a job result."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out


class ScriptError(ExecutorError):
    CODE = "SCRIPT_ERROR"


class JobTimeout(ExecutorError):
    CODE = "TIMEOUT"
    fatal = True


class MemoryLimitExceeded(ExecutorError):
    CODE = "MEMORY_LIMIT"
    fatal = True


class InvalidOutput(ExecutorError):
    CODE = "INVALID_OUTPUT"


class InvalidInput(ExecutorError):
    CODE = "INVALID_INPUT"


class ConnectorInvalid(ExecutorError):
    CODE = "CONNECTOR_INVALID"


class MethodNotImplemented(ExecutorError):
    CODE = "METHOD_NOT_IMPLEMENTED"


class NetworkBlocked(ExecutorError):
    CODE = "NETWORK_BLOCKED"
    fatal = True


class NetworkError(ExecutorError):
    CODE = "NETWORK_ERROR"


class AccessTokenExpired(ExecutorError):
    CODE = "ACCESS_TOKEN_EXPIRED"


class RateLimitExceeded(ExecutorError):
    CODE = "RATE_LIMIT_EXCEEDED"


class StateMismatch(ExecutorError):
    CODE = "STATE_MISMATCH"


class ConnectionTestFailed(ExecutorError):
    CODE = "CONNECTION_TEST_FAILED"


class ConnectionDefunct(ExecutorError):
    CODE = "CONNECTION_DEFUNCT"


class UnrecordedRequest(ExecutorError):
    CODE = "UNRECORDED_REQUEST"
    fatal = True


class EngineCrashed(ExecutorError):
    CODE = "ENGINE_CRASHED"


class InvalidJob(ExecutorError):
    CODE = "INVALID_JOB"


ERRORS_BY_CODE: dict[str, type[ExecutorError]] = {
    cls.CODE: cls for cls in ExecutorError.__subclasses__()
}


def error_from_code(code: str, message: str) -> ExecutorError:
    """Rebuild an error from its code (used when an error crosses a process or the JS bridge)."""
    return ERRORS_BY_CODE.get(code, ExecutorError)(message)
