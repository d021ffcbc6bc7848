"""The bridge protocol: every message between the shims and the Python session, typed, in one place.

Nothing inside the engine calls into Python. The session (js_runtime.session) evaluates the entry
points of `__ce` (shims/bridge_end.js), each answering JSON or nothing, and between steps performs what
the script queued. The shims that speak it say so in their comments ("bridge protocol").

Python -> JavaScript (scripts built here):
    __ce.configure(Options)            once, before anything of the method: the log budget, the output
                                       and queued-request byte caps, the entropy that keys crypto.js's CSPRNG
    __ce.start(factory, export, context, [MakeObject])
                                       run the method's module factory, call the export with the context;
                                       each MakeObject is made by `host.makers[maker](config, options)`
    __ce.deliver(Delivery)             answers to queued asks (HttpAnswer, NetworkFailure, ServiceAnswer)
                                       and whether due timers fire (timers.js)
    __ce.resettle()                    attach to the method's promise again (QuickJS out of memory can
                                       drop a reaction); answers nothing
    __ce.where()                       where the method's error happened, read by js_runtime.stacks
    __ce.poll()                        -> Snapshot: what happened since the last poll

JavaScript -> Python (Snapshot, parsed here):
    settled      None while the method runs; then Returned, NotJson (bridge.js toJsonValue refused the
                 output), NoExport, or Failed(ScriptFailure | None)
    requests     HttpAsk (net.js host.request, from fetch.js and axios.js), ServiceAsk (net.js host.call:
                 'crypto' is js_runtime.crypto_service, any other name a service of the caller's
                 MethodCall), or MalformedAsk (a queued request no shim would send)
    logs         LogLine (console.js host.log), within the budget; logsTruncated once it is spent
    nextTimer    milliseconds until the next timer is due (timers.js), or None
    requestsTooLarge  the script queued more than maxQueuedRequestBytes in one step (net.js): the job
                 ends NETWORK_BLOCKED before anything is copied out

Errors crossing the bridge: an error object may carry `__ceError` {code, message, details} (a contract
code, js_runtime.errors; set by a shim such as the executor's apiClient) or `__ceNetwork` {code: errno}
(set from a NetworkFailure by fetch.js and axios.js); bridge.js describeError reports them as
`executorError` and `network`.

A script can reach `__ce` and the shims' arrays (a replaced built-in, a polluted prototype), so what
comes back is checked here, never trusted: another shape ends the job as the script's error.
Imports only js_runtime.errors and js_runtime.http.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from js_runtime.errors import ERRORS_BY_CODE, InvalidInput, ScriptError
from js_runtime.http import HttpRequest, HttpResponse

# An ask's id, echoed back as the script gave it (the shims number them; a forged one is only echoed).
AskId = Any

POLL = "__ce.poll()"
RESETTLE = "__ce.resettle()"
WHERE = "__ce.where()"
DEFAULT_MAX_REDIRECTS = 10  # a queued request without maxRedirects (the shims always send one)


# ---- Python -> JavaScript ----

@dataclass(frozen=True)
class Options:
    """`__ce.configure`'s argument: the log budget and, for jobs that load crypto.js, its entropy (hex)."""

    max_log_bytes: int
    max_log_entries: int
    max_output_bytes: int  # the output's JSON is measured against it inside the engine (bridge.js)
    max_queued_request_bytes: int  # what one step may queue to send (net.js); past it: requestsTooLarge
    entropy: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"maxLogBytes": self.max_log_bytes, "maxLogEntries": self.max_log_entries,
                               "maxOutputBytes": self.max_output_bytes,
                               "maxQueuedRequestBytes": self.max_queued_request_bytes}
        if self.entropy is not None:
            out["entropy"] = self.entropy
        return out


@dataclass(frozen=True)
class MakeObject:
    """One context object `__ce.start` makes: `host.makers[maker](config, options)`, put under each key."""

    maker: str
    keys: tuple[str, ...]
    config: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"maker": self.maker, "keys": list(self.keys), "config": self.config, "options": dict(self.options)}


def start_script(options: Options, factory: str, export_name: str, context: Any,
                 objects: Sequence[MakeObject] = ()) -> str:
    """`__ce.configure` then `__ce.start`, as one script (V8 pays one evaluation round trip for both).

    `factory` is the module's JavaScript factory function (js_runtime.modules); a context or an
    object that is not JSON is the caller's INVALID_INPUT."""
    try:
        context_json = json.dumps(context, allow_nan=False)  # NaN/Infinity: not JSON to JavaScript
        objects_json = json.dumps([o.to_json() for o in objects], allow_nan=False)
    except (RecursionError, ValueError, TypeError):
        raise InvalidInput("the method's context is not JSON (a non-finite number?) or is nested too deeply") from None
    arguments = ", ".join([factory, js_string(export_name), js_string(context_json), js_string(objects_json)])
    return f"__ce.configure({js_string(json.dumps(options.to_json()))});__ce.start({arguments});\n"


