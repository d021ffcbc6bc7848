"""crypto on both engines, used as connector authors use it, against a local server that checks the
result with Python's own libraries (PyJWT and cryptography, hashlib/hmac), never with our code.

Keys are generated per test run by `cryptography`; none is stored in the repository. The hostile
cases check that each ends within the job's limits with the right error and that no key material
reaches an error message or a log line. Node 20 agreement is tests/differential/corpus_crypto.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.parse
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from executor.errors import JobTimeout, ScriptError
from js_runtime.crypto_service import crypto_service, serve_crypto
from js_runtime.limits import Limits
from js_runtime.modules import load_module
from js_runtime.prelude import prelude_for, units_for

_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_EC = ec.generate_private_key(ec.SECP256R1())


def _pkcs8(key: Any) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


RSA_PEM, EC_PEM = _pkcs8(_RSA), _pkcs8(_EC)
RSA_PKCS1_PEM = _RSA.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                   serialization.NoEncryption()).decode()


def _key_body(pem: str) -> str:
    """A long stretch of the key's base64, to look for in errors and logs."""
    return "".join(pem.splitlines()[1:-1])[40:100]


def _token_route(api_server: Any, algorithm: str, public_key: Any, seen: list[dict[str, Any]]) -> None:
    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        claims = jwt.decode(str(form["assertion"]), public_key, algorithms=[algorithm], audience=api_server.base + "/token")
        seen.append(claims)
        return web.json_response({"access_token": "token-for-" + claims["iss"], "token_type": "Bearer"})
    api_server.route("POST", "/token", token)


JWT_HELPERS = """
const b64url = (s) => Buffer.from(s).toString('base64url');
function unsignedJwt(alg, iss, aud) {
  const now = Math.floor(Date.now() / 1000);
  return b64url(JSON.stringify({ alg, typ: 'JWT' })) + '.' +
    b64url(JSON.stringify({ iss, sub: iss, aud, iat: now, exp: now + 300, jti: crypto.randomUUID() }));
}
async function exchange(tokenUrl, assertion) {
  const response = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString() });
  return (await response.json()).access_token;
}
"""


async def test_jwt_bearer_rs256_with_create_sign(run_js, api_server):
    seen: list[dict[str, Any]] = []
    _token_route(api_server, "RS256", _RSA.public_key(), seen)
    source = "const crypto = require('crypto');" + JWT_HELPERS + """
module.exports = { run: async ({ key, base }) => {
  const unsigned = unsignedJwt('RS256', 'svc@example.iam', base + '/token');
  const signature = crypto.createSign('RSA-SHA256').update(unsigned).sign(key, 'base64url');
  return exchange(base + '/token', unsigned + '.' + signature);
} };"""
    result = await run_js(source, {"key": RSA_PKCS1_PEM, "base": api_server.base})
    assert result.error is None, result.error
    assert result.output == "token-for-svc@example.iam"
    assert seen[0]["sub"] == "svc@example.iam"


async def test_jwt_bearer_rs256_with_subtle(run_js, api_server):
    seen: list[dict[str, Any]] = []
    _token_route(api_server, "RS256", _RSA.public_key(), seen)
    source = JWT_HELPERS + """
export default async function run({ key, base }) {
  const der = Uint8Array.from(atob(key.replace(/-----[^-]+-----|\\s/g, '')), (c) => c.charCodeAt(0));
  const privateKey = await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const unsigned = unsignedJwt('RS256', 'subtle@example.iam', base + '/token');
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, new TextEncoder().encode(unsigned));
  return exchange(base + '/token', unsigned + '.' + Buffer.from(signature).toString('base64url'));
}"""
    result = await run_js(source, {"key": RSA_PEM, "base": api_server.base})
    assert result.error is None, result.error
    assert result.output == "token-for-subtle@example.iam"


async def test_jwt_bearer_es256_with_crypto_sign(run_js, api_server):
    seen: list[dict[str, Any]] = []
    _token_route(api_server, "ES256", _EC.public_key(), seen)
    source = "import { sign, randomUUID } from 'node:crypto';\nconst crypto = { randomUUID };" + JWT_HELPERS + """
export default async function run({ key, base }) {
  const unsigned = unsignedJwt('ES256', 'ec@example.iam', base + '/token');
  const signature = sign('sha256', Buffer.from(unsigned), { key, dsaEncoding: 'ieee-p1363' });
  return exchange(base + '/token', unsigned + '.' + signature.toString('base64url'));
}"""
    result = await run_js(source, {"key": EC_PEM, "base": api_server.base})
    assert result.error is None, result.error
    assert result.output == "token-for-ec@example.iam"


