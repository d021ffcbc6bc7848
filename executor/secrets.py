"""The whole secrets vocabulary: what a job's secrets are, every spelling they take, and redaction.

What is a secret is decided here and nowhere else, from what is known about a value:

* every credential value (strings and numbers), except properties *of* a secret (`token_type`,
  `expires_in`, `expires_at`) and addresses (`*Url`, `*Uri`, `*Endpoint`);
* connector and connection parameters (and credentials) that a schema marks `isSensitive`,
  `writeOnly` or `format: password`, at any depth of `properties`/`items`;
* values under secret-like names (`password`, `clientSecret`, `access_token`, `apiKey`, `code`...),
  at any depth, in inputs, token responses and the JSON or form bodies a job receives;
* the credential part of `Authorization`/`Cookie` headers a job sends (so a Basic header built in
  the script, base64 of `id:secret`, is known), cookie values a response sets.

A URL is never a secret because of the name it is held under (`tokenUri` names an address): its
userinfo password and its query values under secret-like names are. Only a schema hint makes a
whole URL a secret. Numbers are secrets where strings would be (a numeric PIN); booleans never.

Spellings: a secret is redacted as written and in every encoding our shims and Node's APIs give
it (`SPELLINGS`): encodeURIComponent, Python's quote (`%20`), form encoding (`+`), axios's param
encoding (`:`, `$`, `,` kept), the WHATWG URL parser's query, path and userinfo sets, JSON string
escaping (ASCII-only and not), and base64.

Short secrets (1-3 characters) are redacted only in exact-match contexts: where a whole string is
the secret, or a whole field value (`=abc` up to `&`, `#`, `;`, a quote, white space or the end).
Inside other text they are left: two characters occur by chance in almost any message ("ab" in
"table"), so redacting every occurrence would wreck messages and, by where the marks fall, spell
the secret out to the reader.

This module imports only `executor.transport.bodies` (the one body decoder), `executor.limits` and
`js_runtime.http`.
Nothing here is module-level mutable state: each job builds its own `Secrets`.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from executor.limits import LIMITS
from executor.transport.bodies import decode_body
from js_runtime.http import HttpRequest, HttpResponse

REDACTED = "[REDACTED]"
SHORT_SECRET = LIMITS.min_secret_chars  # secrets shorter than this are redacted in exact-match contexts only
MAX_DEPTH = 64  # nesting followed when looking for secrets (deeper input is refused elsewhere)
MAX_SCANNED_BODY = LIMITS.scanned_body_bytes  # bodies larger than this are not searched for tokens

_SECRET_WORDS = ("secret", "password", "passwd", "token", "apikey", "api_key", "api-key", "privatekey",
                 "private_key", "verifier", "assertion", "signature", "session", "cookie", "authorization",
                 "credential")
# Exact names. Not `code`: error bodies use it for error codes (`{"code": 404}`); an authorization
# code is known as a flow input (queryParameters.code) instead.
_SECRET_KEYS = frozenset({"key", "auth", "pin", "otp"})
# ...unless the name says it holds a property of the secret or an address, not the secret.
_PUBLIC_SUFFIXES = ("type", "_in", "expiresin", "_at", "expiresat", "url", "uri", "endpoint")
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_URL_START = re.compile(r"https?://", re.IGNORECASE)


# ---- names ----

def is_secret_key(key: str) -> bool:
    """Whether a field, parameter or header named `key` holds a secret value."""
    lowered = key.lower()
    if lowered.endswith(_PUBLIC_SUFFIXES):
        return False
    return lowered in _SECRET_KEYS or any(word in lowered for word in _SECRET_WORDS)


def is_public_key(key: str) -> bool:
    """Whether `key` names a property of a secret or an address (token_type, expires_at, tokenUri)."""
    return key.lower().endswith(_PUBLIC_SUFFIXES)


# ---- values ----

def is_url(value: str) -> bool:
    """An http(s) URL: requests are built from it, so it is not one secret."""
    return bool(_URL_START.match(value))


def url_secrets(url: str) -> list[str]:
    """The secrets a URL carries: its userinfo password and query values under secret-like names."""
    try:
        parts = urlsplit(url)
        found = [unquote(parts.password)] if parts.password else []
        found += [v for k, v in parse_qsl(parts.query, keep_blank_values=False) if is_secret_key(k)]
    except ValueError:
        return []
    return found


def scalars(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string and number inside a JSON value, numbers as text (booleans and null are not secrets)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield from number_texts(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from scalars(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from scalars(item, depth + 1)


def number_texts(number: int | float) -> tuple[str, ...]:
    """A number as Python and JavaScript print it (3.0 is "3" in JS)."""
    text = str(number)
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e21:
        return text, str(int(number))
    return (text,)


def secret_scalars(value: Any) -> Iterator[str]:
    """The secrets of a value known to be secret: its scalars, a URL giving only its own secrets."""
    for text in scalars(value):
        if is_url(text):
            yield from url_secrets(text)
        else:
            yield text


def values_under_secret_keys(value: Any, depth: int = 0) -> Iterator[str]:
    """Secrets held under secret-like names at any depth, and the secrets of every URL met."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if is_secret_key(str(key)):
                yield from secret_scalars(item)
            else:
                yield from values_under_secret_keys(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from values_under_secret_keys(item, depth + 1)
    elif isinstance(value, str) and is_url(value):
        yield from url_secrets(value)


def credential_values(credentials: Mapping[str, Any] | None, public: Collection[str] = ()) -> list[str]:
    """Every secret of a credentials object: all its values but those under public names and the
    `public` ones (see `declared_public`)."""
    found: list[str] = []
    for key, value in (credentials or {}).items():
        if is_public_key(str(key)):
            found.extend(values_under_secret_keys(value))
        else:
            found.extend(v for v in secret_scalars(value) if v not in public)
    return found


def declared_public(params: Mapping[str, Any] | None, schema: Mapping[str, Any] | None) -> frozenset[str]:
    """Values of top-level parameters that a schema declares without marking them sensitive and whose
    names are not secret-like (a region, a subdomain, an enum choice): known not to be secrets, also
    when they are copied into credentials (as the default getCredentialsFromConnectionParameters does)."""
    properties = (schema or {}).get("properties")
    if not isinstance(properties, Mapping) or not params:
        return frozenset()
    return frozenset(text for name, prop in properties.items()
                     if name in params and isinstance(prop, Mapping) and not is_sensitive_schema(prop)
                     and not is_secret_key(str(name)) and not isinstance(params[name], Mapping | list)
                     for text in scalars(params[name]))


def token_values(token_response: Mapping[str, Any]) -> list[str]:
    """The secrets of a token response (access, refresh and id tokens, token secrets...)."""
    return list(values_under_secret_keys(token_response))


# ---- schema hints ----

def is_sensitive_schema(schema: Any) -> bool:
    """Whether a property schema marks its value secret (`isSensitive`, `writeOnly`, `format: password`)."""
    return isinstance(schema, Mapping) and (
        schema.get("isSensitive") is True or schema.get("writeOnly") is True or schema.get("format") == "password")


def sensitive_values(value: Any, schema: Any, depth: int = 0) -> Iterator[str]:
    """The values a schema marks sensitive, following `properties` and `items` at any depth.
    A marked value is a secret whole, URL or not: the schema says so."""
    if depth > MAX_DEPTH or not isinstance(schema, Mapping):
        return
    if is_sensitive_schema(schema):
        yield from scalars(value)
        return
    properties = schema.get("properties")
    if isinstance(value, Mapping) and isinstance(properties, Mapping):
        for name, prop in properties.items():
            if name in value:
                yield from sensitive_values(value[name], prop, depth + 1)
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, Mapping):
        for item in value:
            yield from sensitive_values(item, items, depth + 1)