@dataclass(frozen=True)
class HttpAnswer:
    """The response to an HttpAsk; the body goes as text when it is UTF-8, else as base64."""

    id: AskId
    response: HttpResponse

    def to_json(self) -> dict[str, Any]:
        r = self.response
        try:
            body: dict[str, str] = {"text": r.body.decode("utf-8")}
        except UnicodeDecodeError:
            body = {"base64": base64.b64encode(r.body).decode("ascii")}
        return {"id": self.id, "response": {"status": r.status, "statusText": r.reason,
                                            "headers": [list(h) for h in r.headers], "url": r.url,
                                            "redirected": r.redirected, "body": body}}


@dataclass(frozen=True)
class NetworkFailure:
    """An HttpAsk that failed below HTTP: the script sees Node's error for `errno` (fetch.js networkCause)."""

    id: AskId
    errno: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "error": {"__ceNetwork": {"code": self.errno}, "message": self.message}}


@dataclass(frozen=True)
class ServiceAnswer:
    """A service's JSON answer to a ServiceAsk."""

    id: AskId
    answer: Any

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "response": self.answer}


Answer = HttpAnswer | NetworkFailure | ServiceAnswer


@dataclass(frozen=True)
class Delivery:
    """`__ce.deliver`'s argument: answers, then (when `fire_timers`) the due timers fire."""

    answers: tuple[Answer, ...]
    fire_timers: bool

    def script(self) -> str:
        """The `__ce.deliver` call; an answer that is not JSON is the script's error (it asked for it)."""
        delivery = {"responses": [a.to_json() for a in self.answers], "fireTimers": self.fire_timers}
        return f"__ce.deliver({js_string(dumps(delivery, 'an executor service answer'))})"


# ---- JavaScript -> Python ----

@dataclass(frozen=True)
class HttpAsk:
    """A request queued by net.js `host.request`."""

    id: AskId
    request: HttpRequest


@dataclass(frozen=True)
class ServiceAsk:
    """A question for a named service, queued by net.js `host.call(service, payload)`."""

    id: AskId
    service: str
    payload: Any


@dataclass(frozen=True)
class MalformedAsk:
    """A queued request no shim would send (forged by the script): the job ends as its error."""

    id: AskId


Ask = HttpAsk | ServiceAsk | MalformedAsk


@dataclass(frozen=True)
class LogLine:
    level: str
    message: str


@dataclass(frozen=True)
class CarriedError:
    """An error object's `__ceError`: one of the contract's codes, a message and details."""

    code: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScriptFailure:
    """How the method failed, as bridge.js describeError reports it.

    `carried`: a valid `__ceError`; `network_errno`: the errno of a `__ceNetwork`; `from_executor`: the
    error carried either mark (even malformed), so it was not thrown by the script's own line;
    `nullish`: the method rejected with null or undefined."""

    name: str
    message: str
    carried: CarriedError | None = None
    network_errno: str | None = None
    from_executor: bool = False
    nullish: bool = False


@dataclass(frozen=True)
class Returned:
    value: Any


@dataclass(frozen=True)
class NotJson:
    reason: str


@dataclass(frozen=True)
class NoExport:
    pass


@dataclass(frozen=True)
class Failed:
    error: ScriptFailure | None  # None: the report was not an error description


Settlement = Returned | NotJson | NoExport | Failed


@dataclass(frozen=True)
class Snapshot:
    """What `__ce.poll()` answered."""

    settled: Settlement | None
    asks: tuple[Ask, ...]
    logs: tuple[LogLine, ...]
    logs_truncated: bool
    next_timer_ms: float | None
    requests_too_large: bool = False  # the script queued more than max_queued_request_bytes in one step


BRIDGE_BROKEN = "the script broke the executor's bridge (a replaced built-in?)"


