"""The bridge loop: drives one method call in one fresh engine until its promise settles.

Each step is one engine call: deliver what Python has (responses, due timers), run the promise
callbacks, then poll the queued requests, timers and logs. Between steps, on the event loop,
the session performs the queued requests through the job's `Send` and sleeps until the next timer.
The job's wall-clock budget covers all of it: evaluation, pending promises, timers and requests.
The per-job request cap and the request trace belong to the `Send` the caller passes (the job's
I/O edge, executor.transport.edge); the session only counts the script's asks of services.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from js_runtime.crypto_service import serve_crypto
from js_runtime.engine import Engine, EngineKind, open_engine
from js_runtime.errors import (
    ERRORS_BY_CODE,
    ConnectorInvalid,
    ExecutorError,
    InvalidInput,
    InvalidOutput,
    JobTimeout,
    MemoryLimitExceeded,
    NetworkError,
    ScriptError,
    error_from_code,
)
from js_runtime.http import HttpRequest, HttpResponse, Send
from js_runtime.lanes import LanePool
from js_runtime.limits import Limits
from js_runtime.modules import ModuleCode
from js_runtime.prelude import Unit, prelude_for, units_for
from js_runtime.stacks import Location, locate

Service = Callable[[Any], Any]


@dataclass(frozen=True)
class ContextObject:
    """An object made inside the engine and put into the method's context under each of `keys`: the
    generic hook by which a layer above hands a script objects of its own (the executor's apiClient).

    `unit` is the shim unit (js_runtime.prelude.Unit, in the caller's own package) that registers
    `host.makers[maker]`; the maker is called with `config` (the object's own JSON configuration)
    and `options` (how the caller wants it to behave). The maker's name and the keys count as names
    the module mentions, so `unit` (with what it needs) is in the prelude.
    """

    unit: Unit
    maker: str
    keys: tuple[str, ...]
    config: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"maker": self.maker, "keys": list(self.keys), "config": self.config, "options": dict(self.options)}


@dataclass(frozen=True)
class MethodCall:
    """What to run: a loaded module, the export to call and its JSON context.

    `services` answer the script's `host.call(name, payload)` (for example a context object asking
    the caller to judge a response); an exception they raise is the job's error.
    `objects` are made in the engine and added to the context (see ContextObject).
    """

    module: ModuleCode
    export_name: str
    context: dict[str, Any]
    services: Mapping[str, Service] = field(default_factory=dict)
    objects: tuple[ContextObject, ...] = ()


@dataclass
class Trace:
    """What a script logged, kept even when it fails (its requests are traced by the job's Send)."""

    logs: list[dict[str, str]] = field(default_factory=list)
    logs_truncated: bool = False
    log_bytes: int = 0


_DEFAULT_LANES = LanePool()


async def run_method(
    call: MethodCall,
    *,
    engine: EngineKind,
    send: Send,
    limits: Limits,
    trace: Trace,
    lanes: LanePool | None = None,
) -> Any:
    """Run `call` to completion and return its JSON output, or raise an ExecutorError."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.timeout
    js = await open_engine(engine, limits, lanes or _DEFAULT_LANES)
    try:
        snapshot = await _poll(js, _start_scripts(call, limits), deadline - loop.time(),
                               prelude=prelude_for(_reachable_names(call), _extra_units(call)))
        return await _drive(js, snapshot, call, send, limits, trace, deadline)
    finally:
        await js.close()


async def _drive(js: Engine, snapshot: dict[str, Any], call: MethodCall, send: Send, limits: Limits,
                 trace: Trace, deadline: float) -> Any:
    loop = asyncio.get_running_loop()
    in_flight: set[asyncio.Task[HttpResponse]] = set()
    served = 0
    resettled = False
    try:
        while True:
            _collect_logs(snapshot, trace, limits)
            if snapshot["settled"] is not None:
                return _outcome(snapshot["settled"], limits, await _where(js, snapshot["settled"], deadline))
            answers = []
            for item in snapshot["requests"]:
                if "service" in item:
                    # Services are asked about requests (to sign one, to judge its response): at most twice
                    # per request the job may make. More asks were forged by the script, and a flood of
                    # them would keep the event loop busy.
                    served += 1
                    if served > 2 * limits.max_requests:
                        raise ScriptError("the script asked the executor's services too often")
                    answers.append({"id": item["id"], "response": _serve(call.services, item)})
                    continue
                task = asyncio.ensure_future(send(_parse_request(item)))
                in_flight.add(task)
                task.id = item["id"]  # type: ignore[attr-defined]
            if answers:
                delivery = {"responses": answers, "fireTimers": False}
            elif not in_flight and snapshot["nextTimer"] is None and not resettled:
                resettled = True  # nothing could settle it: unless a reaction was lost (see resettle)
                snapshot = await _poll(js, ["__ce.resettle()"], deadline - loop.time())
                continue
            else:
                delivery = await _wait(in_flight, snapshot["nextTimer"], deadline - loop.time())
            deliver = f"__ce.deliver({_js_string(_dumps(delivery, 'an executor service answer'))})"
            snapshot = await _poll(js, [deliver], deadline - loop.time())
    finally:
        for task in in_flight:
            task.cancel()


async def _wait(in_flight: set[asyncio.Task[HttpResponse]], next_timer_ms: float | None,
                remaining: float) -> dict[str, Any]:
    if remaining <= 0:
        raise JobTimeout("the job exceeded its time limit")
    if not in_flight and next_timer_ms is None:
        raise JobTimeout("the method's promise can never settle: it waits on no request or timer")
    wait_for = remaining if next_timer_ms is None else min(remaining, next_timer_ms / 1000)
    done: set[asyncio.Task[HttpResponse]] = set()
    if in_flight:
        done, _ = await asyncio.wait(in_flight, timeout=wait_for, return_when=asyncio.FIRST_COMPLETED)
    else:
        await asyncio.sleep(wait_for)
    if not done and wait_for >= remaining:
        raise JobTimeout("the job exceeded its time limit")
    in_flight -= done
    responses = [_deliverable(task) for task in done]
    return {"responses": responses, "fireTimers": True}


def _deliverable(task: asyncio.Task[HttpResponse]) -> dict[str, Any]:
    request_id = task.id  # type: ignore[attr-defined]
    exc = task.exception()
    if exc is None:
        return {"id": request_id, "response": _response_to_js(task.result())}
    if isinstance(exc, NetworkError) and not exc.fatal:
        errno = str(exc.details.get("errno", "ECONNREFUSED"))
        return {"id": request_id, "error": {"__ceNetwork": {"code": errno}, "message": exc.message}}
    raise exc  # policy refusals, unrecorded requests, limits: the job ends here


# Services every job has, whatever the executor adds: crypto.subtle's key operations.
_BUILTIN_SERVICES: Mapping[str, Service] = {"crypto": serve_crypto}


def _serve(services: Mapping[str, Service], item: dict[str, Any]) -> Any:
    service = services.get(str(item["service"])) or _BUILTIN_SERVICES.get(str(item["service"]))
    if service is None:
        raise ScriptError(f"the script asked for an unknown executor service {str(item['service'])[:40]!r}")
    return service(item.get("payload"))


def _parse_request(item: dict[str, Any]) -> HttpRequest:
    """The queued request as an HttpRequest; anything malformed is the script's error."""
    try:
        return _to_request(item)
    except (KeyError, TypeError, ValueError, OverflowError, binascii.Error):
        raise ScriptError("the script queued a malformed request") from None


def _to_request(item: dict[str, Any]) -> HttpRequest:
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
        max_redirects=10 if max_redirects is None else int(max_redirects),
    )


def _response_to_js(response: HttpResponse) -> dict[str, Any]:
    try:
        body: dict[str, str] = {"text": response.body.decode("utf-8")}
    except UnicodeDecodeError:
        body = {"base64": base64.b64encode(response.body).decode("ascii")}
    return {
        "status": response.status,
        "statusText": response.reason,
        "headers": [list(h) for h in response.headers],
        "url": response.url,
        "redirected": response.redirected,
        "body": body,
    }


def _collect_logs(snapshot: dict[str, Any], trace: Trace, limits: Limits) -> None:
    # The JS side keeps within the budget; this enforces it for the whole job even if a script
    # reconfigured or bypassed the JS side (a polluted prototype can forge log entries).
    truncated = bool(snapshot["logsTruncated"])
    for entry in snapshot["logs"]:
        size = len(entry["message"])
        if (trace.logs_truncated or len(trace.logs) >= limits.max_log_entries
                or trace.log_bytes + size > limits.max_log_bytes):
            truncated = True
            break
        trace.log_bytes += size
        trace.logs.append({"level": entry["level"], "message": entry["message"]})
    if truncated and not trace.logs_truncated:
        trace.logs_truncated = True
        trace.logs.append({"level": "warn", "message": "[further log lines dropped: the job's log limit]"})


async def _where(js: Engine, settled: dict[str, Any], deadline: float) -> Location | None:
    """Where a script's own error happened (one more engine step, for failed jobs only)."""
    error = settled.get("error")
    if settled.get("ok") is True or not isinstance(error, dict) or "executorError" in error or "network" in error:
        return None
    remaining = deadline - asyncio.get_running_loop().time()
    if remaining <= 0:
        return None
    try:
        text = await js.step(["__ce.where()"], timeout=remaining)
        return locate(json.loads(text or "null"))
    except (ExecutorError, json.JSONDecodeError, RecursionError):
        return None


def _outcome(settled: dict[str, Any], limits: Limits, location: Location | None = None) -> Any:
    if settled.get("ok") is True:
        value = settled.get("value")
        if len(_dumps(value, "the method's output")) > limits.max_output_bytes:
            raise InvalidOutput(f"the method's output exceeds {limits.max_output_bytes} bytes")
        return value
    if "invalidOutput" in settled:
        raise InvalidOutput(str(settled["invalidOutput"]))
    if settled.get("noExport"):
        raise ConnectorInvalid("the module exports no function for this method")
    error = settled.get("error")
    raise _script_failure(error, location) if isinstance(error, dict) else ScriptError("the method failed")


def _script_failure(error: dict[str, Any], location: Location | None) -> ExecutorError:
    message = str(error.get("message", ""))
    carried = error.get("executorError")
    # Only the contract's codes can be carried (a script may set __ceError itself).
    if isinstance(carried, dict) and carried.get("code") in ERRORS_BY_CODE:
        err = error_from_code(str(carried["code"]), str(carried.get("message", message)))
        details = carried.get("details")
        if isinstance(details, dict):
            err.details.update(details)
        return err
    network = error.get("network")
    if isinstance(network, dict):
        return NetworkError(message, details={"errno": str(network.get("code"))})
    if error.get("name") == "InternalError" and message == "out of memory":
        return MemoryLimitExceeded("the script exceeded its memory limit")
    if location is None:
        return ScriptError(message)
    return ScriptError(message, details={"location": location.where, "stack": list(location.stack)})


def _reachable_names(call: MethodCall) -> frozenset[str]:
    """What the module mentions, plus the makers and keys of the context objects it is given."""
    if not call.objects:
        return call.module.names
    return call.module.names.union(*({o.maker, *o.keys} for o in call.objects))


def _extra_units(call: MethodCall) -> tuple[Unit, ...]:
    """The shim units of the call's context objects, each once, in order."""
    return tuple(dict.fromkeys(o.unit for o in call.objects))


def _start_scripts(call: MethodCall, limits: Limits) -> list[str]:
    options: dict[str, Any] = {"maxLogBytes": limits.max_log_bytes, "maxLogEntries": limits.max_log_entries}
    if "crypto" in units_for(_reachable_names(call), _extra_units(call)):
        options["entropy"] = os.urandom(32).hex()  # keys crypto.js's CSPRNG; only jobs that load it pay
    try:
        context = _js_string(json.dumps(call.context, allow_nan=False))  # NaN/Infinity: not JSON to JS
        objects = _js_string(json.dumps([o.to_json() for o in call.objects], allow_nan=False))
    except (RecursionError, ValueError, TypeError):
        raise InvalidInput("the method's context is not JSON (a non-finite number?) or is nested too deeply") from None
    # One script, so V8 pays one evaluation round trip for all of it (the prelude joins it there).
    return [
        f"__ce.configure({_js_string(json.dumps(options))})"
        + f";__ce.start({call.module.factory}, {_js_string(call.export_name)}, {context}, {objects});\n",
    ]


async def _poll(js: Engine, scripts: list[str], remaining: float, prelude: str | None = None) -> dict[str, Any]:
    """Run `scripts` (after `prelude`), then collect what the script queued; one engine step."""
    text = await js.step([*scripts, "__ce.poll()"], timeout=remaining, prelude=prelude)
    try:
        snapshot: dict[str, Any] = json.loads(text or "")
    except (json.JSONDecodeError, RecursionError):
        snapshot = {}
    if not _well_formed(snapshot):
        # e.g. a polluted Object.prototype.toJSON or Array.prototype.push reshaped what poll() returns
        raise ScriptError("the script broke the executor's bridge (a replaced built-in?)")
    settled = snapshot["settled"]
    failed = settled is not None and settled.get("ok") is not True
    error = settled.get("error") if failed else None
    nullish = isinstance(error, dict) and bool(error.get("nullish"))
    if failed and await js.memory_exhausted(nullish):
        raise MemoryLimitExceeded("the script exceeded its memory limit")
    return snapshot


def _well_formed(snapshot: Any) -> bool:
    """Whether `snapshot` has the shape __ce.poll() gives; any other shape was forged by the script."""
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
        and (next_timer is None or (isinstance(next_timer, int | float) and not isinstance(next_timer, bool)))
    )


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (RecursionError, ValueError, TypeError):
        raise ScriptError(f"{what} cannot be serialised as JSON (nested too deeply or not finite)") from None


def _js_string(text: str) -> str:
    """A JS string literal for `text` (JSON string syntax is valid JS)."""
    return json.dumps(text)
