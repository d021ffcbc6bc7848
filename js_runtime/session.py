"""The bridge loop: drives one method call in one fresh engine until its promise settles.

Each step is one engine call: deliver what Python has (responses, due timers), run the promise
callbacks, then poll the queued requests, timers and logs (the messages are js_runtime.bridge's).
Between steps, on the event loop, the session performs the queued requests through the job's `Send`
and sleeps until the next timer. The job's wall-clock budget covers all of it: evaluation, pending
promises, timers and requests. The per-job request cap and the request trace belong to the `Send`
the caller passes (the job's I/O edge, executor.transport.edge); the session only counts the
script's asks of services.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from js_runtime import bridge
from js_runtime.bridge import (
    Answer,
    AskId,
    Delivery,
    Failed,
    HttpAnswer,
    MalformedAsk,
    NetworkFailure,
    NoExport,
    NotJson,
    Returned,
    ScriptFailure,
    ServiceAnswer,
    ServiceAsk,
    Settlement,
    Snapshot,
)
from js_runtime.crypto_service import serve_crypto
from js_runtime.engine import Engine, EngineKind, open_engine
from js_runtime.errors import (
    ConnectorInvalid,
    ExecutorError,
    InvalidOutput,
    JobTimeout,
    MemoryLimitExceeded,
    NetworkBlocked,
    NetworkError,
    ScriptError,
    error_from_code,
)
from js_runtime.http import HttpResponse, Send
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


async def _drive(js: Engine, snapshot: Snapshot, call: MethodCall, send: Send, limits: Limits,
                 trace: Trace, deadline: float) -> Any:
    loop = asyncio.get_running_loop()
    in_flight: dict[asyncio.Task[HttpResponse], AskId] = {}
    served = 0
    resettled = False
    try:
        while True:
            _collect_logs(snapshot, trace, limits)
            if snapshot.requests_too_large:
                raise NetworkBlocked(f"the script queued more than {limits.max_queued_request_bytes} bytes of "
                                     "requests at once (the per-job limit max_queued_request_bytes)")
            if snapshot.settled is not None:
                return _outcome(snapshot.settled, limits, await _where(js, snapshot.settled, deadline))
            answers: list[Answer] = []
            for ask in snapshot.asks:
                if isinstance(ask, MalformedAsk):
                    raise ScriptError("the script queued a malformed request")
                if isinstance(ask, ServiceAsk):
                    # Services are asked about requests (to sign one, to judge its response): at most twice
                    # per request the job may make. More asks were forged by the script, and a flood of
                    # them would keep the event loop busy.
                    served += 1
                    if served > 2 * limits.max_requests:
                        raise ScriptError("the script asked the executor's services too often")
                    answers.append(ServiceAnswer(ask.id, _serve(call.services, ask)))
                    continue
                in_flight[asyncio.ensure_future(send(ask.request))] = ask.id
            if answers:
                delivery = Delivery(tuple(answers), fire_timers=False)
            elif not in_flight and snapshot.next_timer_ms is None and not resettled:
                resettled = True  # nothing could settle it: unless a reaction was lost (see resettle)
                snapshot = await _poll(js, [bridge.RESETTLE], deadline - loop.time())
                continue
            else:
                delivery = await _wait(in_flight, snapshot.next_timer_ms, deadline - loop.time())
            snapshot = await _poll(js, [delivery.script()], deadline - loop.time())
    finally:
        for task in in_flight:
            task.cancel()


async def _wait(in_flight: dict[asyncio.Task[HttpResponse], AskId], next_timer_ms: float | None,
                remaining: float) -> Delivery:
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
    return Delivery(tuple(_answer(task, in_flight.pop(task)) for task in done), fire_timers=True)


def _answer(task: asyncio.Task[HttpResponse], ask_id: AskId) -> HttpAnswer | NetworkFailure:
    exc = task.exception()
    if exc is None:
        return HttpAnswer(ask_id, task.result())
    if isinstance(exc, NetworkError) and not exc.fatal:
        return NetworkFailure(ask_id, str(exc.details.get("errno", "ECONNREFUSED")), exc.message)
    raise exc  # policy refusals, unrecorded requests, limits: the job ends here


# Services every job has, whatever the executor adds: crypto.subtle's key operations.
_BUILTIN_SERVICES: Mapping[str, Service] = {"crypto": serve_crypto}


def _serve(services: Mapping[str, Service], ask: ServiceAsk) -> Any:
    service = services.get(ask.service) or _BUILTIN_SERVICES.get(ask.service)
    if service is None:
        raise ScriptError(f"the script asked for an unknown executor service {ask.service[:40]!r}")
    return service(ask.payload)


def _collect_logs(snapshot: Snapshot, trace: Trace, limits: Limits) -> None:
    # The JS side keeps within the budget; this enforces it for the whole job even if a script
    # reconfigured or bypassed the JS side (a polluted prototype can forge log entries).
    truncated = snapshot.logs_truncated
    for line in snapshot.logs:
        size = len(line.message)
        if (trace.logs_truncated or len(trace.logs) >= limits.max_log_entries
                or trace.log_bytes + size > limits.max_log_bytes):
            truncated = True
            break
        trace.log_bytes += size
        trace.logs.append({"level": line.level, "message": line.message})
    if truncated and not trace.logs_truncated:
        trace.logs_truncated = True
        trace.logs.append({"level": "warn", "message": "[further log lines dropped: the job's log limit]"})


async def _where(js: Engine, settled: Settlement, deadline: float) -> Location | None:
    """Where a script's own error happened (one more engine step, for failed jobs only)."""
    if not isinstance(settled, Failed) or settled.error is None or settled.error.from_executor:
        return None
    remaining = deadline - asyncio.get_running_loop().time()
    if remaining <= 0:
        return None
    try:
        text = await js.step([bridge.WHERE], timeout=remaining)
        return locate(json.loads(text or "null"))
    except (ExecutorError, json.JSONDecodeError, RecursionError):
        return None