def _sigv4_expected(request_method: str, path: str, query: str, headers: dict[str, str], body: bytes,
                    secret: str, region: str, service: str) -> str:
    """AWS Signature Version 4, written here from the AWS documentation, independent of the connector."""
    auth = headers["Authorization"]
    signed = re.search(r"SignedHeaders=([^,]+)", auth).group(1).split(";")  # type: ignore[union-attr]
    amz_date = headers["X-Amz-Date"]
    canonical_query = "&".join(sorted(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                                      for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)))
    canonical = "\n".join([request_method, path, canonical_query,
                           "".join(f"{h}:{headers[h].strip()}\n" for h in signed), ";".join(signed),
                           hashlib.sha256(body).hexdigest()])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{secret}".encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


async def test_aws_signature_v4_request(run_js, api_server):
    checked: list[bool] = []

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        headers.update({"Authorization": request.headers["Authorization"], "X-Amz-Date": request.headers["X-Amz-Date"]})
        expected = _sigv4_expected(request.method, request.path, request.query_string, headers, body,
                                   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "eu-west-1", "execute-api")
        got = re.search(r"Signature=([0-9a-f]{64})", request.headers["Authorization"]).group(1)  # type: ignore[union-attr]
        checked.append(hmac.compare_digest(expected, got))
        return web.json_response({"ok": checked[-1]}, status=200 if checked[-1] else 403)
    api_server.route("POST", "/prod/items", handler)
    source = """
const crypto = require('crypto');
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const hmacOf = (key, s) => crypto.createHmac('sha256', key).update(s).digest();
module.exports = async function run({ base, accessKey, secretKey }) {
  const url = new URL(base + '/prod/items?b=2&a=x y');
  const body = JSON.stringify({ name: 'thing' });
  const amzDate = new Date().toISOString().replace(/[:-]|\\.\\d{3}/g, '');
  const day = amzDate.slice(0, 8), scope = `${day}/eu-west-1/execute-api/aws4_request`;
  const headers = { host: url.host, 'x-amz-date': amzDate, 'content-type': 'application/json' };
  const signedHeaders = Object.keys(headers).sort().join(';');
  const query = [...url.searchParams].map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)])
    .sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => k + '=' + v).join('&');
  const canonical = ['POST', url.pathname, query, Object.keys(headers).sort().map((h) => h + ':' + headers[h] + '\\n').join(''),
    signedHeaders, sha256(body)].join('\\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\\n');
  let key = hmacOf('AWS4' + secretKey, day);
  for (const part of ['eu-west-1', 'execute-api', 'aws4_request']) key = hmacOf(key, part);
  const signature = crypto.createHmac('sha256', key).update(toSign).digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  const response = await fetch(url, { method: 'POST', body, headers: { ...headers, authorization } });
  return response.status;
};"""
    context = {"base": api_server.base, "accessKey": "AKIDEXAMPLE", "secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
    result = await run_js(source, context)
    assert result.error is None, result.error
    assert checked == [True]
    assert result.output == 200


async def test_hmac_signed_request_with_timestamp(run_js, api_server):
    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        stamp = request.headers["X-Timestamp"]
        expected = hmac.new(b"webhook-secret", f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        fresh = abs(time.time() - int(stamp)) < 60
        ok = fresh and hmac.compare_digest(expected, request.headers["X-Signature"])
        return web.json_response({"ok": ok}, status=200 if ok else 401)
    api_server.route("POST", "/events", handler)
    source = """
import crypto from 'crypto';
import axios from 'axios';
export default async function run({ base, secret }) {
  const body = JSON.stringify({ event: 'ping', at: 1 });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const response = await axios.post(base + '/events', body, { headers: { 'X-Timestamp': timestamp, 'X-Signature': signature, 'Content-Type': 'application/json' } });
  return response.data;
}"""
    result = await run_js(source, {"base": api_server.base, "secret": "webhook-secret"})
    assert result.error is None, result.error
    assert result.output == {"ok": True}


async def test_pkce_challenge_and_nonces(run_js, api_server):
    api_server.reply("POST", "/authorize", json_body={})
    source = """
const crypto = require('crypto');
exports.run = async ({ base }) => {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const nonces = Array.from({ length: 20 }, () => crypto.randomUUID());
  const words = Array.from(globalThis.crypto.getRandomValues(new Uint32Array(64)));
  await fetch(base + '/authorize', { method: 'POST', body: JSON.stringify({ verifier, challenge, nonces, words }) });
  return 'sent';
};"""
    first = await run_js(source, {"base": api_server.base})
    second = await run_js(source, {"base": api_server.base})
    assert first.error is None and second.error is None, (first.error, second.error)
    a, b = (received.json() for received in api_server.received)
    digest = base64.urlsafe_b64encode(hashlib.sha256(a["verifier"].encode()).digest()).rstrip(b"=").decode()
    assert a["challenge"] == digest
    assert len(base64.urlsafe_b64decode(a["verifier"] + "=")) == 32
    uuid4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    assert all(uuid4.match(n) for n in a["nonces"] + b["nonces"])
    assert len(set(a["nonces"] + b["nonces"])) == 40  # each job has its own entropy
    assert a["verifier"] != b["verifier"] and a["words"] != b["words"]
    ones = sum(bin(w).count("1") for w in a["words"] + b["words"])
    assert 0.45 < ones / (128 * 32) < 0.55  # no stuck bits


async def test_engine_signatures_verify_with_python_cryptography(run_js):
    """PSS and ECDSA signatures are random: the engine's are checked by cryptography, not compared."""
    source = """
const crypto = require('crypto');
exports.run = async ({ rsa, ec }) => [
  crypto.sign('sha256', Buffer.from('m'), { key: rsa, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64'),
  crypto.sign('sha256', Buffer.from('m'), ec).toString('base64'),
  crypto.createSign('sha512').update('m').sign(rsa, 'base64'),
];"""
    result = await run_js(source, {"rsa": RSA_PEM, "ec": EC_PEM})
    assert result.error is None, result.error
    pss, ecdsa, pkcs1 = (base64.b64decode(s) for s in result.output)
    _RSA.public_key().verify(pss, b"m", padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    _EC.public_key().verify(ecdsa, b"m", ec.ECDSA(hashes.SHA256()))
    _RSA.public_key().verify(pkcs1, b"m", padding.PKCS1v15(), hashes.SHA512())


@pytest.mark.parametrize(("message", "expected"), [
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
])
async def test_sha256_nist_vectors(run_js, message, expected):
    """FIPS 180-2 appendix B examples (the published digests, written out)."""
    source = "exports.run = ({ hex }) => require('crypto').createHash('sha256').update(hex, 'hex').digest('hex');"
    result = await run_js(source, {"hex": message.hex()})
    assert result.output == expected


async def test_rfc_vectors_other_hashes_and_hmac(run_js):
    """RFC 1321 (MD5), FIPS 180 'abc' (SHA-1/384/512) and RFC 4231 test case 2 (HMAC-SHA-256/512)."""
    source = """exports.run = () => { const c = require('crypto');
  return [c.createHash('md5').update('message digest').digest('hex'), c.createHash('sha1').update('abc').digest('hex'),
    c.createHash('sha384').update('abc').digest('hex').slice(0, 32), c.createHash('sha512').update('abc').digest('hex').slice(0, 32),
    c.createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex'),
    c.createHmac('sha512', 'Jefe').update('what do ya want for nothing?').digest('hex').slice(0, 32)]; };"""
    result = await run_js(source)
    assert result.output == [
        "f96b697d7cb7938d525a2f31aaf161d0", "a9993e364706816aba3e25717850c26c9cd0d89d",
        "cb00753f45a35e8bb5a03d699ac65007", "ddaf35a193617abacc417349ae204131",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "164b7a7bfcf819e2e395fbe73b56e0a3",
    ]


# ---- hostile use ----

async def test_hashing_hundreds_of_megabytes_ends_at_the_time_limit(run_js):
    source = """exports.run = () => { const h = require('crypto').createHash('sha256'); const chunk = Buffer.alloc(1 << 20, 7);
  for (let i = 0; i < 400; i++) h.update(chunk); return h.digest('hex'); };"""
    started = time.monotonic()
    result = await run_js(source, limits=Limits(timeout=1.5))
    assert result.error is not None and result.error.code == JobTimeout.CODE
    # hashing it all would take minutes; QuickJS's own limit counts CPU time, so a loaded machine stretches
    # the 1.5 s (a bare `for (;;) {}` overshoots alike: that is the engine's, not crypto's)
    assert time.monotonic() - started < 20


async def test_signing_in_a_loop_ends_at_the_time_limit(run_js):
    source = """exports.run = ({ key }) => { const c = require('crypto'); for (;;) c.sign('sha256', Buffer.from('x'), key); };"""
    result = await run_js(source, {"key": RSA_PEM}, limits=Limits(timeout=1))
    assert result.error is not None and result.error.code == JobTimeout.CODE


async def test_subtle_signing_in_a_loop_is_bounded(run_js):
    source = """export default async function run({ key }) {
  const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  for (;;) await crypto.subtle.sign('HMAC', k, new Uint8Array(8));
}"""
    result = await run_js(source, {"key": "s3cr3t-hmac-key"}, limits=Limits(timeout=5))
    assert result.error is not None and result.error.code == ScriptError.CODE
    assert "too often" in result.error.message


async def test_get_random_values_on_a_huge_array(run_js):
    source = """exports.run = () => { try { crypto.getRandomValues(new Uint8Array(10 * 1024 * 1024)); }
  catch (e) { return [e.name, e.code, e instanceof DOMException]; } };"""
    result = await run_js(source)
    assert result.output == ["QuotaExceededError", 22, True]


async def test_malformed_keys_and_unknown_algorithms_name_no_key_material(run_js):
    broken = RSA_PEM.replace("\n", "\n!", 3)  # a real key's text, made unparseable
    truncated = RSA_PEM[: len(RSA_PEM) // 2] + "\n-----END PRIVATE KEY-----\n"
    source = """
const crypto = require('crypto');
const err = (f) => { try { f(); return 'no error'; } catch (e) { console.log(e.message); return [e.name, e.code, e.message]; } };
exports.run = async ({ broken, truncated, key }) => [
  err(() => crypto.createPrivateKey(broken)),
  err(() => crypto.createPrivateKey(truncated)),
  err(() => crypto.createPrivateKey({ key: { kty: 'RSA', n: key.slice(40, 100), e: 'AQAB', d: key.slice(100, 160), p: 'AA', q: 'AA', dp: 'AA', dq: 'AA', qi: 'AA' }, format: 'jwk' })),
  err(() => crypto.createSign('sha3-999').update('x').sign(key)),
  err(() => crypto.sign('whirlpool', Buffer.from('x'), key)),
  await crypto.subtle.importKey('pkcs8', Buffer.from(truncated), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['sign']).catch((e) => [e.name, e.message]),
  await crypto.subtle.importKey('spki', Buffer.from(key), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']).catch((e) => [e.name, e.message]),
];"""
    result = await run_js(source, {"broken": broken, "truncated": truncated, "key": RSA_PEM})
    assert result.error is None, result.error
    assert result.output == [
        ["Error", "ERR_OSSL_UNSUPPORTED", "error:1E08010C:DECODER routines::unsupported"],
        ["Error", "ERR_OSSL_UNSUPPORTED", "error:1E08010C:DECODER routines::unsupported"],
        ["Error", "ERR_CRYPTO_INVALID_JWK", "Invalid JWK RSA key"],
        ["TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest"],
        ["TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: whirlpool"],
        ["NotSupportedError", "Unrecognized algorithm name"],
        ["DataError", "Invalid keyData"],
    ]
    text = json.dumps(result.output) + json.dumps(result.trace.logs)
    assert _key_body(RSA_PEM) not in text and RSA_PEM[40:70] not in text


async def test_an_uncaught_crypto_error_fails_the_job_without_key_material(run_js):
    source = "exports.run = ({ key }) => require('crypto').createPrivateKey(key.replace('MII', 'XXX'));"
    result = await run_js(source, {"key": RSA_PEM})
    assert result.error is not None and result.error.code == ScriptError.CODE
    assert result.error.message == "error:1E08010C:DECODER routines::unsupported"


def test_service_answers_forged_payloads_with_an_error_not_a_crash():
    for payload in (None, [], {"op": "sign"}, {"op": "importKey", "algorithm": {"name": "HMAC"}},
                    {"op": "sign", "key": {"type": "private", "material": "!!"}, "algorithm": {"name": "ECDSA"}},
                    {"op": "nope"}):
        answer = serve_crypto(payload)
        assert set(answer) == {"error"} and answer["error"]["name"] in {"DataError", "NotSupportedError"}


def test_service_refuses_keys_past_rsa_8192_before_parsing_them():
    huge = {"op": "importKey", "format": "pkcs8", "keyData": base64.b64encode(b"0" * 100_000).decode(),
            "algorithm": {"name": "RSASSA-PKCS1-v1_5", "hash": {"name": "SHA-256"}}, "usages": ["sign"]}
    assert serve_crypto(huge) == {"error": {"name": "NotSupportedError", "message": "Keys larger than RSA-8192 are not supported"}}
    jwk = {**huge, "format": "jwk", "keyData": {"kty": "RSA", "n": "A" * 3000, "e": "AQAB"}}
    assert serve_crypto(jwk)["error"]["name"] == "NotSupportedError"


def test_service_refuses_an_inconsistent_rsa_key():
    der = bytearray(_RSA.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    der[-40] ^= 1  # inside qi (the CRT coefficient): still DER, no longer a key
    payload = {"op": "importKey", "format": "pkcs8", "keyData": base64.b64encode(bytes(der)).decode(),
               "algorithm": {"name": "RSASSA-PKCS1-v1_5", "hash": {"name": "SHA-256"}}, "usages": ["sign"]}
    assert serve_crypto(payload) == {"error": {"name": "DataError", "message": "Invalid keyData"}}


def test_service_hook_reports_imported_private_key_material():
    reported: list[str] = []
    serve = crypto_service(reported.extend)
    der = _RSA.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    rsa_import = {"op": "importKey", "format": "pkcs8", "keyData": base64.b64encode(der).decode(),
                  "algorithm": {"name": "RSASSA-PKCS1-v1_5", "hash": {"name": "SHA-256"}}, "usages": ["sign"]}
    assert serve(rsa_import)["type"] == "private"
    assert all(line in reported for line in RSA_PEM.splitlines()[1:-1])  # every PEM line of the key
    hmac_import = {"op": "importKey", "format": "raw", "keyData": base64.b64encode(b"webhook-secret").decode(),
                   "algorithm": {"name": "HMAC", "hash": {"name": "SHA-256"}}, "usages": ["sign"]}
    serve(hmac_import)
    assert "webhook-secret" in reported
    reported.clear()
    spki = _RSA.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    serve({**rsa_import, "format": "spki", "keyData": base64.b64encode(spki).decode(), "usages": ["verify"]})
    assert reported == []  # public keys are not secrets


# ---- cost ----

def test_a_job_not_using_crypto_does_not_load_it():
    plain = load_module("export default async () => fetch('https://x.example')", "a.js")
    assert "crypto" not in units_for(plain.names)
    assert "SubtleCrypto" not in prelude_for(plain.names)
    for source in ("import c from 'node:crypto'; export default () => c", "module.exports = () => require('crypto')",
                   "export default () => crypto.randomUUID()"):
        assert "crypto" in units_for(load_module(source, "b.js").names), source


async def test_crypto_global_is_absent_when_not_mentioned(run_js):
    result = await run_js("exports.run = () => typeof globalThis['cry' + 'pto'];")
    assert result.output == "undefined"


async def test_a_key_imported_through_subtle_is_redacted_from_the_jobs_error(run_connector):
    # The key comes from the script itself (not from the job's input): only the crypto service knows
    # it is key material, so only its hook can make it a secret of the job.
    pem = _pkcs8(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    body = "".join(pem.splitlines()[1:-1])
    source = f"""export default async () => {{
      const body = '{body}';
      const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      await crypto.subtle.importKey('pkcs8', der, {{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }}, false, ['sign']);
      throw new Error('could not use ' + body.slice(64, 128));
    }};
    """
    files = {"spec.yml": "key: k\nauth:\n  type: client-credentials\n  test: {implementationType: javascript}\n",
             "auth/test.js": source}
    result = await run_connector(files, "test", {"credentials": {}})
    assert result.error is not None and result.error.code == "SCRIPT_ERROR"
    message = result.error.message
    assert "could not use" in message
    assert body[64:128] not in message
    assert "[REDACTED]" in message
