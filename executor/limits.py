"""Every limit of the executor in one frozen value, LIMITS; docs/limits.md is its table (a test keeps
the two equal). Modules read their limit from here at import, under the name they always used.

`job` is the per-job Limits of js_runtime (the lower layer: it cannot import this module), with its
defaults; the settings of `serve` (body size, queue, timeouts...) are ServerConfig's, documented in
the same table.
May import: js_runtime.limits only.
"""

from __future__ import annotations

from dataclasses import dataclass

from js_runtime.limits import DEFAULT_LIMITS, Limits

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class ExecutorLimits:
    """Sizes in bytes or characters, times in seconds."""

    job: Limits = DEFAULT_LIMITS
    # running a job
    job_timeout_grace: float = 1.0  # run_job gives up at the job's timeout plus this
    retry_margin: float = 1.0  # time kept back from the apiClient's 429 retries to report the failure
    scanned_body_bytes: int = 64 * KIB  # larger bodies (sent or received) are not scanned for tokens to redact
    error_message_chars: int = 2000  # a job error's message, after redaction
    error_detail_chars: int = 300  # each string in a job error's details, after redaction
    min_secret_chars: int = 4  # shorter secrets are redacted (and replaced by placeholders) only where whole
    workspace_token_lifetime: int = 3600  # integration-app-token / membrane-token JWT lifetime
    # loading connectors
    connector_file_bytes: int = 1 * MIB
    spec_depth: int = 128
    spec_values: int = 50_000  # counting YAML aliases
    mapping_depth: int = 100
    mapping_values: int = 50_000
    expression_nesting: int = 32
    # the service
    pipe_line_bytes: int = 64 * MIB  # one job or one result on the worker pipe
    hard_timeout_margin: float = 10.0  # a worker silent this long past a job's deadline is killed
    idempotency_key_chars: int = 255
    listen_backlog: int = 4096


LIMITS = ExecutorLimits()
