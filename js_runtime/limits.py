"""Per-job resource limits: an immutable value with sane defaults and `with_*`-style copying."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Limits:
    """Every limit a job runs under. Sizes are bytes, times seconds."""

    timeout: float = 30.0
    memory: int = 64 * 1024 * 1024
    stack: int = 1024 * 1024
    max_requests: int = 50
    max_response_bytes: int = 10 * 1024 * 1024
    max_log_bytes: int = 64 * 1024
    max_log_entries: int = 1000
    max_output_bytes: int = 1024 * 1024
    # What a script queues to send between two engine steps (URLs, headers, bodies, service payloads), as
    # JSON: measured in the engine, so an oversized batch never leaves it.
    max_queued_request_bytes: int = 16 * 1024 * 1024
    max_redirects: int = 10  # per request; a request may ask for fewer, never more
    # A request's URL as the job result's `requests` summary records it (longer ones are cut and marked),
    # so the result stays bounded: at most max_requests such entries.
    max_summary_url_chars: int = 2048

    def with_timeout(self, seconds: float) -> Limits:
        return replace(self, timeout=seconds)


DEFAULT_LIMITS = Limits()
