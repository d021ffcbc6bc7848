"""Crypto corpus: hashes and HMACs on thousands of generated inputs, the Node module's shapes and
errors, keys (PEM/DER/JWK in and out), signatures across implementations, and crypto.subtle.

The keys are made here, when the corpus is built, by Python's `cryptography` (no key in the repository);
the PSS and ECDSA signatures in the header are made by `cryptography` too, so each side verifies a
signature it did not make. RSASSA-PKCS1-v1_5 is deterministic, so its signatures are compared as bytes.
"""

import base64
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from support.differential import Corpus

_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_EC = ec.generate_private_key(ec.SECP256R1())
_MESSAGE = b"the message"


def _pem(key, fmt):  # type: ignore[no-untyped-def]
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def _ec_p1363(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


_ec_der_sig = _EC.sign(_MESSAGE, ec.ECDSA(hashes.SHA256()))
_KEYS = {
    "rsa8": _pem(_RSA, serialization.PrivateFormat.PKCS8),
    "rsa1": _pem(_RSA, serialization.PrivateFormat.TraditionalOpenSSL),
    "rsaPub": _RSA.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
    "rsaPub1": _RSA.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode(),
    "ec8": _pem(_EC, serialization.PrivateFormat.PKCS8),
    "ec1": _pem(_EC, serialization.PrivateFormat.TraditionalOpenSSL),
    "ecPub": _EC.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
    "pss": base64.b64encode(_RSA.sign(_MESSAGE, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())).decode(),
    "ecDer": base64.b64encode(_ec_der_sig).decode(),
    "ecRaw": base64.b64encode(_ec_p1363(_ec_der_sig)).decode(),
}

HEADER = "import crypto from 'node:crypto';\nimport { createHash, createHmac } from 'crypto';\n" + f"""
const KEYS = {json.dumps(_KEYS)};
const MSG = Buffer.from('the message');
const b64 = (s) => Buffer.from(s, 'base64');
""" + r"""
const prng = (seed) => () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };
const bytesFrom = (r, n) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
const hashMany = (alg, count, maxLen) => { const r = prng(alg.length * 7919 + count); const out = [];
  for (let i = 0; i < count; i++) { const data = bytesFrom(r, Math.floor(r() * maxLen)); out.push(createHash(alg).update(data).digest('hex')); }
  return __digest(out); };
const chunked = (alg, count) => { const r = prng(17 + count); const out = [];
  for (let i = 0; i < count; i++) { const h = createHash(alg); const parts = Math.floor(r() * 5);
    for (let p = 0; p < parts; p++) h.update(bytesFrom(r, Math.floor(r() * 150))); out.push(h.digest('base64')); }
  return __digest(out); };
const hmacMany = (alg, count) => { const r = prng(99 + alg.length); const out = [];
  for (let i = 0; i < count; i++) { const key = bytesFrom(r, Math.floor(r() * 200)); const data = bytesFrom(r, Math.floor(r() * 300));
    out.push(createHmac(alg, key).update(data).digest('hex')); }
  return __digest(out); };
const err = (f) => { try { return ['no error', f()]; } catch (e) { return [e.name, e.code, e.message]; } };
// OpenSSL's reason codes (which also depend on errors left queued by earlier calls) are not reproduced.
const oerr = (f) => { const r = err(f); return typeof r[1] === 'string' && r[1].startsWith('ERR_OSSL_') ? [r[0], 'ERR_OSSL_*'] : r; };
const aerr = async (f) => { try { return ['no error', await f()]; } catch (e) { return [e.name, e.code, e.message]; } };
const strings = ['', 'a', 'abc', 'message digest', 'é€😀', 'x'.repeat(1000)];
const der = (pem) => crypto.createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
const spki = (pem) => crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
const subtle = globalThis.crypto.subtle;
"""

_HASHES = ("md5", "sha1", "sha256", "sha384", "sha512")
_CASES: list[tuple[str, str]] = []
for _alg in _HASHES:
    _CASES += [
        (f"{_alg}-1000-random", f"hashMany('{_alg}', 1000, 300)"),
        (f"{_alg}-chunked", f"chunked('{_alg}', 300)"),
        (f"{_alg}-strings", f"strings.map((s) => createHash('{_alg}').update(s).digest('hex'))"),
        (f"hmac-{_alg}-500-random", f"hmacMany('{_alg}', 500)"),
    ]
_CASES += [
    ("hash-aliases", "['SHA256', 'RSA-SHA256', 'sha-256', 'Sha512', 'RSA-SHA1', 'sha224'].map((a) => createHash(a).update('x').digest('hex'))"),
    ("digest-encodings", "['hex', 'base64', 'base64url', 'latin1', 'binary', undefined, 'buffer', 'foo'].map((e) => createHash('sha1').update('abc').digest(e))"),
    ("update-encodings", "[createHash('sha256').update('616263', 'hex').digest('hex'), createHash('sha256').update('YWJj', 'base64').digest('hex'), createHash('md5').update(new Uint16Array([1, 2])).digest('hex'), createHash('md5').update(new DataView(new ArrayBuffer(3))).digest('hex')]"),
    ("update-chain-returns-this", "(() => { const h = createHash('sha256'); return h.update('a') === h; })()"),
    ("hash-copy", "(() => { const h = createHash('sha256').update('a'); const c = h.copy(); c.update('b'); return [h.digest('hex'), c.digest('hex')]; })()"),
    ("hash-errors", "[err(() => createHash('foo')), err(() => createHash(1)), err(() => createHash('sha256').update(5)), err(() => { const h = createHash('md5'); h.digest(); h.digest(); }), err(() => { const h = createHash('md5'); h.digest(); h.update('a'); })]"),
    ("hmac-shapes", "[createHmac('sha256', 'key').update('a').update('b').digest('base64url'), createHmac('SHA1', Buffer.from('k')).update('x').digest(), createHmac('sha512', crypto.createSecretKey(Buffer.from('k'))).update('x').digest('hex')]"),
    ("hmac-errors", "[err(() => createHmac('foo', 'k')), err(() => createHmac('sha256', 5)), (() => { const h = createHmac('sha256', 'k'); h.digest(); return h.digest('hex'); })(), err(() => { const h = createHmac('md5', 'k'); h.digest(); h.update('a'); })]"),
    ("nist-abc", "['sha1', 'sha256', 'sha384', 'sha512'].map((a) => createHash(a).update('abc').digest('hex'))"),
    ("nist-million-a", "createHash('sha256').update('a'.repeat(1000000)).digest('hex')"),
    ("subtle-digest", "Promise.all(['SHA-1', 'SHA-256', 'sha-384', {name: 'SHA-512'}].map(async (a) => Buffer.from(await subtle.digest(a, Buffer.from('abc'))).toString('hex')))"),
    ("subtle-digest-errors", "Promise.all([aerr(() => subtle.digest('SHA-257', MSG)), aerr(() => subtle.digest('HMAC', MSG)), aerr(() => subtle.digest({}, MSG)), aerr(() => subtle.digest('SHA-256', 'abc'))])"),
    ("random-shapes", "[crypto.randomBytes(7).length, crypto.randomBytes(0), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()), /^[0-9a-f-]{36}$/.test(globalThis.crypto.randomUUID()), globalThis.crypto.getRandomValues(new Uint32Array(3)).length, crypto.webcrypto === globalThis.crypto, typeof crypto.subtle.sign]"),
    ("random-ints", "(() => { const seen = new Set(); for (let i = 0; i < 500; i++) seen.add(crypto.randomInt(3, 7)); return [...seen].sort(); })()"),
    ("random-errors", "[err(() => crypto.randomBytes(-1)), err(() => crypto.randomBytes(2 ** 31)), err(() => crypto.randomBytes('1')), err(() => globalThis.crypto.getRandomValues(new Uint8Array(65537))), err(() => globalThis.crypto.getRandomValues(new Float32Array(2))), globalThis.crypto.getRandomValues(new Uint8Array(65536)).length]"),
    ("timing-safe-equal", "[crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')), crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd')), err(() => crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab'))), err(() => crypto.timingSafeEqual('a', 'a'))]"),
    ("rsa-key-details", "(() => { const k = crypto.createPrivateKey(KEYS.rsa8); return [k.type, k.asymmetricKeyType, k.asymmetricKeyDetails, k.symmetricKeySize, crypto.createPublicKey(KEYS.rsa8).type, Object.keys(k), JSON.stringify(k)]; })()"),
    ("rsa-key-export", "(() => { const k = crypto.createPrivateKey(KEYS.rsa1); return [k.export({type: 'pkcs8', format: 'pem'}), k.export({type: 'pkcs1', format: 'pem'}), k.export({type: 'pkcs8', format: 'der'}), k.export({format: 'jwk'})]; })()"),
    ("rsa-public-export", "[KEYS.rsaPub, KEYS.rsaPub1, KEYS.rsa8].map((pem) => { const k = crypto.createPublicKey(pem); return [k.export({type: 'spki', format: 'pem'}), k.export({type: 'pkcs1', format: 'pem'}), k.export({format: 'jwk'})]; })"),
    ("ec-key-export", "[KEYS.ec8, KEYS.ec1].map((pem) => { const k = crypto.createPrivateKey(pem); return [k.asymmetricKeyType, k.asymmetricKeyDetails, k.export({type: 'pkcs8', format: 'pem'}), k.export({type: 'sec1', format: 'pem'}), k.export({type: 'sec1', format: 'der'}), k.export({format: 'jwk'}), crypto.createPublicKey(k).export({type: 'spki', format: 'pem'})]; })"),
    ("jwk-round-trip", "[KEYS.rsa8, KEYS.ec8].map((pem) => { const jwk = crypto.createPrivateKey(pem).export({format: 'jwk'}); const pub = crypto.createPublicKey({key: jwk, format: 'jwk'}); return [crypto.createPrivateKey({key: jwk, format: 'jwk'}).export({type: 'pkcs8', format: 'pem'}) === pem, pub.type, pub.export({format: 'jwk'})]; })"),
    ("der-in", "[crypto.createPrivateKey({key: der(KEYS.rsa8), format: 'der', type: 'pkcs8'}).export({format: 'jwk'}).n, crypto.createPublicKey({key: spki(KEYS.ecPub), format: 'der', type: 'spki'}).export({format: 'jwk'}).x]"),
    ("secret-keys", "(() => { const k = crypto.createSecretKey(Buffer.from('abc')); return [k.type, k.symmetricKeySize, k.export(), k.export({format: 'jwk'}), k.equals(crypto.createSecretKey('abc', 'utf8'))]; })()"),
    ("key-equals", "[crypto.createPrivateKey(KEYS.rsa8).equals(crypto.createPrivateKey(KEYS.rsa1)), crypto.createPublicKey(KEYS.rsaPub).equals(crypto.createPublicKey(KEYS.ecPub))]"),
    ("key-errors", "[oerr(() => crypto.createPrivateKey('garbage')), oerr(() => crypto.createPrivateKey('-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----')), oerr(() => crypto.createPrivateKey(KEYS.rsaPub)), oerr(() => crypto.createPublicKey('-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----')), err(() => crypto.createPrivateKey({key: {kty: 'RSA', n: 'AA'}, format: 'jwk'})), err(() => crypto.createPrivateKey({key: {kty: 'foo'}, format: 'jwk'})), err(() => crypto.createPrivateKey(5)), err(() => crypto.createPrivateKey(KEYS.rsa8).export()), err(() => crypto.createPrivateKey(KEYS.rsa8).export({format: 'pem'})), err(() => crypto.createPrivateKey(KEYS.rsa8).export({format: 'pem', type: 'sec1'})), err(() => crypto.createPrivateKey(KEYS.ec8).export({format: 'pem', type: 'pkcs1'})), err(() => crypto.createPrivateKey(KEYS.ec8).export({format: 'xml', type: 'pkcs8'}))]"),
    ("rsa-pkcs1-signatures-match", "(() => { const r = prng(5); const out = []; for (let i = 0; i < 30; i++) { const m = bytesFrom(r, Math.floor(r() * 200)); out.push(crypto.sign('sha256', m, KEYS.rsa8).toString('base64')); out.push(crypto.createSign('RSA-SHA512').update(m).sign(KEYS.rsa1, 'hex')); } return __digest(out); })()"),
    ("rsa-sign-shapes", "[crypto.createSign('SHA256').update('a').update('b').sign(KEYS.rsa8, 'base64'), crypto.createSign('sha1').update('x').sign(crypto.createPrivateKey(KEYS.rsa8)).length, crypto.sign(null, MSG, KEYS.rsa8).toString('base64url'), crypto.sign('sha384', MSG, {key: KEYS.rsa8}).length]"),
    ("rsa-verify", "(() => { const s = crypto.sign('sha256', MSG, KEYS.rsa8); const bad = Buffer.from(s); bad[5] ^= 1; return [crypto.verify('sha256', MSG, KEYS.rsaPub, s), crypto.verify('sha256', MSG, KEYS.rsa8, s), crypto.verify('sha256', MSG, KEYS.rsaPub1, bad), crypto.verify('sha512', MSG, KEYS.rsaPub, s), crypto.createVerify('RSA-SHA256').update(MSG).verify(KEYS.rsaPub, s.toString('hex'), 'hex'), crypto.verify('sha256', MSG, KEYS.rsaPub, s.subarray(1))]; })()"),
    ("rsa-pss", "(() => { const o = {key: KEYS.rsa8, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32}; const p = {...o, key: KEYS.rsaPub}; const s = crypto.sign('sha256', MSG, o); return [s.length, crypto.verify('sha256', MSG, p, s), crypto.verify('sha256', MSG, p, b64(KEYS.pss)), crypto.verify('sha256', Buffer.from('other'), p, b64(KEYS.pss)), crypto.verify('sha256', MSG, KEYS.rsaPub, b64(KEYS.pss)), crypto.verify('sha256', MSG, {key: KEYS.rsaPub, padding: 6}, crypto.sign('sha256', MSG, {key: KEYS.rsa8, padding: 6}))]; })()"),
    ("ecdsa", "(() => { const s = crypto.sign('sha256', MSG, KEYS.ec8); const p = crypto.sign('sha256', MSG, {key: KEYS.ec1, dsaEncoding: 'ieee-p1363'}); return [crypto.verify('sha256', MSG, KEYS.ecPub, s), crypto.verify('sha256', MSG, {key: KEYS.ecPub, dsaEncoding: 'ieee-p1363'}, p), p.length, crypto.verify('sha256', MSG, KEYS.ecPub, b64(KEYS.ecDer)), crypto.verify('sha256', MSG, {key: KEYS.ec8, dsaEncoding: 'ieee-p1363'}, b64(KEYS.ecRaw)), crypto.verify('sha256', Buffer.from('x'), KEYS.ecPub, b64(KEYS.ecDer)), crypto.verify('sha256', MSG, KEYS.ecPub, b64(KEYS.ecRaw)), crypto.createVerify('SHA256').update(MSG).verify(KEYS.ecPub, KEYS.ecDer, 'base64')]; })()"),
    ("ecdsa-many", "(() => { const r = prng(11); let ok = 0; for (let i = 0; i < 20; i++) { const m = bytesFrom(r, i * 7); if (crypto.verify('sha256', m, KEYS.ecPub, crypto.sign('sha256', m, KEYS.ec8))) ok++; } return ok; })()"),
    ("sign-errors", "[err(() => crypto.createSign('foo')), oerr(() => crypto.createSign('SHA256').update('x').sign('garbage')), oerr(() => crypto.sign('sha256', MSG, KEYS.rsaPub)), err(() => crypto.sign('sha256', MSG, crypto.createPublicKey(KEYS.ecPub))), err(() => crypto.sign('sha256', MSG, {key: KEYS.ec8, dsaEncoding: 'foo'})), err(() => crypto.sign('sha256', 'text', KEYS.rsa8)), err(() => crypto.sign('sha256', MSG, crypto.createSecretKey(Buffer.from('k'))))]"),
    ("subtle-hmac", "(async () => { const k = await subtle.importKey('raw', Buffer.from('secret'), {name: 'HMAC', hash: 'SHA-256'}, true, ['sign', 'verify']); const s = await subtle.sign('HMAC', k, MSG); return [k.type, k.algorithm, k.usages, k.extractable, Buffer.from(s).toString('hex'), await subtle.verify('HMAC', k, s, MSG), await subtle.verify('HMAC', k, s, Buffer.from('x')), JSON.stringify(await subtle.exportKey('jwk', k)), Buffer.from(await subtle.exportKey('raw', k)).toString()]; })()"),
    ("subtle-rsa", "(async () => { const k = await subtle.importKey('pkcs8', der(KEYS.rsa8), {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, true, ['sign']); const pub = await subtle.importKey('spki', spki(KEYS.rsaPub), {name: 'RSASSA-PKCS1-v1_5', hash: {name: 'SHA-256'}}, true, ['verify']); const s = await subtle.sign('RSASSA-PKCS1-v1_5', k, MSG); return [k.algorithm, Buffer.from(s).equals(crypto.sign('sha256', MSG, KEYS.rsa8)), await subtle.verify('RSASSA-PKCS1-v1_5', pub, s, MSG), await subtle.exportKey('jwk', k), await subtle.exportKey('jwk', pub), Buffer.from(await subtle.exportKey('spki', pub)).equals(spki(KEYS.rsaPub))]; })()"),
    ("subtle-rsa-jwk", "(async () => { const jwk = crypto.createPrivateKey(KEYS.rsa8).export({format: 'jwk'}); const k = await subtle.importKey('jwk', jwk, {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512'}, false, ['sign']); return Buffer.from(await subtle.sign('RSASSA-PKCS1-v1_5', k, MSG)).equals(crypto.sign('sha512', MSG, KEYS.rsa8)); })()"),
    ("subtle-pss", "(async () => { const alg = {name: 'RSA-PSS', hash: 'SHA-256'}; const k = await subtle.importKey('pkcs8', der(KEYS.rsa8), alg, false, ['sign']); const pub = await subtle.importKey('spki', spki(KEYS.rsaPub), alg, false, ['verify']); const s = await subtle.sign({name: 'RSA-PSS', saltLength: 32}, k, MSG); return [await subtle.verify({name: 'RSA-PSS', saltLength: 32}, pub, s, MSG), await subtle.verify({name: 'RSA-PSS', saltLength: 32}, pub, b64(KEYS.pss), MSG), await subtle.verify({name: 'RSA-PSS', saltLength: 20}, pub, b64(KEYS.pss), MSG), crypto.verify('sha256', MSG, {key: KEYS.rsaPub, padding: 6, saltLength: 32}, Buffer.from(s))]; })()"),
    ("subtle-ecdsa", "(async () => { const k = await subtle.importKey('pkcs8', der(KEYS.ec8), {name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign']); const pub = await subtle.importKey('spki', spki(KEYS.ecPub), {name: 'ECDSA', namedCurve: 'P-256'}, true, ['verify']); const alg = {name: 'ECDSA', hash: 'SHA-256'}; const s = await subtle.sign(alg, k, MSG); const raw = await subtle.exportKey('raw', pub); const pub2 = await subtle.importKey('raw', raw, {name: 'ECDSA', namedCurve: 'P-256'}, true, ['verify']); return [k.algorithm, s.byteLength, await subtle.verify(alg, pub, s, MSG), await subtle.verify(alg, pub2, b64(KEYS.ecRaw), MSG), crypto.verify('sha256', MSG, {key: KEYS.ecPub, dsaEncoding: 'ieee-p1363'}, Buffer.from(s)), await subtle.exportKey('jwk', k), await subtle.exportKey('jwk', pub)]; })()"),
    ("subtle-key-shape", "(async () => { const k = await subtle.importKey('raw', Buffer.from('k'), {name: 'hmac', hash: 'sha-1'}, false, ['verify', 'sign']); return [Object.keys(k), String(k), k instanceof CryptoKey, k.algorithm.hash, k.usages]; })()"),
    ("subtle-errors", "Promise.all([aerr(() => subtle.importKey('raw', new Uint8Array([]), {name: 'HMAC', hash: 'SHA-256'}, true, ['sign'])), aerr(() => subtle.importKey('raw', new Uint8Array([1]), {name: 'HMAC', hash: 'SHA-256'}, true, [])), aerr(() => subtle.importKey('raw', new Uint8Array([1]), {name: 'HMAC', hash: 'SHA-256'}, true, ['encrypt'])), aerr(() => subtle.importKey('raw', new Uint8Array([1]), {name: 'HMAC'}, true, ['sign'])), aerr(() => subtle.importKey('raw', new Uint8Array([1]), {name: 'FOO'}, true, ['sign'])), aerr(() => subtle.importKey('pkcs8', new Uint8Array([1]), {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, true, ['sign'])), aerr(() => subtle.importKey('raw', new Uint8Array([1]), {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, true, ['sign'])), aerr(() => subtle.importKey('pkcs8', der(KEYS.rsa8), {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, true, ['verify'])), aerr(() => subtle.importKey('pkcs8', der(KEYS.rsa8), {name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign'])), aerr(() => subtle.importKey('jwk', {kty: 'RSA'}, {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, true, ['verify'])), aerr(() => subtle.importKey('jwk', {kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA'}, {name: 'ECDSA', namedCurve: 'P-256'}, true, ['verify'])), aerr(() => subtle.importKey('foo', MSG, {name: 'HMAC', hash: 'SHA-256'}, false, ['sign'])), aerr(() => subtle.sign('HMAC', 'x', MSG))])"),
    ("subtle-use-errors", "(async () => { const h = await subtle.importKey('raw', Buffer.from('k'), {name: 'HMAC', hash: 'SHA-256'}, false, ['verify']); const e = await subtle.importKey('pkcs8', der(KEYS.ec8), {name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign']); const pub = await subtle.importKey('spki', spki(KEYS.rsaPub), {name: 'RSA-PSS', hash: 'SHA-256'}, true, ['verify']); return [await aerr(() => subtle.sign('HMAC', h, MSG)), await aerr(() => subtle.exportKey('raw', h)), await aerr(() => subtle.sign('HMAC', e, MSG)), await aerr(() => subtle.sign('ECDSA', e, MSG)), await aerr(() => subtle.verify({name: 'RSA-PSS'}, pub, MSG, MSG)), await aerr(() => subtle.exportKey('raw', pub))]; })()"),
]

CORPUS = Corpus(name="crypto", cases=tuple(_CASES), header=HEADER)
