"""executor.secrets: what is a secret, every spelling of one, and redaction.

Each test names the behaviour a user would notice when it broke (a secret in clear in an error
message, a log line or a fixture). The encodings are checked against Node.js itself, the
reference for what connector code produces, when `node` is on the machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from executor.jobs.input import JobInput
from executor.secrets import (
    REDACTED,
    SPELLINGS,
    Secrets,
    collect_secrets,
    credential_values,
    input_secrets,
    is_secret_key,
    request_secrets,
    response_secrets,
    secrets_in_body,
    spellings,
    token_values,
)
from js_runtime.http import HttpRequest, HttpResponse

HOSTILE = "Sk:live/2024$key (a+b)!~*'\"é&="


def secrets_of(**known: Any) -> set[str]:
    return set(collect_secrets(**known).values)


# ---- what is a secret ----

@pytest.mark.parametrize("key", ["password", "clientSecret", "access_token", "refresh_token", "apiKey", "api_key",
                                 "X-Api-Key", "oauth_token_secret", "id_token", "code_verifier", "key", "pin"])
def test_secret_names(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["tokenUri", "tokenUrl", "token_endpoint", "token_type", "expires_in", "expires_at",
                                 "expiresAt", "clientId", "email", "scope", "code", "redirect_uri"])
def test_names_of_addresses_and_properties_are_not_secret(key: str) -> None:
    assert not is_secret_key(key)


def test_a_url_is_not_a_secret_because_its_key_says_token() -> None:
    found = secrets_of(connector_parameters={"tokenUri": "https://auth.example.com/oauth2/token",
                                             "clientSecret": "cs-1234"})
    assert found == {"cs-1234"}
    message = Secrets().with_values(found).redact("POST https://auth.example.com/oauth2/token returned 500")
    assert message == "POST https://auth.example.com/oauth2/token returned 500"


def test_a_urls_query_values_under_secret_names_and_its_password_are_secrets() -> None:
    found = secrets_of(credentials={"instance_url": "https://u:pa55word@x.test/p?api_key=qk-9876&page=2"})
    assert found == {"pa55word", "qk-9876"}


@pytest.mark.parametrize("hint", [{"isSensitive": True}, {"writeOnly": True}, {"format": "password"}])
@pytest.mark.parametrize("where", ["connector_parameters", "connection_parameters"])
def test_schema_hints_make_parameters_secret(hint: dict[str, Any], where: str) -> None:
    schema = {"type": "object", "properties": {"tenant": {"type": "string", **hint},
                                               "nested": {"type": "object",
                                                          "properties": {"deep": {"type": "string", **hint}}}}}
    params = {"tenant": "acme-tenant-7", "nested": {"deep": "https://hook.test/x"}, "region": "eu-west-1"}
    schema_key = "connector_schema" if where == "connector_parameters" else "connection_schema"
    found = secrets_of(**{where: params, schema_key: schema})
    assert found == {"acme-tenant-7", "https://hook.test/x"}  # a URL the schema marks is secret whole
    assert secrets_of(**{where: params}) == set()


def test_schema_hints_in_credentials_schemas_mark_public_looking_credentials() -> None:
    credentials = {"expires_at": 1700000000000, "instanceUrl": "https://acme.my.example.test"}
    assert credential_values(credentials) == []
    schema = {"properties": {"instanceUrl": {"type": "string", "isSensitive": True}}}
    assert secrets_of(credentials=credentials, credentials_schemas=[schema]) == {"https://acme.my.example.test"}


def test_job_input_reads_the_schemas_it_is_given() -> None:
    job_input = JobInput.from_json({"connectionParameters": {"tenant": "acme-tenant-7"}})
    schema = {"properties": {"tenant": {"isSensitive": True}}}
    assert job_input.secrets(connection_schema=schema, connector_schema=None).values == ("acme-tenant-7",)
    assert job_input.secrets(connection_schema=None, connector_schema=None).values == ()


def test_numbers_are_secrets_where_strings_would_be() -> None:
    found = secrets_of(credentials={"pin": 4821, "accountId": 7.0, "enabled": True, "token_type": "Bearer"})
    assert found == {"4821", "7.0", "7"}
    secrets = Secrets().with_values(found)
    assert secrets.redact("pin 4821 refused") == f"pin {REDACTED} refused"
    assert secrets.redact_value({"status": 4821, "ok": True}) == {"status": REDACTED, "ok": True}


def test_token_values_are_the_secret_ones() -> None:
    values = token_values({"access_token": "a-tok", "refresh_token": "r-tok", "id_token": "i-tok",
                           "token_type": "Bearer", "scope": "read write", "expires_in": 60,
                           "oauth_token_secret": "s-tok"})
    assert sorted(values) == ["a-tok", "i-tok", "r-tok", "s-tok"]


def test_flow_inputs_are_secrets() -> None:
    found = input_secrets(flow_values=[{"access_token": "at-1", "token_type": "bearer"}, "verifier-1", "code-1"])
    assert set(found) == {"at-1", "bearer", "verifier-1", "code-1"}


# ---- learning from traffic ----

TOKEN = "tok-Learned-5f4e3d"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; "
                                          "charset=utf-8", None, "text/plain"])
def test_form_encoded_token_bodies_are_read(content_type: str | None) -> None:
    assert TOKEN in secrets_in_body(f"access_token={TOKEN}&token_type=bearer".encode(), content_type)


def test_form_typed_bodies_are_read_as_forms_even_with_raw_spaces() -> None:
    body = f"access_token={TOKEN}&scope=read write".encode()
    assert secrets_in_body(body, "application/x-www-form-urlencoded") == [TOKEN]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/octet-stream", "application/json",
                                          "application/vnd.api+json"])
def test_untyped_and_mistyped_json_bodies_are_sniffed(content_type: str | None) -> None:
    body = json.dumps({"access_token": TOKEN}).encode()
    assert secrets_in_body(body, content_type) == [TOKEN]


def test_tokens_nested_deep_in_a_body_are_found() -> None:
    body: Any = {"access_token": TOKEN}
    for depth in range(30):
        body = {"data": [body]} if depth % 2 else {"result": body}
    assert secrets_in_body(json.dumps(body).encode(), "application/json") == [TOKEN]


def test_html_and_text_bodies_give_no_secrets() -> None:
    assert secrets_in_body(b"<html>access_token=x</html>", "text/html") == []
    assert secrets_in_body(b"just text", None) == []


def test_requests_teach_their_credential_headers_and_fields() -> None:
    basic = "Basic Y2lkLTE6Y3MtVmVyeS1TZWNyZXQ="  # base64 of cid-1:cs-Very-Secret, as a script's btoa builds it
    request = HttpRequest("POST", "https://x.test/t?api_key=qk-1&page=2", (("Authorization", basic),),
                          b'{"password": "pw-1234", "name": "ann"}')
    found = set(request_secrets(request))
    assert {basic, "Y2lkLTE6Y3MtVmVyeS1TZWNyZXQ=", "cs-Very-Secret", "qk-1", "pw-1234"} <= found
    assert "ann" not in found and "2" not in found


def test_responses_teach_cookies_and_tokens() -> None:
    response = HttpResponse(200, "OK", (("Set-Cookie", "sid=s3ss10n; Path=/"), ("Content-Type", "application/json")),
                            json.dumps({"refresh_token": TOKEN}).encode(), "https://x.test")
    assert {"s3ss10n", TOKEN} <= set(response_secrets(response))


# ---- redaction ----

def test_every_occurrence_is_redacted() -> None:
    secrets = Secrets().with_values(["s3cret-value"])
    assert secrets.redact("a s3cret-value b s3cret-value c s3cret-value") == f"a {REDACTED} b {REDACTED} c {REDACTED}"


@pytest.mark.parametrize("secret", ["abcd", "abcde12", "a1b2c3d"])
def test_secrets_of_four_to_seven_characters_are_redacted_anywhere(secret: str) -> None:
    assert Secrets().with_values([secret]).redact(f"bad key x{secret}y") == f"bad key x{REDACTED}y"


@pytest.mark.parametrize("secret", ["a", "ab", "a1c"])
def test_short_secrets_are_redacted_in_exact_match_contexts_only(secret: str) -> None:
    secrets = Secrets().with_values([secret])
    assert secrets.redact(secret) == REDACTED
    assert secrets.redact(f"GET https://x.test/?api_key={secret}&page=2") == f"GET https://x.test/?api_key={REDACTED}&page=2"
    assert secrets.redact(f"k={secret}") == f"k={REDACTED}"
    assert secrets.redact_value({"detail": secret}) == {"detail": REDACTED}
    # inside words they stay: redacting them would wreck the text and point at the secret
    assert secrets.redact(f"table{secret}x and {secret}z") == f"table{secret}x and {secret}z"


def test_redaction_is_one_pass_longest_first() -> None:
    secrets = Secrets().with_values(["DACT", "long-secret-DACT"])
    assert secrets.redact("long-secret-DACT DACT") == f"{REDACTED} {REDACTED}"  # [REDACTED] itself is not re-matched


def test_keys_are_redacted_too() -> None:
    assert Secrets().with_values(["k3y-as-name"]).redact_value({"k3y-as-name": 1}) == {REDACTED: 1}


def test_python_percent_encoding_with_percent_20_is_redacted() -> None:
    # urllib's quote (how the executor's own OAuth requests encode): %20 for a space, `!()*'` encoded,
    # which no JavaScript encoding produces.
    secret = "Sk(live) key!"
    assert "Sk%28live%29%20key%21" in spellings(secret)
    assert Secrets().with_values([secret]).redact("x?k=Sk%28live%29%20key%21") == f"x?k={REDACTED}"


@pytest.mark.parametrize("spelled", [
    "Sk:live%2F2024$key",               # axios's param encoding (issue example)
    "Sk(live)%2F2024!key",              # encodeURIComponent of Sk(live)/2024!key
])
def test_issue_spellings_are_redacted(spelled: str) -> None:
    secret = "Sk:live/2024$key" if "$" in spelled else "Sk(live)/2024!key"
    assert Secrets().with_values([secret]).redact(f"GET https://x.test/?key={spelled} failed") == \
        f"GET https://x.test/?key={REDACTED} failed"


NODE_ENCODINGS = r"""
const s = process.argv[1];
const u = new URL('https://x.test/p');
u.searchParams.set('k', s);
const raw = new URL('https://x.test/' + s + '?' + s);
out = {
  encodeURIComponent: encodeURIComponent(s),
  URLSearchParams: new URLSearchParams({k: s}).toString().slice(2),
  searchParams: u.search.slice(3),
  rawQuery: raw.search.slice(1),
  rawPath: raw.pathname.slice(1),
  JSON: JSON.stringify(s).slice(1, -1),
  base64: Buffer.from(s).toString('base64'),
  btoaLatin: btoa(unescape(encodeURIComponent(s))),
  axiosParams: encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%24/g, '$').replace(/%2C/gi, ',')
    .replace(/%20/g, '+'),
};
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node (the reference) is not installed")
@pytest.mark.parametrize("secret", [HOSTILE, "p@ss word1<>`{}|^", "Sk:live/2024$key", "ünï cødé ✓ 𝄞"])
def test_every_encoding_node_produces_is_redacted(secret: str) -> None:
    encoded = json.loads(subprocess.run(["node", "-e", NODE_ENCODINGS, secret], capture_output=True, text=True,
                                        check=True, timeout=30).stdout)
    secrets = Secrets().with_values([secret])
    for name, spelled in encoded.items():
        assert secrets.redact(f"<{spelled}>") == f"<{REDACTED}>", name


