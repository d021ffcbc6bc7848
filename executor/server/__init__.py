"""The job service behind `connector-executor serve` (docs/contract.md §5). Design log: what runs where, and why.

Processes
    One front-end process runs the aiohttp app: HTTP, body validation (against the very JobRequest
    schema /openapi.json publishes: a hand-written check, derived from that schema, passes the common
    well-formed body in ~1 µs; anything it is unsure of goes to jsonschema, which also words every
    error, so answers are the same), bearer auth, the idempotency store, refresh
    collapsing, metrics, logging and the bounded job queue. It supervises `--workers N` worker
    processes (`python -m executor.server.worker`) that execute jobs. Kept because a job's engine
    runs native code (QuickJS, V8): a segfault or a runaway allocation can take down the process it
    runs in, and it must not take the service with it. A worker that dies, even by SIGSEGV, fails
    exactly the jobs in flight on it with ENGINE_CRASHED; the supervisor starts a replacement
    (backing off if it keeps dying at once) and the service keeps serving.
    Dropped: running engines in the front-end's threads (one crash kills everything) and a process
    per job (~300 ms of interpreter start per job, and no connector cache).

Worker protocol
    Newline-delimited JSON over the child's stdin/stdout, with ids so many jobs share one pipe:
    `{"id", "connector": {"key"} | {"files"}, "method", "input", "engine", "authOption", "timeoutMs",
    "secrets"}` in (executor.jobs.wire.JobMessage: the job as the front-end parsed it, which the worker
    does not parse, validate or scan for secrets again), `{"id", "result", "runMs"}` out. Plain `json`
    (no extra dependency). Measured on a 2-core machine, 300 sequential small jobs: the hop (time seen
    by the front-end minus `runMs`) costs
    0.2 ms median, 0.5 ms p99, against ~5 ms for the job itself; no process or thread per job. The
    worker keeps the real stdout for the protocol and points fd 1 at stderr, so a stray print in a
    library cannot corrupt it. Both sides queue the lines of one event-loop iteration and write them
    at once (one system call, one wake-up of the other side for a burst of jobs), and the front-end
    waits for a reply with one timer per job (the hard timeout), not wait_for/shield.
    Workers ignore SIGINT/SIGTERM and run in their own session: the
    front-end drains them by closing stdin (which also happens if the front-end dies).

Inside a worker
    One asyncio loop running many jobs at once, one LiveTransport (network policy from
    `--allow-host` and CONNECTOR_EXECUTOR_ALLOW_HOSTS), the `--connectors` directory loaded at
    start, inline connectors cached by content hash. Engine work runs on lanes (reused threads), so
    a spinning script never blocks the loop; its own deadline ends it with TIMEOUT.

Scheduling and admission
    Each job goes to the least-loaded live worker with a free slot (`jobs_per_worker` each, 2048 by
    default); else it waits in a FIFO line of `queue_size` (1024). Waiting jobs hold no engine thread,
    so these are far from the real bounds: `lanes` engine threads per worker bound CPU-bound script
    work, and `memory_budget_mb` bounds the RSS of the whole process tree (admission.MemoryBudget):
    past it, and past the line, the answer is 429 with Retry-After; /readyz says 503 "saturated"
    while the line is full. A worker silent past a job's deadline plus a margin is stuck, not slow:
    it is killed and replaced.

Once-only execution (store: memory by default, Redis shared by replicas; docs/scale-out.md)
    idempotency.OnceOnly over a store.Store: per scope, one lease (renewed while the job runs, so a
    dead replica frees it within the lease) and one finished record. `Idempotency-Key` (scope
    i:KEY): the first request runs, a retry with the same body within the retention window gets the
    stored result (`Idempotent-Replayed: true`), a concurrent retry on any replica waits for the first
    run; the same key with another body is 409 IDEMPOTENCY_KEY_REUSED. Refusals are not stored; a
    job result is, failures included. `refreshCredentials` with a `connectionId` (scope c:ID):
    identical refreshes (connector, option, input) collapse into one run; another body waits for the
    running one, then runs; the last successful refresh is kept and answers a retry of the same
    refresh (a lost answer never spends a rotating refresh token twice). When the store fails, these
    jobs get 503 STORE_UNAVAILABLE + Retry-After; others run.

Secrets and logs
    The front-end computes each job's secret values (collect_secrets over the input and the
    connector's schemas) and binds them, with the job's fields, in ContextVars for the request's
    task; the redaction processor reads them from there. No module-level secret list.
    One JSON line per executed job on stderr (console lines on a TTY); in JSON mode info/warning
    lines are rendered in one call (logging.JsonLinesLogger) rather than through structlog's
    processor chain, to the same line. Per-job Prometheus children are cached by label values.

Shutdown
    SIGTERM: readyz turns 503, jobs not started get 503 + Retry-After, running jobs have the grace
    period (CONNECTOR_EXECUTOR_SHUTDOWN_GRACE, default 30 s) to finish, then the workers are killed
    (their jobs answer ENGINE_CRASHED: every caller gets an answer), exit 0 within grace + 3 s.

Settings `serve` has no flag for come from the environment (see config.ENV_SETTINGS).

Modules: app (routes, middlewares), service (the job pipeline), supervisor (worker processes and pool
client), worker (the worker process), idempotency, store (memory, Redis, sealing), admission,
connectors, config, metrics, logging, openapi, main (`serve_command`, listener and connection guard).
May import: everything below it (executor.jobs, executor.connector, executor.transport,
executor.secrets, executor.errors, executor.limits, js_runtime); never executor.cli.
"""
