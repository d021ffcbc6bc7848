"""The job's input (the context of docs/contract.md §1), parsed once into a typed, frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from executor.errors import InvalidInput
from executor.secrets import Secrets, collect_secrets
from executor.suggest import close_matches

_OBJECT_FIELDS = {
    "connectorParameters": "connector_parameters",
    "connectionParameters": "connection_parameters",
    "credentials": "credentials",
    "queryParameters": "query_parameters",
    "tokenResponse": "token_response",
}
_STRING_FIELDS = {
    "redirectUri": "redirect_uri",
    "state": "state",
    "codeVerifier": "code_verifier",
    "expectedState": "expected_state",
}

KNOWN_KEYS = frozenset([*_OBJECT_FIELDS, *_STRING_FIELDS, "connectionInput"])


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
        if "connectionInput" in raw and "connectionParameters" not in raw:
            raw["connectionParameters"] = raw.pop("connectionInput")
        values: dict[str, Any] = {}
        for key, attr in _OBJECT_FIELDS.items():
            value = raw.pop(key, None)
            if value is not None and not isinstance(value, dict):
                raise InvalidInput(f"input.{key} must be an object")
            if value is not None:
                values[attr] = value
        for key, attr in _STRING_FIELDS.items():
            value = raw.pop(key, None)
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"input.{key} must be a string")
            values[attr] = value
        return cls(**values, extra=raw)

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