def parse_snapshot(text: str | None) -> Snapshot:
    """`__ce.poll()`'s answer; ScriptError when it is not the shape poll() gives (forged by the script,
    e.g. a polluted Object.prototype.toJSON or Array.prototype.push)."""
    try:
        raw: Any = json.loads(text or "")
    except (json.JSONDecodeError, RecursionError):
        raw = None
    if not _well_formed(raw):
        raise ScriptError(BRIDGE_BROKEN)
    return Snapshot(
        settled=None if raw["settled"] is None else _settlement(raw["settled"]),
        asks=tuple(_ask(item) for item in raw["requests"]),
        logs=tuple(LogLine(e["level"], e["message"]) for e in raw["logs"]),
        logs_truncated=raw["logsTruncated"],
        next_timer_ms=raw["nextTimer"],
        requests_too_large=raw["requestsTooLarge"],
    )


def _well_formed(snapshot: Any) -> bool:
    if not isinstance(snapshot, dict):
        return False
    settled, requests, logs = snapshot.get("settled"), snapshot.get("requests"), snapshot.get("logs")
    next_timer = snapshot.get("nextTimer")
    return (
        (settled is None or isinstance(settled, dict))
        and isinstance(requests, list)
        and all(isinstance(r, dict) and "id" in r for r in requests)
        and isinstance(logs, list)
        and all(isinstance(e, dict) and isinstance(e.get("level"), str) and isinstance(e.get("message"), str)
                for e in logs)
        and isinstance(snapshot.get("logsTruncated"), bool)
        and isinstance(snapshot.get("requestsTooLarge"), bool)
        and (next_timer is None or (isinstance(next_timer, int | float) and not isinstance(next_timer, bool)))
    )


def _settlement(settled: dict[str, Any]) -> Settlement:
    if settled.get("ok") is True:
        return Returned(settled.get("value"))
    if "invalidOutput" in settled:
        return NotJson(str(settled["invalidOutput"]))
    if settled.get("noExport"):
        return NoExport()
    error = settled.get("error")
    return Failed(_failure(error) if isinstance(error, dict) else None)


def _failure(error: dict[str, Any]) -> ScriptFailure:
    message = str(error.get("message", ""))
    carried = error.get("executorError")
    network = error.get("network")
    return ScriptFailure(
        name=str(error.get("name", "Error")),
        message=message,
        carried=_carried(carried, message),
        network_errno=str(network.get("code")) if isinstance(network, dict) else None,
        from_executor="executorError" in error or "network" in error,
        nullish=bool(error.get("nullish")),
    )


def _carried(carried: Any, message: str) -> CarriedError | None:
    # Only the contract's codes can be carried (a script may set __ceError itself).
    if not isinstance(carried, dict) or carried.get("code") not in ERRORS_BY_CODE:
        return None
    details = carried.get("details")
    return CarriedError(str(carried["code"]), str(carried.get("message", message)),
                        details if isinstance(details, dict) else {})


def _ask(item: dict[str, Any]) -> Ask:
    if "service" in item:
        return ServiceAsk(item["id"], str(item["service"]), item.get("payload"))
    try:
        return HttpAsk(item["id"], _request(item))
    except (KeyError, TypeError, ValueError, OverflowError, binascii.Error):
        return MalformedAsk(item["id"])


def _request(item: dict[str, Any]) -> HttpRequest:
    # The shims always queue strings; anything else was forged by the script (e.g. through a
    # polluted prototype) and is refused rather than coerced into something that could be sent.
    method, url, body = item.get("method") or "GET", item["url"], item.get("body")
    if not isinstance(method, str) or not isinstance(url, str):
        raise ValueError("method and url must be strings")
    raw: bytes | None = None
    if isinstance(body, dict) and isinstance(body.get("base64"), str):
        raw = base64.b64decode(body["base64"], validate=True)
    elif isinstance(body, dict) and isinstance(body.get("text"), str):
        raw = body["text"].encode()
    elif body is not None:
        raise ValueError("body must be {text} or {base64}")
    headers = []
    for pair in item.get("headers") or ():
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ValueError("headers must be [name, value] string pairs")
        headers.append((pair[0], pair[1]))
    max_redirects = item.get("maxRedirects")
    return HttpRequest(
        method=method,
        url=url,
        headers=tuple(headers),
        body=raw,
        follow_redirects=bool(item.get("followRedirects", True)),
        max_redirects=DEFAULT_MAX_REDIRECTS if max_redirects is None else int(max_redirects),
    )


def dumps(value: Any, what: str) -> str:
    """`value` as JSON; ScriptError naming `what` when it cannot be (nested too deeply, not finite)."""
    try:
        return json.dumps(value, allow_nan=False)
    except (RecursionError, ValueError, TypeError):
        raise ScriptError(f"{what} cannot be serialised as JSON (nested too deeply or not finite)") from None


def js_string(text: str) -> str:
    """A JS string literal for `text` (JSON string syntax is valid JS)."""
    return json.dumps(text)
