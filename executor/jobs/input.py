"""The job's input (the context of docs/contract.md §1), parsed once into a typed, frozen value.

OBJECT_FIELDS, STRING_FIELDS and ALIASES are the input's shape, written once: from_json parses with
them and the OpenAPI schema (executor.server.openapi) is derived from them.
May import: executor.errors, executor.secrets, executor.suggest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from executor.errors import InvalidInput
from executor.secrets import Secrets, collect_secrets
from executor.suggest import close_matches

# The documented keys of the input: JSON key -> attribute, objects then strings.
OBJECT_FIELDS: Mapping[str, str] = {
    "connectorParameters": "connector_parameters",
    "connectionParameters": "connection_parameters",
    "credentials": "credentials",
    "queryParameters": "query_parameters",
    "tokenResponse": "token_response",
}
STRING_FIELDS: Mapping[str, str] = {
    "redirectUri": "redirect_uri",
    "state": "state",
    "codeVerifier": "code_verifier",
    "expectedState": "expected_state",
}
# Older spellings accepted for a documented key.
ALIASES: Mapping[str, str] = {"connectionInput": "connectionParameters"}

KNOWN_KEYS = frozenset([*OBJECT_FIELDS, *STRING_FIELDS, *ALIASES])


def near_miss_keys(raw: Any) -> list[str]:
    """A warning for each top-level key of an input that is no documented key but close to one
    (`conectorParameters`): such a key is passed to scripts as it is, and the documented one is missing."""
    if not isinstance(raw, dict):
        return []
    warnings = []
    for key in raw:
        if key in KNOWN_KEYS or not isinstance(key, str):
            continue
        matches = close_matches(key, KNOWN_KEYS)
        if matches:
            warnings.append(f"input.{key}: not a documented input key (did you mean {matches[0]!r}?); "
                            "it is passed to scripts as it is")
    return warnings


@dataclass(frozen=True)
class JobInput:
    """What the caller gave a job. Unknown keys are kept in `extra` and passed to scripts as is."""

    connector_parameters: Mapping[str, Any] = field(default_factory=dict)
    connection_parameters: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, Any] | None = None
    query_parameters: Mapping[str, Any] = field(default_factory=dict)
    token_response: Mapping[str, Any] | None = None
    redirect_uri: str | None = None
    state: str | None = None
    code_verifier: str | None = None
    expected_state: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: Any) -> JobInput:
        """Validate the shape of a JSON input; InvalidInput names the offending key."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise InvalidInput("the job input must be a JSON object")
        raw = dict(raw)
        for alias, key in ALIASES.items():
            if alias in raw and key not in raw:
                raw[key] = raw.pop(alias)
        values: dict[str, Any] = {}
        for key, attr in OBJECT_FIELDS.items():
            value = raw.pop(key, None)
            if value is not None and not isinstance(value, dict):
                raise InvalidInput(f"input.{key} must be an object")
            if value is not None:
                values[attr] = value
        for key, attr in STRING_FIELDS.items():
            value = raw.pop(key, None)
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"input.{key} must be a string")
            values[attr] = value
        return cls(**values, extra=raw)

    def to_wire(self) -> dict[str, Any]:
        """This input as the worker pipe carries it (the fields by name, unset ones left out)."""
        return {name: value for name, value in self.__dict__.items() if value is not None}

    @classmethod
    def from_wire(cls, fields: Mapping[str, Any]) -> JobInput:
        """The inverse of to_wire, trusted: no validation (the edge that built it validated)."""
        return cls(**fields)

    def secrets(self, *, connection_schema: Mapping[str, Any] | None,
                connector_schema: Mapping[str, Any] | None,
                credentials_schemas: tuple[Mapping[str, Any] | None, ...] = ()) -> Secrets:
        """Every value of this input that must never reach a log line or an error message (decided by
        executor.secrets): credentials, sensitive parameters, the token response, the PKCE code
        verifier and the authorization code."""
        return collect_secrets(
            credentials=self.credentials,
            credentials_schemas=credentials_schemas,
            connection_parameters=self.connection_parameters,
            connection_schema=connection_schema,
            connector_parameters=self.connector_parameters,
            connector_schema=connector_schema,
            flow_values=[v for v in (self.token_response, self.code_verifier, self.query_parameters.get("code")) if v],
        )

    def base_context(self) -> dict[str, Any]:
        """The context every method receives (extra keys first, so documented ones win)."""
        context = dict(self.extra)
        context["connectorParameters"] = dict(self.connector_parameters)
        context["connectionParameters"] = dict(self.connection_parameters)
        context["connectionInput"] = context["connectionParameters"]
        if self.credentials is not None:
            context["credentials"] = dict(self.credentials)
        return context
