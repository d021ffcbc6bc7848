"""One job's I/O edge: every request the job makes passes here once, from the JS bridge and from
the Python OAuth flows alike.

The job layer wraps the job's transport (live, replay or rehearsal) in one `JobEdge`, which:

* enforces the per-job request cap (`NETWORK_BLOCKED`, fatal);
* keeps the request trace of the job result (`method`, `url`, `status`, and `error` for a request
  that failed in transit);
* keeps what the job may learn secrets from (credential headers and small bodies of the requests
  it sent and the responses it got), read by executor.secrets only when something is redacted;
* hands every exchange to a `Recorder`, when one is given, in request order.

Imports: executor.errors, executor.secrets, js_runtime.http.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from executor.errors import ExecutorError, NetworkBlocked, NetworkError
from executor.secrets import MAX_SCANNED_BODY, request_secrets, response_secrets
from js_runtime.http import HttpRequest, HttpResponse, Send


@dataclass(frozen=True)
class Exchange:
    """One request of a job and what came of it: a response or a transport error."""

    request: HttpRequest
    response: HttpResponse | None = None
    error: ExecutorError | None = None


class Recorder:
    """Keeps a job's exchanges in request order (concurrent requests complete in any order)."""

    def __init__(self) -> None:
        self._slots: list[Exchange | None] = []

    def started(self) -> int:
        """A slot for a request just sent."""
        self._slots.append(None)
        return len(self._slots) - 1

    def finished(self, slot: int, exchange: Exchange) -> None:
        self._slots[slot] = exchange

    @property
    def exchanges(self) -> list[Exchange]:
        """Completed exchanges (a request still in flight when the job ended is left out)."""
        return [e for e in self._slots if e is not None]


class JobEdge:
    """The `Send` a job's code and flows use: cap, trace, secret learning and recording around `inner`."""

    def __init__(self, inner: Send, *, max_requests: int, recorder: Recorder | None = None,
                 max_url_chars: int = 2048) -> None:
        self._inner = inner
        self._max_requests = max_requests
        self._max_url_chars = max_url_chars
        self._recorder = recorder
        self.requests: list[dict[str, Any]] = []
        self._unread: list[HttpRequest | HttpResponse] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Perform `request` through the inner transport, within the job's request cap."""
        if len(self.requests) >= self._max_requests:
            raise NetworkBlocked(f"the job made more than {self._max_requests} HTTP requests (the per-job limit)")
        entry: dict[str, Any] = {"method": request.method[:16], "url": _summary_url(request.url, self._max_url_chars),
                                 "status": None}
        self.requests.append(entry)
        slot = self._recorder.started() if self._recorder is not None else -1
        self._unread.append(_scannable(request))
        try:
            response = await self._inner(request)
        except ExecutorError as exc:
            if isinstance(exc, NetworkError):
                entry["error"] = exc.code
            if self._recorder is not None:
                self._recorder.finished(slot, Exchange(request, error=exc))
            raise
        entry["status"] = response.status
        self._unread.append(_scannable(response))
        if self._recorder is not None:
            self._recorder.finished(slot, Exchange(request, response=response))
        return response

    __call__ = send

    def learned_secrets(self) -> list[str]:
        """Secrets in what was sent and received since the last call (tokens, credential headers)."""
        found: list[str] = []
        for message in self._unread:
            found.extend(request_secrets(message) if isinstance(message, HttpRequest) else response_secrets(message))
        self._unread.clear()
        return found

    def saw_status(self, status: int, since: int = 0) -> bool:
        """Whether a response with `status` came back to request number `since` or a later one."""
        return any(r.get("status") == status for r in self.requests[since:])


def _scannable(message: HttpRequest | HttpResponse) -> HttpRequest | HttpResponse:
    """`message` as kept for learning: a body too large to be read for secrets is not kept."""
    body = message.body
    return message if body is None or len(body) <= MAX_SCANNED_BODY else replace(message, body=b"")


def _summary_url(url: str, limit: int) -> str:
    """`url` for the result's request trace, cut at `limit` characters (a result must stay bounded)."""
    if len(url) <= limit:
        return url
    return f"{url[:limit]}...[{len(url) - limit} more characters]"
