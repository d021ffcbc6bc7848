"""The job pipeline of POST /v1/jobs, minus HTTP: validate, resolve, dedupe, dispatch, record, log.

    body ──validate (JobRequest schema)──> PreparedJob ──Idempotency-Key?──> OnceOnly (scope i:KEY)
         ──refreshCredentials + connectionId?──> OnceOnly (scope c:CONNECTION) ──> MemoryBudget ──> WorkerPool
         ──> Outcome

Both once-only steps go through the shared store (memory or Redis): an idempotency key's result is
kept for `idempotency_ttl`; a connection's last successful refresh is kept for `refresh_retention`
and answers a retry of the very same refresh (same connector, option and input: the old refresh
token), so a lost answer never spends a rotating refresh token twice. A refresh of the same
connection with another body waits for the running one, then runs.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import jsonschema

from executor.connector import Connector
from executor.errors import ConnectorInvalid, ExecutorError, InvalidInput
from executor.jobs import JobInput
from executor.jobs.request import input_secrets
from executor.jobs.wire import JobMessage
from executor.limits import LIMITS
from executor.secrets import Secrets
from executor.server.admission import MemoryBudget
from executor.server.config import ServerConfig
from executor.server.connectors import ConnectorRegistry
from executor.server.idempotency import IdempotencyKeyReused, OnceOnly, StillRunning
from executor.server.logging import add_secrets, job_log_context
from executor.server.metrics import ServerMetrics
from executor.server.openapi import JOB_INPUT_SCHEMA, JOB_REQUEST_SCHEMA
from executor.server.store import StoreUnavailable
from executor.server.store.observed import ObservedStore
from executor.server.supervisor import QueueClosed, QueueFull, WorkerPool, failed_reply

_VALIDATOR = jsonschema.Draft202012Validator(JOB_REQUEST_SCHEMA)
MAX_IDEMPOTENCY_KEY = LIMITS.idempotency_key_chars
RETRY_AFTER_SECONDS = "1"
STORE_RETRY_AFTER_SECONDS = "2"


class ApiError(Exception):
    """A refusal answered with `{"error": {"code", "message"}}` and an HTTP status."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True)