def _outcome(settled: Settlement, limits: Limits, location: Location | None = None) -> Any:
    if isinstance(settled, Returned):
        if len(bridge.dumps(settled.value, "the method's output")) > limits.max_output_bytes:
            raise InvalidOutput(f"the method's output exceeds {limits.max_output_bytes} bytes")
        return settled.value
    if isinstance(settled, NotJson):
        raise InvalidOutput(settled.reason)
    if isinstance(settled, NoExport):
        raise ConnectorInvalid("the module exports no function for this method")
    raise ScriptError("the method failed") if settled.error is None else _script_failure(settled.error, location)


def _script_failure(error: ScriptFailure, location: Location | None) -> ExecutorError:
    if error.carried is not None:
        err = error_from_code(error.carried.code, error.carried.message)
        err.details.update(error.carried.details)
        return err
    if error.network_errno is not None:
        return NetworkError(error.message, details={"errno": error.network_errno})
    if error.name == "InternalError" and error.message == "out of memory":
        return MemoryLimitExceeded("the script exceeded its memory limit")
    if location is None:
        return ScriptError(error.message)
    return ScriptError(error.message, details={"location": location.where, "stack": list(location.stack)})


def _reachable_names(call: MethodCall) -> frozenset[str]:
    """What the module mentions, plus the makers and keys of the context objects it is given."""
    if not call.objects:
        return call.module.names
    return call.module.names.union(*({o.maker, *o.keys} for o in call.objects))


def _extra_units(call: MethodCall) -> tuple[Unit, ...]:
    """The shim units of the call's context objects, each once, in order."""
    return tuple(dict.fromkeys(o.unit for o in call.objects))


def _start_scripts(call: MethodCall, limits: Limits) -> list[str]:
    # entropy keys crypto.js's CSPRNG; only jobs that load it pay
    entropy = os.urandom(32).hex() if "crypto" in units_for(_reachable_names(call), _extra_units(call)) else None
    options = bridge.Options(limits.max_log_bytes, limits.max_log_entries, limits.max_output_bytes,
                             limits.max_queued_request_bytes, entropy)
    objects = [bridge.MakeObject(o.maker, o.keys, o.config, o.options) for o in call.objects]
    return [bridge.start_script(options, call.module.factory, call.export_name, call.context, objects)]


async def _poll(js: Engine, scripts: list[str], remaining: float, prelude: str | None = None) -> Snapshot:
    """Run `scripts` (after `prelude`), then collect what the script queued; one engine step."""
    snapshot = bridge.parse_snapshot(await js.step([*scripts, bridge.POLL], timeout=remaining, prelude=prelude))
    settled = snapshot.settled
    if settled is not None and not isinstance(settled, Returned):
        nullish = isinstance(settled, Failed) and settled.error is not None and settled.error.nullish
        if await js.memory_exhausted(nullish):
            raise MemoryLimitExceeded("the script exceeded its memory limit")
    return snapshot
