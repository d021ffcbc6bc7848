"""Typed connector objects: what spec.yml's `auth` section says once it has been validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from executor.formulas import Formula
from js_runtime.modules import ModuleCode

AUTH_TYPES = ("client-credentials", "oauth2", "oauth1", "proxy", "integration-app-token", "membrane-token")

# Every method slot the docs define, in the order a reader meets them.
METHOD_NAMES = (
    "getCredentialsFromConnectionParameters",
    "makeApiClient",
    "test",
    "refreshCredentials",
    "getOAuthConfig",
    "getTokenData",
    "getCredentialsFromTokenResponse",
    "getCredentialsFromAccessTokenResponse",
    "getCredentialsFromRefreshTokenResponse",
    "disconnect",
)

# Methods an auth option inherits from the top level when it does not define them itself.
INHERITED_BY_OPTIONS = ("makeApiClient", "test")

ImplementationType = Literal["javascript", "mapping", "rest-api-mapping", "not-supported"]
IMPLEMENTATION_TYPES: tuple[ImplementationType, ...] = ("javascript", "mapping", "rest-api-mapping", "not-supported")

SensitivePath = tuple[str, ...]
"""A path to a secret value in a job's variables: ("connectionParameters", "apiKey"), ("credentials",
"password"), ("connectorParameters", "clientSecret"); "*" stands for any list item or any member."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class MethodImpl:
    """One implemented method: a JS module or a compiled mapping, and where it came from."""

    name: str
    kind: ImplementationType
    source: str
    module: ModuleCode | None = None
    mapping: Formula | None = None
    response_handlers: Formula | None = None
    rest: RestRequest | None = None
    reason: str | None = None  # why a not-supported method is not supported


@dataclass(frozen=True)
class RestRequest:
    """A rest-api-mapping: one request through the connector's apiClient, judged by `response_mapping`.

    `path`, `method` and the request parts are formulas over the method's variables;
    `response_mapping` also sees `response` ({data, headers, statusCode}).
    """

    path: Formula
    method: Formula
    query: Formula | None
    headers: Formula | None
    data: Formula | None
    path_parameters: Formula | None
    response_mapping: Formula | None


@dataclass(frozen=True)
class AuthSpec:
    """The `auth` section (or one of its options)."""

    type: str
    title: str | None = None
    description: str | None = None
    ui_schema: Mapping[str, Any] | None = None
    help_uri: str | None = None
    custom_credentials_schema: Mapping[str, Any] | None = None
    credentials_schema: Mapping[str, Any] | None = None
    enabled: Formula | None = None  # an option's `enabled`, a formula over connectorParameters
    sensitive_paths: frozenset[SensitivePath] = frozenset()
    methods: Mapping[str, MethodImpl] = field(default_factory=lambda: _EMPTY)
    options: Mapping[str, AuthSpec] = field(default_factory=lambda: _EMPTY)

    def method(self, name: str) -> MethodImpl | None:
        """The implementation of `name`, or None when the connector relies on the default."""
        return self.methods.get(name)

    def is_enabled(self, connector_parameters: Mapping[str, Any]) -> bool:
        """Whether this option is enabled for these connector parameters (no `enabled`: always)."""
        if self.enabled is None:
            return True
        from executor.formulas.jsvalues import truthy

        return truthy(self.enabled.evaluate({"connectorParameters": dict(connector_parameters)}))


@dataclass(frozen=True)
class Connector:
    """A whole connector: identity, parameters schema and its auth."""

    key: str
    name: str
    auth: AuthSpec
    parameters_schema: Mapping[str, Any] | None = None
    content_hash: str = ""
    warnings: tuple[str, ...] = ()  # unknown keys in spec.yml, each naming the file and the key

    def enabled_options(self, connector_parameters: Mapping[str, Any]) -> list[str]:
        """The auth options enabled for these connector parameters."""
        return [key for key, option in self.auth.options.items() if option.is_enabled(connector_parameters)]

    def auth_for(self, option: str | None, connector_parameters: Mapping[str, Any] | None = None) -> AuthSpec:
        """The auth spec for `option` (None: the top level), with inherited methods filled in.

        Given the job's connector parameters, an option whose `enabled` is false is INVALID_INPUT.
        """
        if option is None:
            return self.auth
        from executor.errors import InvalidInput

        chosen = self.auth.options.get(option)
        if chosen is None:
            known = ", ".join(sorted(self.auth.options)) or "none"
            raise InvalidInput(f"unknown auth option '{option}' (options: {known})")
        if connector_parameters is not None and not chosen.is_enabled(connector_parameters):
            raise InvalidInput(f"auth option '{option}' is not enabled for these connector parameters")
        return chosen