# ---- fixture placeholders use the same vocabulary ----

def test_placeholders_replace_short_secrets_where_they_stand_whole() -> None:
    from executor.replay.placeholders import Placeholders

    placeholders = Placeholders()
    placeholders.add(["ab", "Sk:live/2024$key"])
    applied = placeholders.apply({"key": "ab", "url": "https://x.test/?key=ab&q=Sk:live%2F2024$key", "word": "tab",
                                  "pin": 4821})
    # each spelling of a secret becomes the same spelling of its placeholder (axios's, here)
    assert applied == {"key": "<<secret:1>>", "url": "https://x.test/?key=<<secret:1>>&q=%3C%3Csecret:2%3E%3E",
                       "word": "tab", "pin": 4821}
    placeholders.add(["4821"])
    assert placeholders.apply({"pin": 4821}) == {"pin": "<<secret:3>>"}


def test_each_line_of_a_pem_key_and_its_joined_body_are_redacted() -> None:
    body = ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDu",
            "ictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSn"]
    pem = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END PRIVATE KEY-----\n"
    secrets = Secrets().with_values([pem])
    assert secrets.redact(f"bad line {body[1]} here") == "bad line [REDACTED] here"
    assert "VJTUt9Us8c" not in secrets.redact("der=" + "".join(body))
    assert secrets.redact("-----BEGIN PRIVATE KEY-----") == "-----BEGIN PRIVATE KEY-----"  # the armour is public


