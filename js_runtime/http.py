"""The HTTP messages a script's fetch/axios call becomes, and the `Send` interface that performs them.

The engine bridge produces `HttpRequest`s; whoever runs the job passes a `Send` coroutine (the live,
replay or recording transport) that turns each into an `HttpResponse` or raises an ExecutorError.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from js_runtime.limits import DEFAULT_LIMITS


@dataclass(frozen=True)
class HttpRequest:
    """One outgoing request. Header names keep the script's spelling; order is preserved."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    follow_redirects: bool = True
    max_redirects: int = DEFAULT_LIMITS.max_redirects

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


@dataclass(frozen=True)
class HttpResponse:
    """A complete response; `url` is the final URL after redirects."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    url: str
    redirected: bool = False
    history: tuple[str, ...] = field(default=())

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


Send = Callable[[HttpRequest], Awaitable[HttpResponse]]
