"""Per-job secret values and their redaction, by value (not only by key name).

A job's secrets are every credential value, the connection and connector parameters whose schema
marks them `format: password` or `isSensitive`, parameters whose key names a secret, and values
under secret-looking keys in the responses the job receives (access and refresh tokens...).
Nothing here is module-level state: each job builds its own `Secrets`.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from executor.limits import LIMITS

REDACTED = "[REDACTED]"
_MIN_SECRET_LENGTH = LIMITS.min_secret_chars
_SECRET_KEY_WORDS = ("secret", "password", "token", "apikey", "api_key", "privatekey", "private_key")


@dataclass(frozen=True)
class Secrets:
    """The secret values of one job, longest first so overlapping values redact fully."""

    values: tuple[str, ...] = ()

    def with_values(self, more: Iterable[str]) -> Secrets:
        return Secrets(_normalise([*self.values, *more]))

    @functools.cached_property
    def _spellings(self) -> tuple[str, ...]:
        """Each value as written and percent-encoded (as it appears in a URL or a form body), longest first."""
        forms = {form for value in self.values
                 for form in (value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value, safe=""))}
        return tuple(sorted(forms, key=lambda v: (-len(v), v)))

    def redact(self, text: str) -> str:
        """`text` with every secret value, also percent-encoded, replaced by a placeholder."""
        for value in self._spellings:
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    def redact_value(self, value: Any) -> Any:
        """A JSON value with every string redacted (keys kept)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_value(v) for k, v in value.items()}
        return value


def collect_secrets(
    *,
    credentials: Mapping[str, Any] | None,
    connection_parameters: Mapping[str, Any],
    connection_schema: Mapping[str, Any] | None,
    connector_parameters: Mapping[str, Any],
    connector_schema: Mapping[str, Any] | None,
) -> Secrets:
    """Everything in a job's input that must never reach a log line or an error message."""
    found: list[str] = list(strings_in(credentials or {}))
    for params, schema in ((connection_parameters, connection_schema), (connector_parameters, connector_schema)):
        sensitive = sensitive_fields(schema)
        for key, value in params.items():
            if key in sensitive or _looks_secret(key):
                found.extend(strings_in(value))
    return Secrets(_normalise(found))


def secrets_in_body(body: bytes, content_type: str | None) -> list[str]:
    """Values under secret-looking keys (access_token, refresh_token, apiKey...) of a JSON or
    form-encoded body, at any depth; nothing for other bodies."""
    kind = (content_type or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if kind == "application/x-www-form-urlencoded":
            parsed: Any = dict(urllib.parse.parse_qsl(text))
        elif kind.endswith("json") or text.lstrip()[:1] in ("{", "["):
            parsed = json.loads(text)
        else:
            return []
    except (UnicodeDecodeError, ValueError, RecursionError):
        return []
    return list(_secret_valued(parsed, depth=0))


def _secret_valued(value: Any, depth: int) -> Iterable[str]:
    if depth > 20:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and _looks_secret(key):
                yield from strings_in(item)
            else:
                yield from _secret_valued(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _secret_valued(item, depth + 1)


def sensitive_fields(schema: Mapping[str, Any] | None) -> frozenset[str]:
    """Top-level property names a data schema marks `format: password` or `isSensitive`."""
    props = (schema or {}).get("properties") or {}
    if not isinstance(props, Mapping):
        return frozenset()
    return frozenset(
        name for name, prop in props.items()
        if isinstance(prop, Mapping) and (prop.get("format") == "password" or prop.get("isSensitive"))
    )


def strings_in(value: Any) -> Iterable[str]:
    """Every string and number inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield str(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def _looks_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_KEY_WORDS)


def _normalise(values: Iterable[str]) -> tuple[str, ...]:
    unique = {v for v in values if len(v) >= _MIN_SECRET_LENGTH}
    return tuple(sorted(unique, key=lambda v: (-len(v), v)))