# ---- the fast paths agree with the plain definitions ----
# Spellings are computed with translation tables, tokens made only of letters, digits, `.`, `_` and `-`
# skip the encodings that leave them unchanged, and a text is searched with the compiled pattern only
# when one spelling occurs in it. Each is checked here against the plain definition on generated text.

def _reference_escape(char: str) -> str:
    return "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))


def _reference_percent(safe: str, plus: bool = False) -> Any:
    keep = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + safe)
    return lambda text: "".join(c if c in keep else "+" if plus and c == " " else _reference_escape(c) for c in text)


def _reference_url_set(encoded: str) -> Any:
    return lambda text: "".join(c if " " < c < "\x7f" and c not in encoded else _reference_escape(c) for c in text)


REFERENCE_ENCODINGS = {
    "encodeURIComponent": _reference_percent("-_.!~*'()"),
    "percent-encoded (%20)": _reference_percent("-_.~"),
    "form-encoded (+)": _reference_percent("*-._", plus=True),
    "quote_plus (+)": _reference_percent("-_.~", plus=True),
    "URL query": _reference_url_set(" \"#<>'"),
    "URL path": _reference_url_set(" \"#<>?`{}"),
    "URL userinfo": _reference_url_set(" \"#<>?`{}/:;=@[\\]^|"),
}
_ALPHABETS = ["abcXYZ019", "-_.", " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}~", "\x00\x1f\x7f", "éü✓中", "\U0001d11e",
              "\ud800\udfff"]


