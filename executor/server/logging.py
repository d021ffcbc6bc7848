"""Structured logs: one structlog logger per app, JSON lines (console lines on a TTY), secrets redacted.

The job's secret values travel in a ContextVar bound around the request's handling, so the
redaction processor only ever sees the secrets of the job whose line it renders.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

import structlog

from executor.secrets import Secrets

_job_secrets: ContextVar[Secrets | None] = ContextVar("job_secrets", default=None)


def redact_secrets(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Processor: replace the current job's secret values wherever they appear in the event."""
    secrets = _job_secrets.get()
    if secrets is None or not secrets.values:
        return event_dict
    for key, value in event_dict.items():
        event_dict[key] = secrets.redact_value(value)
    return event_dict


@contextmanager
def job_log_context(secrets: Secrets, **fields: Any) -> Iterator[None]:
    """Bind the job's fields and secrets for every line logged inside (and in tasks started inside)."""
    token = _job_secrets.set(secrets)
    try:
        with structlog.contextvars.bound_contextvars(**fields):
            yield
    finally:
        _job_secrets.reset(token)


def add_secrets(more: Any) -> None:
    """Also redact the strings of `more` (e.g. credentials a job produced) for the rest of this context."""
    from executor.secrets import strings_in

    _job_secrets.set((_job_secrets.get() or Secrets()).with_values(strings_in(more)))


def make_logger(stream: TextIO, *, json_lines: bool | None = None) -> structlog.typing.FilteringBoundLogger:
    """A logger writing to `stream`: JSON lines, or coloured console lines when `stream` is a TTY."""
    if json_lines is None:
        json_lines = not _isatty(stream)
    renderer: Any = structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    return structlog.wrap_logger(
        structlog.PrintLogger(stream),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=False,
    )


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
