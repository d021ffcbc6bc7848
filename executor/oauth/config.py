"""What getOAuthConfig returns, parsed once into frozen values (OAuth2Config, OAuth1Config).

Parsing happens at the edge: flows never look keys up in the raw output. Problems raise
InvalidOutput naming the field and the JSON type found, never a value (values may be secrets).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from executor.connector.schemas import json_type
from executor.errors import InvalidOutput

METHOD = "getOAuthConfig"

ClientAuthLocation = Literal["headers", "body"] | None
CLIENT_AUTH_LOCATIONS = ("headers", "body")
OAUTH1_SIGNATURE_METHODS = ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT")

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class OAuth2Config:
    """An OAuth2 client configuration. `client_auth_location` None means both headers and body."""

    client_id: str
    authorize_uri: str | None = None
    token_uri: str | None = None
    client_secret: str | None = None
    scopes: tuple[str, ...] = ()
    client_auth_location: ClientAuthLocation = None
    no_refresh_token: bool = False
    skip_pkce: bool = False
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @classmethod
    def from_output(cls, raw: Any) -> OAuth2Config:
        """Parse getOAuthConfig's output; InvalidOutput names a missing or mistyped field."""
        data = _object(raw)
        location = data.get("clientAuthLocation")
        if location is not None and location not in CLIENT_AUTH_LOCATIONS:
            raise _invalid("clientAuthLocation", "must be 'headers', 'body' or absent (both)")
        return cls(
            client_id=_required_text(data, "clientId"),
            client_secret=_optional_text(data, "clientSecret"),
            authorize_uri=_optional_text(data, "authorizeUri"),
            token_uri=_optional_text(data, "tokenUri"),
            scopes=_scopes(data.get("scopes")),
            client_auth_location=location,
            no_refresh_token=_flag(data, "noRefreshToken"),
            skip_pkce=_flag(data, "skipPkce"),
            extra=_extra(data.get("extra")),
        )

    def require_authorize_uri(self) -> str:
        """The authorize endpoint, or InvalidOutput when the config has none."""
        if not self.authorize_uri:
            raise _invalid("authorizeUri", "is missing")
        return self.authorize_uri

    def require_token_uri(self) -> str:
        """The token endpoint, or InvalidOutput when the config has none."""
        if not self.token_uri:
            raise _invalid("tokenUri", "is missing")
        return self.token_uri

    def secret_values(self) -> tuple[str, ...]:
        """Values of this config that must be redacted from logs and errors."""
        return (self.client_secret,) if self.client_secret else ()


@dataclass(frozen=True)
class OAuth1Config:
    """An OAuth 1.0a (RFC 5849) consumer configuration."""

    consumer_key: str
    consumer_secret: str
    request_token_uri: str
    authorize_uri: str
    token_uri: str
    signature_method: str = "HMAC-SHA1"
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @classmethod
    def from_output(cls, raw: Any) -> OAuth1Config:
        """Parse getOAuthConfig's output for an oauth1 connector."""
        data = _object(raw)
        method = _optional_text(data, "signatureMethod") or "HMAC-SHA1"
        if method.upper() not in OAUTH1_SIGNATURE_METHODS:
            raise _invalid("signatureMethod", "must be one of " + ", ".join(OAUTH1_SIGNATURE_METHODS))
        return cls(
            consumer_key=_required_text(data, "consumerKey"),
            consumer_secret=_required_text(data, "consumerSecret"),
            request_token_uri=_required_text(data, "requestTokenUri"),
            authorize_uri=_required_text(data, "authorizeUri"),
            token_uri=_required_text(data, "tokenUri"),
            signature_method=method.upper(),
            extra=_extra(data.get("extra")),
        )

    def secret_values(self) -> tuple[str, ...]:
        return (self.consumer_secret,)




def _invalid(key: str, problem: str) -> InvalidOutput:
    return InvalidOutput(f"{METHOD} returned an unusable config: {key} {problem}")


def _object(raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidOutput(f"{METHOD} must return an object, got {json_type(raw)}")
    return raw


def _text(value: Any) -> str | None:
    # A numeric client id (common in JSON parameters) is taken as its decimal text.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _required_text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or value == "":
        raise _invalid(key, "is missing")
    text = _text(value)
    if text is None:
        raise _invalid(key, f"must be a string, got {json_type(value)}")
    return text


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    text = _text(value)
    if text is None:
        raise _invalid(key, f"must be a string, got {json_type(value)}")
    return text


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _invalid(key, f"must be a boolean, got {json_type(value)}")
    return value


def _scopes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return tuple(s for s in value if s)
    raise _invalid("scopes", f"must be a list of strings or a space-separated string, got {json_type(value)}")


def _extra(value: Any) -> Mapping[str, str]:
    if value is None:
        return _EMPTY
    if not isinstance(value, Mapping):
        raise _invalid("extra", f"must be an object, got {json_type(value)}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if item is None:
            continue  # an unset formula drops the parameter, as it drops an object member
        if isinstance(item, bool):
            out[str(key)] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            out[str(key)] = str(item)
        else:
            raise _invalid(f"extra.{key}", f"must be a string, number or boolean, got {json_type(item)}")
    return MappingProxyType(out)
