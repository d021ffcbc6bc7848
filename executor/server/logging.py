"""Structured logs: one structlog logger per app, JSON lines (console lines on a TTY), secrets redacted.

The job's secret values and its fields (job_id, connector, ...) travel in ContextVars bound around
the request's handling, so the redaction processor only ever sees the secrets of the job whose line
it renders. In JSON mode the `info` and `warning` lines (the per-job ones) are rendered by
`JsonLinesLogger` without structlog's per-call machinery: the same processors' effect (bound fields,
level, ISO UTC timestamp, redaction, JSON), in one function call.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

import structlog

from executor.secrets import Secrets, credential_values

_job_secrets: ContextVar[Secrets | None] = ContextVar("job_secrets", default=None)
_job_fields: ContextVar[Mapping[str, Any] | None] = ContextVar("job_fields", default=None)
_UTC = datetime.UTC


def redact_secrets(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Processor: replace the current job's secret values wherever they appear in the event."""
    secrets = _job_secrets.get()
    if secrets is None or not secrets.values:
        return event_dict
    for key, value in event_dict.items():
        event_dict[key] = secrets.redact_value(value)
    return event_dict


def merge_job_fields(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Processor: add the fields `job_log_context` bound (the call's own keys win)."""
    fields = _job_fields.get()
    if fields:
        for key, value in fields.items():
            event_dict.setdefault(key, value)
    return event_dict


@contextmanager
def job_log_context(secrets: Secrets, **fields: Any) -> Iterator[None]:
    """Bind the job's fields and secrets for every line logged inside (and in tasks started inside)."""
    secrets_token = _job_secrets.set(secrets)
    fields_token = _job_fields.set({**(_job_fields.get() or {}), **fields})
    try:
        yield
    finally:
        _job_fields.reset(fields_token)
        _job_secrets.reset(secrets_token)


def add_secrets(more: Any) -> None:
    """Also redact the strings of `more` (e.g. credentials a job produced) for the rest of this context."""
    values = credential_values(more) if isinstance(more, Mapping) else []
    if values:
        _job_secrets.set((_job_secrets.get() or Secrets()).with_values(values))


def _timestamp() -> str:
    return datetime.datetime.now(tz=_UTC).isoformat().replace("+00:00", "Z")


def stamp_iso_utc(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Processor: `timestamp`, ISO 8601 in UTC with a Z (structlog's TimeStamper(fmt="iso", utc=True))."""
    event_dict["timestamp"] = _timestamp()
    return event_dict


def _json_fallback(value: Any) -> Any:
    """What structlog's JSON renderer writes for a value JSON has no type for."""
    try:
        return value.__structlog__()
    except AttributeError:
        return repr(value)


class JsonLinesLogger:
    """The JSON-lines logger: `info` and `warning` render directly, anything else goes through structlog.

    A fast line is what the structlog chain of `make_logger` writes for the same call: the call's
    keys, `event`, the bound job fields, `level`, `timestamp`, every value redacted, one JSON line.
    """

    def __init__(self, stream: TextIO, structured: Any) -> None:
        self._stream = stream
        self._structured = structured
        # What structlog's JSONRenderer() does per call, with the encoder built once.
        self._encode = json.JSONEncoder(default=_json_fallback).encode

    def _emit(self, level: str, event: str, fields: dict[str, Any]) -> None:
        fields["event"] = event
        merge_job_fields(None, level, fields)
        fields["level"] = level
        fields["timestamp"] = _timestamp()
        redact_secrets(None, level, fields)
        self._stream.write(self._encode(fields) + "\n")
        self._stream.flush()

    def info(self, event: str, **fields: Any) -> None:
        """One info line."""
        self._emit("info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        """One warning line."""
        self._emit("warning", event, fields)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._structured, name)


def make_logger(stream: TextIO, *, json_lines: bool | None = None) -> Any:
    """A logger writing to `stream`: JSON lines, or coloured console lines when `stream` is a TTY."""
    if json_lines is None:
        json_lines = not _isatty(stream)
    renderer: Any = structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    structured = structlog.wrap_logger(
        structlog.PrintLogger(stream),
        processors=[
            merge_job_fields,
            structlog.processors.add_log_level,
            stamp_iso_utc,
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=False,
    )
    return JsonLinesLogger(stream, structured) if json_lines else structured


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