def sensitive_fields(schema: Mapping[str, Any] | None) -> frozenset[str]:
    """Top-level property names a schema marks sensitive."""
    props = (schema or {}).get("properties") or {}
    if not isinstance(props, Mapping):
        return frozenset()
    return frozenset(name for name, prop in props.items() if is_sensitive_schema(prop))


def input_secrets(
    *,
    credentials: Mapping[str, Any] | None = None,
    credentials_schemas: Iterable[Mapping[str, Any] | None] = (),
    connection_parameters: Mapping[str, Any] | None = None,
    connection_schema: Mapping[str, Any] | None = None,
    connector_parameters: Mapping[str, Any] | None = None,
    connector_schema: Mapping[str, Any] | None = None,
    flow_values: Iterable[Any] = (),
) -> list[str]:
    """Every secret of a job's input, in document order (credentials, parameters, then the token
    response, code verifier and authorization code given to a flow)."""
    public = (declared_public(connection_parameters, connection_schema)
              | declared_public(connector_parameters, connector_schema))
    found = credential_values(credentials, public)
    for schema in credentials_schemas:
        found.extend(sensitive_values(credentials or {}, schema))
    for params, schema in ((connection_parameters, connection_schema), (connector_parameters, connector_schema)):
        found.extend(sensitive_values(params or {}, schema))
        found.extend(values_under_secret_keys(params or {}))
    for value in flow_values:
        found.extend(secret_scalars(value))
    return found


def collect_secrets(**known: Any) -> Secrets:
    """`input_secrets` as a job's `Secrets`."""
    return Secrets().with_values(input_secrets(**known))


# ---- traffic ----