class Outcome:
    """What the endpoint answers: a status, a JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedJob:
    """A valid job, ready to send to a worker (or already failed, for a broken inline connector)."""

    job_id: str
    connector_label: str  # the key, or "inline": bounded label values for metrics
    identity: str  # what makes two connectors "the same" for collapsing
    method: str
    engine: str
    auth_option: str | None
    timeout_ms: int
    connection_id: str | None
    refresh_fingerprint: str  # what makes two refreshes "the same": connector, option, input ("" if not collapsible)
    secrets: Secrets
    message: dict[str, Any]
    failure: ExecutorError | None = None

    @property
    def collapsible(self) -> bool:
        return collapsible(self.method, self.connection_id)


def collapsible(method: str, connection_id: str | None) -> bool:
    """A refresh of a named connection: concurrent twins share one run."""
    return method == "refreshCredentials" and connection_id is not None


@dataclass(frozen=True)
class _FastPathLimits:
    """What `surely_valid` checks, read from JOB_REQUEST_SCHEMA (so the two cannot drift apart silently)."""

    keys: frozenset[str]
    required: tuple[str, ...]
    methods: frozenset[str]
    engines: frozenset[Any]
    connector_key: tuple[int, int]  # min and max length
    file_path: tuple[int, int]
    connection_id: tuple[int, int]
    input_types: Mapping[str, type]

    @classmethod
    def from_schema(cls) -> _FastPathLimits:
        props = JOB_REQUEST_SCHEMA["properties"]
        connector_key, inline = props["connector"]["oneOf"]
        assert connector_key["type"] == "string" and inline["required"] == ["files"]
        path = inline["properties"]["files"]["propertyNames"]
        input_types: dict[str, type] = {}
        for key, prop in JOB_INPUT_SCHEMA["properties"].items():
            kinds = prop["type"]
            assert set(kinds) in ({"object", "null"}, {"string", "null"}), key
            input_types[key] = dict if "object" in kinds else str
        return cls(
            keys=frozenset(props), required=tuple(JOB_REQUEST_SCHEMA["required"]),
            methods=frozenset(props["method"]["enum"]), engines=frozenset(props["engine"]["enum"]),
            connector_key=(connector_key["minLength"], connector_key["maxLength"]),
            file_path=(path["minLength"], path["maxLength"]),
            connection_id=(props["connectionId"]["minLength"], props["connectionId"]["maxLength"]),
            input_types=input_types,
        )


_FAST = _FastPathLimits.from_schema()


def _length_within(text: str, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= len(text) <= bounds[1]


def surely_valid(body: Any) -> bool:
    """True only for a body the JobRequest schema accepts, checked by hand (~1 µs instead of ~30 µs).

    False means "not sure": the schema validator then decides, and words the error. Anything
    unusual (an integral float timeoutMs, a null authOption...) simply takes that slow path.
    """
    if type(body) is not dict or not body.keys() <= _FAST.keys or any(k not in body for k in _FAST.required):
        return False
    ref = body["connector"]
    if type(ref) is str:
        if not _length_within(ref, _FAST.connector_key):
            return False
    elif type(ref) is dict and len(ref) == 1 and type(files := ref.get("files")) is dict and files:
        if not all(type(path) is str and type(text) is str and _length_within(path, _FAST.file_path)
                   for path, text in files.items()):
            return False
    else:
        return False
    if type(body["method"]) is not str or body["method"] not in _FAST.methods:
        return False
    job_input = body.get("input")
    if job_input is not None and (type(job_input) is not dict or any(
            job_input.get(key) is not None and type(job_input[key]) is not kind
            for key, kind in _FAST.input_types.items())):
        return False
    engine = body.get("engine")
    if engine is not None and (type(engine) is not str or engine not in _FAST.engines):
        return False
    if "authOption" in body and type(body["authOption"]) is not str:
        return False
    if "timeoutMs" in body and (type(body["timeoutMs"]) is not int or body["timeoutMs"] < 1):
        return False
    if "connectionId" in body:
        connection_id = body["connectionId"]
        return type(connection_id) is str and _length_within(connection_id, _FAST.connection_id)
    return True


def validate_body(body: Any) -> None:
    """ApiError 400 INVALID_JOB unless `body` matches the published JobRequest schema."""
    if surely_valid(body):
        return
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(body))
    if error is not None:
        raise ApiError(400, "INVALID_JOB", schema_message(error))


def schema_message(error: jsonschema.ValidationError) -> str:
    """Where and why a body fails the schema, naming no value the caller sent (values may be secrets)."""
    where = "body" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    kind, expected = error.validator, cast(Any, error.validator_value)
    if kind in ("required", "additionalProperties"):
        return f"{where}: {error.message}"
    if kind == "type":
        return f"{where}: must be of type {' or '.join(expected) if isinstance(expected, list) else expected}"
    if kind == "enum":
        return f"{where}: must be one of {', '.join(json.dumps(v) for v in expected)}"
    if kind == "oneOf" and error.absolute_path and error.absolute_path[-1] == "connector":
        return f'{where}: must be a connector key or an inline connector {{"files": {{"path": "text"}}}}'
    return f"{where}: does not satisfy {kind} {json.dumps(expected)[:200]}"


def _job_id() -> str:
    """32 random hex digits, like uuid4().hex without a getrandom() system call per job (a log
    correlation id, not a secret)."""
    return f"{random.getrandbits(128):032x}"


def fingerprint(body: Any) -> str:
    """A digest of the request body, to tell a retry from a different job reusing a key."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class JobService:
    """Runs POST /v1/jobs bodies: one execution per idempotency key and per identical connection refresh."""

    def __init__(self, config: ServerConfig, registry: ConnectorRegistry, pool: WorkerPool,
                 metrics: ServerMetrics, logger: Any, *, budget: MemoryBudget | None = None) -> None:
        self.config = config
        self.registry = registry
        self.pool = pool
        self.metrics = metrics
        self.log = logger
        self.budget = budget
        self.shutting_down = False
        self.store = ObservedStore(config.open_store(), self._store_operation)
        self._idempotency: OnceOnly[Outcome] = OnceOnly(
            self.store, lease=config.lease_seconds, encode=_encode_answer, decode=_decode_outcome,
            on_store_error=self._store_failed)
        self._refreshes: OnceOnly[Outcome] = OnceOnly(
            self.store, lease=config.lease_seconds, encode=_encode_refresh, decode=_decode_outcome,
            on_store_error=self._store_failed)
        self._store_down_logged = False
        metrics.store_up.set(1)

    def _store_operation(self, operation: str, seconds: float, ok: bool) -> None:
        self.metrics.store_seconds.labels(operation).observe(seconds)
        self.metrics.store_up.set(1 if ok else 0)
        if not ok:
            self.metrics.store_errors.labels(operation).inc()
            if not self._store_down_logged:  # one line per outage, not per job
                self._store_down_logged = True
                self.log.warning("store.unavailable", store=self.store.kind)
        elif self._store_down_logged:
            self._store_down_logged = False
            self.log.info("store.available", store=self.store.kind)

    def _store_failed(self, _operation: str) -> None:
        return None  # counted by _store_operation; the job's answer stands

    def begin_shutdown(self) -> None:
        """New jobs and jobs waiting for a slot are answered 503 with Retry-After from now on."""
        self.shutting_down = True
        self.pool.refuse_waiting()

    async def submit(self, body: Any, idempotency_key: str | None) -> Outcome:
        """The answer to one job request; ApiError for a refusal that is not a job result."""
        validate_body(body)
        if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise ApiError(400, "INVALID_JOB", f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
        if self.shutting_down:
            return _shutting_down()
        job = await self.prepare(body)
        with job_log_context(job.secrets, job_id=job.job_id, connector=job.connector_label,
                             method=job.method, engine=job.engine):
            try:
                if idempotency_key is None:
                    return await self._collapsed(job)
                return await self._idempotent(job, idempotency_key, fingerprint(body))
            except StoreUnavailable:
                self.metrics.rejected.labels("store_unavailable").inc()
                return _refusal(503, "STORE_UNAVAILABLE",
                                "the shared store is unavailable and this job needs it (Idempotency-Key or "
                                "connectionId); retry later", {"Retry-After": STORE_RETRY_AFTER_SECONDS})
            except StillRunning:
                return _refusal(503, "STILL_RUNNING", "the same job is still running; retry later",
                                {"Retry-After": RETRY_AFTER_SECONDS})

    async def _idempotent(self, job: PreparedJob, key: str, body_fingerprint: str) -> Outcome:
        try:
            outcome, replayed = await self._idempotency.run(
                "i:" + key, body_fingerprint, lambda: self._collapsed(job), retention=self.config.idempotency_ttl,
                wait=self._wait_budget(job), any_done=True)
        except IdempotencyKeyReused:
            raise ApiError(409, "IDEMPOTENCY_KEY_REUSED",
                           "this Idempotency-Key was used with a different request body") from None
        if replayed:
            self._shared("idempotency")
            return Outcome(outcome.status, outcome.body, {**outcome.headers, "Idempotent-Replayed": "true"})
        return outcome

    def _wait_budget(self, job: PreparedJob) -> float:
        """How long a caller waits for another replica's run of the same job."""
        return job.timeout_ms / 1000 + self.pool.hard_timeout_margin + self.config.lease_seconds

    async def prepare(self, body: dict[str, Any]) -> PreparedJob:
        """Resolve the connector and parse the input of a schema-valid body (ApiError 404 / 400)."""
        ref = body["connector"]
        failure: ExecutorError | None = None
        connector: Connector | None
        if isinstance(ref, str):
            connector = self.registry.get(ref)
            if connector is None:
                why = self.registry.why_missing(ref)  # with --reload: the folder that does not load
                raise ApiError(404, "CONNECTOR_NOT_FOUND", f"no connector with key {ref!r}{why}")
            label, identity, wire = ref, f"key:{ref}", {"key": ref}
        else:
            try:
                connector, digest = await self.registry.inline(ref["files"])
            except ConnectorInvalid as exc:
                connector, digest, failure = None, "", exc
            label, identity, wire = "inline", f"inline:{digest}", {"files": ref["files"]}
        try:
            job_input = JobInput.from_json(body.get("input"))
        except InvalidInput as exc:
            raise ApiError(400, "INVALID_JOB", exc.message) from None
        engine = body.get("engine") or self.config.engine
        timeout_ms = self.config.timeout_ms(body.get("timeoutMs"))
        secrets = input_secrets(job_input, connector, body.get("authOption"))
        message = JobMessage(connector=wire, method=body["method"], input=job_input, engine=engine,
                             auth_option=body.get("authOption"), timeout_ms=timeout_ms, secrets=secrets)
        return PreparedJob(
            job_id=_job_id(), connector_label=label, identity=identity, method=body["method"],
            engine=engine, auth_option=body.get("authOption"), timeout_ms=timeout_ms,
            connection_id=body.get("connectionId"),
            refresh_fingerprint=(fingerprint([identity, body.get("authOption"), body.get("input")])
                                 if collapsible(body["method"], body.get("connectionId"))
                                 else ""),  # only collapsible jobs use it (6% of the front-end's CPU per job)
            secrets=secrets, message=message.to_wire(), failure=failure)

    async def _collapsed(self, job: PreparedJob) -> Outcome:
        if not job.collapsible:
            return await self._execute(job)
        assert job.connection_id is not None
        outcome, shared = await self._refreshes.run(
            "c:" + job.connection_id, job.refresh_fingerprint, lambda: self._execute(job),
            retention=self.config.refresh_retention, wait=self._wait_budget(job), any_done=False)
        if shared:
            self._shared("collapsed")
        return outcome

    async def _execute(self, job: PreparedJob) -> Outcome:
        """Run the job on a worker and record it: the one place a job actually executes."""
        if self.shutting_down:
            return _shutting_down()
        started = time.perf_counter()
        if job.failure is not None:
            reply = failed_reply(job.failure)
        else:
            if self.budget is not None and not self.budget.admit():
                self.metrics.rejected.labels("memory_budget").inc()
                self.log.warning("job.rejected", reason="memory_budget")
                return _refusal(429, "QUEUE_FULL", "the service's memory budget is exhausted; retry later",
                                {"Retry-After": RETRY_AFTER_SECONDS})
            try:
                reply = await self.pool.run(job.message, job.timeout_ms / 1000)
            except QueueClosed:
                return _shutting_down()
            except QueueFull:
                self.metrics.rejected.labels("queue_full").inc()
                self.log.warning("job.rejected", reason="queue_full")
                return _refusal(429, "QUEUE_FULL", "every worker is busy and the queue is full; retry later",
                                {"Retry-After": RETRY_AFTER_SECONDS})
        seconds = time.perf_counter() - started
        result: dict[str, Any] = reply["result"]
        self.metrics.record_job(connector=job.connector_label, method=job.method, engine=job.engine,
                                result=result, seconds=seconds)
        self._log_job(result, seconds, reply.get("runMs"))
        return Outcome(200, result)

    def _log_job(self, result: dict[str, Any], seconds: float, run_ms: float | None) -> None:
        add_secrets(result.get("credentials"))  # tokens the job just obtained are secrets too
        error = result.get("error") or {}
        self.log.info("job", outcome=result.get("status"), error_code=error.get("code"),
                      error_message=error.get("message"), duration_ms=round(seconds * 1000, 3),
                      worker_ms=run_ms, request_count=len(result.get("requests") or ()))

    def _shared(self, reason: str) -> None:
        self.metrics.shared.labels(reason).inc()
        self.log.info("job.shared", reason=reason)


def _shutting_down() -> Outcome:
    return _refusal(503, "SHUTTING_DOWN", "the server is shutting down; retry on another replica",
                    {"Retry-After": RETRY_AFTER_SECONDS})


def _encode_outcome(outcome: Outcome) -> bytes:
    return json.dumps({"status": outcome.status, "body": outcome.body, "headers": dict(outcome.headers)},
                      separators=(",", ":")).encode()


def _decode_outcome(raw: bytes) -> Outcome:
    data = json.loads(raw)
    return Outcome(int(data["status"]), data["body"], data["headers"])


def _encode_answer(outcome: Outcome) -> bytes | None:
    """An idempotency key keeps every job result, failures included; refusals (429, 503) are not kept."""
    return _encode_outcome(outcome) if outcome.status == 200 else None


def _encode_refresh(outcome: Outcome) -> bytes | None:
    """A connection keeps only a successful refresh (what a lost answer must not spend again)."""
    return _encode_outcome(outcome) if outcome.status == 200 and outcome.body.get("status") == "succeeded" else None


def _refusal(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Outcome:
    return Outcome(status, ApiError(status, code, message).body(), dict(headers or {}))

