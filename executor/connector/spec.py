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

ImplementationType = Literal["javascript", "mapping"]

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


@dataclass(frozen=True)
class AuthSpec:
    """The `auth` section (or one of its options)."""

    type: str
    title: str | None = None
    description: str | None = None
    ui_schema: Mapping[str, Any] | None = None
    help_uri: str | None = None
    custom_credentials_schema: Mapping[str, Any] | None = None
    methods: Mapping[str, MethodImpl] = field(default_factory=lambda: _EMPTY)
    options: Mapping[str, AuthSpec] = field(default_factory=lambda: _EMPTY)

    def method(self, name: str) -> MethodImpl | None:
        """The implementation of `name`, or None when the connector relies on the default."""
        return self.methods.get(name)


@dataclass(frozen=True)
class Connector:
    """A whole connector: identity, parameters schema and its auth."""

    key: str
    name: str
    auth: AuthSpec
    parameters_schema: Mapping[str, Any] | None = None
    content_hash: str = ""

    def auth_for(self, option: str | None) -> AuthSpec:
        """The auth spec for `option` (None: the top level), with inherited methods filled in."""
        if option is None:
            return self.auth
        chosen = self.auth.options.get(option)
        if chosen is None:
            from executor.errors import InvalidInput

            known = ", ".join(sorted(self.auth.options)) or "none"
            raise InvalidInput(f"unknown auth option '{option}' (options: {known})")
        return chosen