def secrets_in_body(body: bytes, content_type: str | None) -> list[str]:
    """Secrets a JSON or form body holds under secret-like names, at any depth (bodies over
    MAX_SCANNED_BODY are not read)."""
    if len(body) > MAX_SCANNED_BODY:
        return []
    return list(values_under_secret_keys(decode_body(body, content_type)))


def header_secrets(name: str, value: str) -> list[str]:
    """The secrets of a credential header: the whole value, the part after the scheme, cookie values."""
    lowered = name.lower()
    if lowered in ("cookie", "set-cookie"):
        parts = value.split(";") if lowered == "cookie" else value.split(";")[:1]
        return [value, *(p.split("=", 1)[1].strip() for p in parts if "=" in p)]
    scheme, _, credential = value.strip().partition(" ")
    if not credential or not scheme.isalpha():
        return [value]
    found = [value, credential.strip()]
    if scheme.lower() == "basic":  # the pair inside, as the script had it before encoding
        try:
            pair = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return found
        found.append(pair)
        found.append(pair.partition(":")[2])
    return found


def request_secrets(request: HttpRequest) -> list[str]:
    """Secrets a request carries: credential headers, secret-named headers, query and body fields."""
    found: list[str] = []
    for name, value in request.headers:
        if name.lower() in _CREDENTIAL_HEADERS or is_secret_key(name):
            found.extend(header_secrets(name, value))
    found.extend(url_secrets(request.url))
    if request.body and len(request.body) <= MAX_SCANNED_BODY:
        found.extend(values_under_secret_keys(decode_body(request.body, request.header("content-type"))))
    return found


def response_secrets(response: HttpResponse) -> list[str]:
    """Secrets a response carries: tokens in its body, cookie values it sets."""
    found = [s for name, value in response.headers if name.lower() == "set-cookie"
             for s in header_secrets(name, value)]
    found.extend(secrets_in_body(response.body, response.header("content-type")))
    return found


# ---- spellings ----

_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _escaped(char: str) -> str:
    """`char` as percent-escapes of its UTF-8 bytes (a lone surrogate as its own three bytes)."""
    return "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))


class _EscapeTable(dict[int, str]):
    """A str.translate table: ASCII code points mapped to themselves or their escape, as built; every
    other code point escaped on lookup (not stored: a hostile text must not grow the table)."""

    def __missing__(self, code: int) -> str:
        return _escaped(chr(code))


def _percent(safe: str, *, plus: bool = False) -> Callable[[str], str]:
    """Percent-encoding that keeps ASCII letters, digits and `safe` (and spells a space `+` when `plus`)."""
    keep = _ALNUM | frozenset(safe)
    table = _EscapeTable({c: chr(c) if chr(c) in keep else _escaped(chr(c)) for c in range(128)})
    if plus:
        table[ord(" ")] = "+"
    return lambda text: text.translate(table)


def _url_set(encoded: str) -> Callable[[str], str]:
    """The WHATWG URL parser's percent-encode sets: C0 controls, non-ASCII and `encoded`."""
    table = _EscapeTable({c: chr(c) if " " < chr(c) < "\x7f" and chr(c) not in encoded else _escaped(chr(c))
                          for c in range(128)})
    return lambda text: text.translate(table)


def _axios_param(text: str) -> str:
    return (_encode_uri_component(text).replace("%3A", ":").replace("%24", "$").replace("%2C", ",")
            .replace("%20", "+"))


def _json_escaped(ascii_only: bool) -> Callable[[str], str]:
    return lambda text: json.dumps(text, ensure_ascii=ascii_only)[1:-1]


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")


_encode_uri_component = _percent("-_.!~*'()")

SPELLINGS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("as written", lambda text: text),
    ("encodeURIComponent", _encode_uri_component),
    ("percent-encoded (%20)", _percent("-_.~")),                    # Python quote, urlencode(quote_via=quote)
    ("form-encoded (+)", _percent("*-._", plus=True)),               # URLSearchParams, axios form bodies
    ("quote_plus (+)", _percent("-_.~", plus=True)),                 # Python urlencode's default
    ("axios params", _axios_param),
    ("URL query", _url_set(" \"#<>'")),                              # new URL(...) and fetch() on a raw value
    ("URL path", _url_set(" \"#<>?`{}")),
    ("URL userinfo", _url_set(" \"#<>?`{}/:;=@[\\]^|")),
    ("JSON string", _json_escaped(ascii_only=False)),                # JSON.stringify
    ("JSON string, ASCII", _json_escaped(ascii_only=True)),          # Python json.dumps
    ("base64", _base64),                                             # btoa / Buffer toString('base64')
)