def _generated(rng: Any, n: int) -> list[str]:
    texts = []
    for _ in range(n):
        alphabet = "".join(rng.sample(_ALPHABETS, rng.randint(1, len(_ALPHABETS))))
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))))
    return texts


def test_spellings_agree_with_the_plain_encoders_on_generated_text() -> None:
    import random

    encoders = dict(SPELLINGS)
    for text in _generated(random.Random(7), 3000):
        for name, reference in REFERENCE_ENCODINGS.items():
            assert encoders[name](text) == reference(text), (name, text)
        full: dict[str, str] = {}
        for name, encode in SPELLINGS:
            try:
                full.setdefault(encode(text), name)
            except UnicodeEncodeError:
                continue
        assert spellings(text) == full, text


def test_redaction_searches_with_the_pattern_only_where_a_spelling_occurs() -> None:
    import random

    rng = random.Random(11)
    values = _generated(rng, 400)
    for i in range(0, 400, 4):
        secrets = Secrets().with_values(values[i:i + 4])
        pattern = secrets._pattern  # noqa: SLF001 - the plain definition: one pass of the whole pattern
        forms = [form for value in secrets.values for form in spellings(value)]
        for _ in range(8):
            parts = [rng.choice([*forms, *_generated(rng, 3)]) if forms else "" for _ in range(rng.randint(1, 4))]
            text = rng.choice(["", "=", " ", "&k=", "x"]).join(parts)
            expected = text if pattern is None else pattern.sub(REDACTED, text)
            assert secrets.redact(text) == expected, (secrets.values, text)
