"""Validating data against a connector's data schemas without ever echoing the data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema


def schema_problems(schema: Mapping[str, Any] | None, value: Any, label: str) -> list[str]:
    """Readable problems of `value` against `schema`, each naming a field path, never a value."""
    if not schema:
        return []
    validator = jsonschema.Draft7Validator(_plain(schema))
    problems = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.path))):
        path = ".".join([label, *map(str, error.path)])
        problems.append(_describe(error, path))
    return problems


def json_type(value: Any) -> str:
    """The JSON type name of a value, for error messages that must not show the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _describe(error: jsonschema.ValidationError, path: str) -> str:
    if error.validator == "required":
        required: Any = error.validator_value
        instance: Any = error.instance or {}
        missing = [name for name in required if name not in instance]
        return "; ".join(f"{path}.{name} is required" for name in missing)
    if error.validator == "type":
        return f"{path} must be of type {error.validator_value}"
    if error.validator == "enum":
        return f"{path} must be one of the allowed values"
    return f"{path} does not satisfy '{error.validator}'"


def _plain(value: Any) -> Any:
    """MappingProxy-frozen schemas back to plain dicts for jsonschema."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