def base64_cores(value: str) -> list[str]:
    """The base64 characters that encode only `value`'s bytes, at each of the three alignments it can
    have inside a longer base64 text (as in `Basic base64(id:secret)`); 1-2 boundary characters mix
    with the neighbours' bits and are not part of the match."""
    data = value.encode("utf-8", "surrogatepass")
    cores = []
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + data + b"\0\0").decode("ascii")
        cores.append(encoded[-(-8 * k // 6):(8 * k + 8 * len(data)) // 6])
    return cores


# Characters that every encoding of SPELLINGS but base64 leaves as they are.
_UNCHANGED = re.compile(r"[A-Za-z0-9._-]*")


def spellings(value: str) -> dict[str, str]:
    """{spelling: encoding name} of `value` in every encoding of SPELLINGS (duplicates once)."""
    out: dict[str, str] = {}
    if _UNCHANGED.fullmatch(value):  # most tokens (JWTs, hex, base64url): two spellings
        out[value] = SPELLINGS[0][0]
        out.setdefault(_base64(value), "base64")
        return out
    for name, encode in SPELLINGS:
        try:
            out.setdefault(encode(value), name)
        except UnicodeEncodeError:
            continue
    return out


# Where a short secret may stand alone: after `=` up to a field's end (query, form, cookie).
_FIELD_END = r"(?=[&#;\s\"',]|\Z)"


def spelling_pattern(spellings_of: Iterable[str], *, short: Iterable[str] = ()) -> re.Pattern[str] | None:
    """One pattern matching every long spelling anywhere, and every `short` spelling as a whole
    text or a whole field value (`=...`). Longest first, one pass: nothing already replaced is
    matched again, and every occurrence is replaced."""
    long_first = sorted(set(spellings_of), key=lambda s: (-len(s), s))
    short_first = sorted(set(short), key=lambda s: (-len(s), s))
    parts = []
    if long_first:
        parts.append("|".join(map(re.escape, long_first)))
    if short_first:
        alternatives = "|".join(map(re.escape, short_first))
        parts.append(rf"\A(?:{alternatives})\Z|(?<==)(?:{alternatives}){_FIELD_END}")
    return re.compile("|".join(parts)) if parts else None


def pem_parts(value: str) -> list[str]:
    """For a PEM key (a service account's private key in the credentials): each base64 line of its
    body and the body joined (the DER as base64), which a script may log or throw on their own."""
    if "-----BEGIN" not in value:
        return []
    lines = [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("-----")]
    return [*(line for line in lines if len(line) >= 16), "".join(lines)] if lines else []


@dataclass(frozen=True)
class Secrets:
    """The secret values of one job (longest first), and their redaction."""

    values: tuple[str, ...] = ()

    def with_values(self, more: Iterable[str]) -> Secrets:
        """These secrets and `more` (empty strings are no secret)."""
        added = {v for v in more if v}
        if added <= set(self.values):
            return self
        return Secrets(tuple(sorted(added.union(self.values), key=lambda v: (-len(v), v))))

    @functools.cached_property
    def _forms(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Every spelling to redact: those matched anywhere, and the short ones (see the module docstring)."""
        long_forms: set[str] = set()
        short_forms: set[str] = set()
        for value in self.values:
            for form in spellings(value):
                (long_forms if len(form) >= SHORT_SECRET else short_forms).add(form)
            if len(value) >= SHORT_SECRET:  # a Basic header built in a script and never sent
                long_forms.update(core for core in base64_cores(value) if len(core) >= SHORT_SECRET)
            long_forms.update(pem_parts(value))
        return tuple(long_forms), tuple(short_forms)

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        long_forms, short_forms = self._forms
        return spelling_pattern(long_forms, short=short_forms)

    @functools.cached_property
    def _where_short(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The short spellings as whole texts, and as field values (`=` before them)."""
        short_forms = self._forms[1]
        return frozenset(short_forms), tuple(f"={form}" for form in short_forms)

    def _may_hold_one(self, text: str) -> bool:
        """False when no spelling can match in `text`: a substring search per spelling is far cheaper
        than compiling the pattern, which most texts (a job's log fields) never need."""
        whole, fields = self._where_short
        return (any(map(text.__contains__, self._forms[0])) or text in whole
                or any(map(text.__contains__, fields)))

    def redact(self, text: str) -> str:
        """`text` with every secret, in every spelling, replaced by [REDACTED]."""
        if not self.values or not self._may_hold_one(text):
            return text
        pattern = self._pattern
        return text if pattern is None else pattern.sub(REDACTED, text)

    def redact_value(self, value: Any, depth: int = 0) -> Any:
        """A JSON value with every string redacted (keys too), and every number that is a secret."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return REDACTED if any(t in self.values for t in number_texts(value)) else value
        if depth > MAX_DEPTH:
            return REDACTED if isinstance(value, list | dict) else value
        if isinstance(value, list | tuple):
            return [self.redact_value(v, depth + 1) for v in value]
        if isinstance(value, Mapping):
            return {self.redact(str(k)): self.redact_value(v, depth + 1) for k, v in value.items()}
        return value
