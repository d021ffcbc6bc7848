// Asymmetric keys and signatures for crypto.js, in JS with BigInt because Node's createSign, sign
// and createPrivateKey are synchronous: DER/PEM (PKCS#8, PKCS#1, SPKI, SEC1) and JWK reading and
// writing, RSASSA-PKCS1-v1_5 and RSASSA-PSS (RFC 8017), ECDSA on P-256 (FIPS 186-4). Checked against
// Node 20 (tests/differential/corpus_crypto_keys.py). Key material never enters an error message.
// Given to crypto.js as host.keys.
{
  const { hashOf, newHash } = host.hash;
  const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
  const fromHex = (h) => new Uint8Array(Buffer.from(h.length % 2 ? '0' + h : h, 'hex'));
  const toBig = (bytes) => (bytes.length ? BigInt('0x' + hex(bytes)) : 0n);
  /** `n` as `len` big-endian bytes (len omitted: as few as possible, at least one). */
  function toBytes(n, len) {
    const h = n.toString(16), bytes = fromHex(h);
    if (len === undefined || bytes.length === len) return bytes;
    if (bytes.length > len) throw new RangeError('integer too large');
    const out = new Uint8Array(len);
    out.set(bytes, len - bytes.length);
    return out;
  }
  const bitLength = (n) => (n === 0n ? 0 : n.toString(2).length);
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  };
  const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  // ---- modular arithmetic ----
  const mod = (a, m) => { const r = a % m; return r < 0n ? r + m : r; };
  function modPow(base, exp, m) {
    base = mod(base, m);
    const table = [1n, base];
    for (let i = 2; i < 16; i++) table.push((table[i - 1] * base) % m);
    let r = 1n;
    for (const digit of exp.toString(16)) {
      r = (r * r) % m; r = (r * r) % m; r = (r * r) % m; r = (r * r) % m;
      const d = parseInt(digit, 16);
      if (d) r = (r * table[d]) % m;
    }
    return r;
  }
  function modInv(a, m) {
    let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    }
    if (r0 !== 1n) throw new RangeError('not invertible');
    return mod(s0, m);
  }

  // ---- DER ----
  class Malformed extends Error {}
  /** The element at `at`: {tag, start, end} (content bytes [start, end)). */
  function readTlv(b, at, limit = b.length) {
    if (at + 2 > limit) throw new Malformed();
    const tag = b[at];
    let len = b[at + 1], p = at + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 4 || p + n > limit) throw new Malformed();
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p++];
    }
    if (p + len > limit) throw new Malformed();
    return { tag, start: p, end: p + len };
  }
  function children(b, tlv, tag = 0x30) {
    if (tlv.tag !== tag) throw new Malformed();
    const out = [];
    for (let at = tlv.start; at < tlv.end;) {
      const child = readTlv(b, at, tlv.end);
      out.push(child);
      at = child.end;
    }
    return out;
  }
  function topLevel(b) {
    const tlv = readTlv(b, 0);
    if (tlv.end !== b.length) throw new Malformed();
    return children(b, tlv);
  }
  const content = (b, tlv, tag) => {
    if (tlv === undefined || (tag !== undefined && tlv.tag !== tag)) throw new Malformed();
    return b.subarray(tlv.start, tlv.end);
  };
  const integer = (b, tlv) => {
    const c = content(b, tlv, 0x02);
    if (!c.length || c[0] & 0x80) throw new Malformed();  // keys hold no negative integers
    return toBig(c);
  };
  function der(tag, ...parts) {
    const body = concat(...parts), n = body.length;
    const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 255]
      : [0x83, n >> 16, (n >> 8) & 255, n & 255];
    return concat(Uint8Array.of(tag, ...len), body);
  }
  const derInt = (n) => {
    const bytes = toBytes(n);
    return der(0x02, bytes[0] & 0x80 ? concat(Uint8Array.of(0), bytes) : bytes);
  };
  const seq = (...parts) => der(0x30, ...parts);
  const OID_RSA = '2a864886f70d010101', OID_EC = '2a8648ce3d0201', OID_P256 = '2a8648ce3d030107';
  const oid = (h) => der(0x06, fromHex(h));
  const NULL = Uint8Array.of(5, 0);

  // ---- P-256 ----
  const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
  const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
  const G = [0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n, 1n];
  const fp = (a) => mod(a, P);
  function double([x, y, z]) {
    if (z === 0n || y === 0n) return [0n, 1n, 0n];
    const delta = fp(z * z), gamma = fp(y * y), beta = fp(x * gamma);
    const alpha = fp(3n * (x - delta) * (x + delta));
    const x3 = fp(alpha * alpha - 8n * beta);
    const z3 = fp((y + z) * (y + z) - gamma - delta);
    const y3 = fp(alpha * (4n * beta - x3) - 8n * gamma * gamma);
    return [x3, y3, z3];
  }
  function add(p1, p2) {
    const [x1, y1, z1] = p1, [x2, y2, z2] = p2;
    if (z1 === 0n) return p2;
    if (z2 === 0n) return p1;
    const z1z1 = fp(z1 * z1), z2z2 = fp(z2 * z2);
    const u1 = fp(x1 * z2z2), u2 = fp(x2 * z1z1), s1 = fp(y1 * z2 * z2z2), s2 = fp(y2 * z1 * z1z1);
    const h = fp(u2 - u1), r = fp(s2 - s1);
    if (h === 0n) return r === 0n ? double(p1) : [0n, 1n, 0n];
    const hh = fp(h * h), hhh = fp(h * hh), v = fp(u1 * hh);
    const x3 = fp(r * r - hhh - 2n * v);
    return [x3, fp(r * (v - x3) - s1 * hhh), fp(h * z1 * z2)];
  }
  function multiply(point, k) {
    const table = [[0n, 1n, 0n], point];
    for (let i = 2; i < 16; i++) table.push(add(table[i - 1], point));
    let r = [0n, 1n, 0n];
    for (const digit of k.toString(16)) {
      r = double(double(double(double(r))));
      const d = parseInt(digit, 16);
      if (d) r = add(r, table[d]);
    }
    return r;
  }
  function affine([x, y, z]) {
    if (z === 0n) return null;
    const zi = modInv(z, P), zi2 = fp(zi * zi);
    return [fp(x * zi2), fp(y * zi2 * zi)];
  }
  const onCurve = (x, y) => x < P && y < P && fp(y * y - (x * x * x - 3n * x + B)) === 0n;
  function decodePoint(bytes) {
    if (bytes.length === 65 && bytes[0] === 4) {
      const x = toBig(bytes.subarray(1, 33)), y = toBig(bytes.subarray(33));
      if (!onCurve(x, y)) throw new Malformed();
      return [x, y];
    }
    if (bytes.length === 33 && (bytes[0] === 2 || bytes[0] === 3)) {
      const x = toBig(bytes.subarray(1));
      let y = modPow(fp(x * x * x - 3n * x + B), (P + 1n) / 4n, P);
      if (!onCurve(x, y)) throw new Malformed();
      if (Number(y & 1n) !== (bytes[0] & 1)) y = P - y;
      return [x, y];
    }
    throw new Malformed();
  }
  const encodePoint = ([x, y]) => concat(Uint8Array.of(4), toBytes(x, 32), toBytes(y, 32));

  // ---- key material: {kind: 'rsa', n, e, d?, p?, q?, dp?, dq?, qi?} | {kind: 'ec', x, y, d?} ----
  function rsaPrivateFromPkcs1(b, items) {
    if (items.length < 9 || integer(b, items[0]) !== 0n) throw new Malformed();
    const [n, e, d, p, q, dp, dq, qi] = items.slice(1, 9).map((t) => integer(b, t));
    if (n === 0n || e === 0n || p * q !== n) throw new Malformed();
    return { kind: 'rsa', n, e, d, p, q, dp, dq, qi };
  }
  function rsaPublicFromPkcs1(b, items) {
    if (items.length !== 2) throw new Malformed();
    const [n, e] = items.map((t) => integer(b, t));
    if (n === 0n || e === 0n) throw new Malformed();
    return { kind: 'rsa', n, e };
  }
  function ecPrivateFromSec1(b, items, curveOid) {
    if (items.length < 2 || integer(b, items[0]) !== 1n) throw new Malformed();
    const d = toBig(content(b, items[1], 0x04));
    let curve = curveOid, pub = null;
    for (const extra of items.slice(2)) {
      const inner = children(b, extra, extra.tag);
      if (extra.tag === 0xa0) curve = hex(content(b, inner[0], 0x06));
      else if (extra.tag === 0xa1) pub = content(b, inner[0], 0x03);
    }
    if (curve !== OID_P256) throw new Unsupported();
    if (d === 0n || d >= N) throw new Malformed();
    const [x, y] = pub ? decodePoint(pub.subarray(1)) : affine(multiply(G, d));
    return { kind: 'ec', x, y, d };
  }
  class Unsupported extends Error {}
  function algorithmOf(b, tlv) {
    const [id, params] = children(b, tlv);
    const name = hex(content(b, id, 0x06));
    if (name === OID_RSA) return ['rsa', null];
    if (name === OID_EC && params && params.tag === 0x06) return ['ec', hex(content(b, params))];
    throw new Unsupported();
  }
  function fromPkcs8(b) {
    const items = topLevel(b);
    if (items.length < 3 || integer(b, items[0]) > 1n) throw new Malformed();
    const [kind, curve] = algorithmOf(b, items[1]);
    const inner = content(b, items[2], 0x04);
    return kind === 'rsa' ? rsaPrivateFromPkcs1(inner, topLevel(inner)) : ecPrivateFromSec1(inner, topLevel(inner), curve);
  }
  function fromSpki(b) {
    const items = topLevel(b);
    if (items.length !== 2) throw new Malformed();
    const [kind, curve] = algorithmOf(b, items[0]);
    const bits = content(b, items[1], 0x03);
    if (bits[0] !== 0) throw new Malformed();
    const key = bits.subarray(1);
    if (kind === 'rsa') return rsaPublicFromPkcs1(key, topLevel(key));
    if (curve !== OID_P256) throw new Unsupported();
    const [x, y] = decodePoint(key);
    return { kind: 'ec', x, y };
  }
  /** A private or public key from DER of the given type ('pkcs8' | 'pkcs1' | 'spki' | 'sec1'). */
  function fromDer(bytes, type, wantPrivate) {
    if (type === 'pkcs8') return fromPkcs8(bytes);
    if (type === 'spki') return fromSpki(bytes);
    if (type === 'sec1') return ecPrivateFromSec1(bytes, topLevel(bytes), null);
    return wantPrivate ? rsaPrivateFromPkcs1(bytes, topLevel(bytes)) : rsaPublicFromPkcs1(bytes, topLevel(bytes));
  }
  const PEM_TYPES = { __proto__: null, 'PRIVATE KEY': 'pkcs8', 'RSA PRIVATE KEY': 'pkcs1', 'EC PRIVATE KEY': 'sec1',
    'PUBLIC KEY': 'spki', 'RSA PUBLIC KEY': 'pkcs1' };
  /** The first PEM block of `text` as [type, DER bytes], or null. */
  function fromPem(text) {
    const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/.exec(text);
    if (!m || !(m[1] in PEM_TYPES) || !/^[A-Za-z0-9+/=\s]*$/.test(m[2])) return null;
    if (/^Proc-Type:/m.test(m[2])) return null;
    return [m[1], new Uint8Array(Buffer.from(m[2].replace(/\s+/g, ''), 'base64'))];
  }
  /** A key from PEM text: the first block; `wantPrivate` false accepts private keys too (their public half). */
  function parsePem(text, wantPrivate) {
    const block = fromPem(text);
    if (block === null) throw new Malformed();
    const [label, bytes] = block;
    const isPrivate = label.endsWith('PRIVATE KEY');
    if (wantPrivate && !isPrivate) throw new Malformed();
    const key = fromDer(bytes, PEM_TYPES[label], isPrivate);
    return wantPrivate ? key : publicHalf(key);
  }
  const publicHalf = (key) => (key.kind === 'rsa' ? { kind: 'rsa', n: key.n, e: key.e } : { kind: 'ec', x: key.x, y: key.y });

  function rsaPkcs1(key, isPrivate) {
    const fields = isPrivate ? [0n, key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qi] : [key.n, key.e];
    return seq(...fields.map(derInt));
  }
  const ecAlgorithm = () => seq(oid(OID_EC), oid(OID_P256));
  const ecPoint = (key) => der(0x03, Uint8Array.of(0), encodePoint([key.x, key.y]));
  function sec1(key, withCurve) {
    const parts = [derInt(1n), der(0x04, toBytes(key.d, 32))];
    if (withCurve) parts.push(der(0xa0, oid(OID_P256)));
    return seq(...parts, der(0xa1, ecPoint(key)));
  }
  /** DER of `key` as 'pkcs8' | 'pkcs1' | 'spki' | 'sec1' (the caller checks the type fits the key). */
  function toDer(key, type, isPrivate) {
    if (type === 'pkcs1') return rsaPkcs1(key, isPrivate);
    if (type === 'sec1') return sec1(key, true);
    if (type === 'spki') {
      return key.kind === 'rsa' ? seq(seq(oid(OID_RSA), NULL), der(0x03, Uint8Array.of(0), rsaPkcs1(key, false)))
        : seq(ecAlgorithm(), ecPoint(key));
    }
    return key.kind === 'rsa' ? seq(derInt(0n), seq(oid(OID_RSA), NULL), der(0x04, rsaPkcs1(key, true)))
      : seq(derInt(0n), ecAlgorithm(), der(0x04, sec1(key, false)));
  }
  const PEM_LABELS = { pkcs8: 'PRIVATE KEY', spki: 'PUBLIC KEY', sec1: 'EC PRIVATE KEY' };
  function toPem(bytes, type, isPrivate) {
    const label = type === 'pkcs1' ? (isPrivate ? 'RSA PRIVATE KEY' : 'RSA PUBLIC KEY') : PEM_LABELS[type];
    const b64 = Buffer.from(bytes).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
    return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
  }

  // ---- JWK ----
  const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
  const unb64u = (s) => new Uint8Array(Buffer.from(s, 'base64url'));
  function toJwk(key, isPrivate) {
    if (key.kind === 'rsa') {
      const jwk = { kty: 'RSA', n: b64u(toBytes(key.n)), e: b64u(toBytes(key.e)) };
      if (isPrivate) for (const f of ['d', 'p', 'q', 'dp', 'dq', 'qi']) jwk[f] = b64u(toBytes(key[f]));
      return jwk;
    }
    const jwk = { kty: 'EC', x: b64u(toBytes(key.x, 32)), y: b64u(toBytes(key.y, 32)), crv: 'P-256' };
    if (isPrivate) jwk.d = b64u(toBytes(key.d, 32));
    return jwk;
  }
  /** Key material from a JWK's fields (already checked to be strings by the caller). */
  function fromJwk(jwk, isPrivate) {
    const big = (f) => toBig(unb64u(jwk[f]));
    if (jwk.kty === 'RSA') {
      const key = { kind: 'rsa', n: big('n'), e: big('e') };
      if (isPrivate) for (const f of ['d', 'p', 'q', 'dp', 'dq', 'qi']) key[f] = big(f);
      if (key.n === 0n || key.e === 0n || (isPrivate && key.p * key.q !== key.n)) throw new Malformed();
      return key;
    }
    const x = unb64u(jwk.x), y = unb64u(jwk.y);
    if (x.length !== 32 || y.length !== 32) throw new Malformed();
    const key = { kind: 'ec', x: toBig(x), y: toBig(y) };
    if (!onCurve(key.x, key.y)) throw new Malformed();
    if (isPrivate) {
      key.d = big('d');
      const q = affine(multiply(G, key.d));
      if (key.d === 0n || key.d >= N || q[0] !== key.x || q[1] !== key.y) throw new Malformed();
    }
    return key;
  }

  // ---- signatures ----
  const DIGEST_INFO = { __proto__: null, md5: '3020300c06082a864886f70d020505000410', sha1: '3021300906052b0e03021a05000414',
    sha224: '302d300d06096086480165030402040500041c', sha256: '3031300d060960864801650304020105000420',
    sha384: '3041300d060960864801650304020205000430', sha512: '3051300d060960864801650304020305000440' };
  const modulusBytes = (key) => (bitLength(key.n) + 7) >> 3;
  function rsaPrivateOp(key, m) {
    const m1 = modPow(m, key.dp, key.p), m2 = modPow(m, key.dq, key.q);
    const h = mod(key.qi * (m1 - m2), key.p);
    return m2 + h * key.q;
  }
  function pkcs1Encoded(hashName, digest, k) {
    const t = concat(fromHex(DIGEST_INFO[hashName]), digest);
    if (k < t.length + 11) throw new RangeError('key too small');
    const em = new Uint8Array(k).fill(0xff);
    em[0] = 0; em[1] = 1; em[k - t.length - 1] = 0;
    em.set(t, k - t.length);
    return em;
  }
  function mgf1(hashName, seed, length) {
    const out = new Uint8Array(length);
    for (let c = 0, at = 0; at < length; c++) {
      const block = hashOf(hashName, concat(seed, Uint8Array.of(c >>> 24, c >>> 16, c >>> 8, c)));
      out.set(block.subarray(0, Math.min(block.length, length - at)), at);
      at += block.length;
    }
    return out;
  }
  function pssEncode(hashName, mHash, emBits, salt) {
    const emLen = (emBits + 7) >> 3, hLen = mHash.length;
    if (emLen < hLen + salt.length + 2) throw new RangeError('salt too long');
    const h = hashOf(hashName, concat(new Uint8Array(8), mHash, salt));
    const db = new Uint8Array(emLen - hLen - 1);
    db[emLen - salt.length - hLen - 2] = 1;
    db.set(salt, emLen - salt.length - hLen - 1);
    const mask = mgf1(hashName, h, db.length);
    for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
    db[0] &= 0xff >> (8 * emLen - emBits);
    return concat(db, h, Uint8Array.of(0xbc));
  }
  /** Whether EM is a PSS encoding of mHash; saltLength < 0: any length. */
  function pssVerify(hashName, mHash, em, emBits, saltLength) {
    const emLen = (emBits + 7) >> 3, hLen = mHash.length;
    if (em.length !== emLen || emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
    const db = em.slice(0, emLen - hLen - 1), h = em.subarray(emLen - hLen - 1, emLen - 1);
    if (db[0] & ~(0xff >> (8 * emLen - emBits)) & 0xff) return false;
    const mask = mgf1(hashName, h, db.length);
    for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
    db[0] &= 0xff >> (8 * emLen - emBits);
    let i = 0;
    while (i < db.length && db[i] === 0) i++;
    if (i === db.length || db[i] !== 1) return false;
    const salt = db.subarray(i + 1);
    if (saltLength >= 0 && salt.length !== saltLength) return false;
    return equalBytes(hashOf(hashName, concat(new Uint8Array(8), mHash, salt)), h);
  }
  /** An RSA signature of `digest`; pss = {saltLength} for RSASSA-PSS, else PKCS#1 v1.5. */
  function rsaSign(key, hashName, digest, pss, random) {
    const k = modulusBytes(key);
    let em;
    if (pss) {
      const emBits = bitLength(key.n) - 1, emLen = (emBits + 7) >> 3;
      const saltLength = pss.saltLength === -1 ? digest.length : pss.saltLength <= -2 ? emLen - digest.length - 2 : pss.saltLength;
      if (saltLength < 0) throw new RangeError('salt too long');
      em = pssEncode(hashName, digest, emBits, random(saltLength));
    } else {
      em = pkcs1Encoded(hashName, digest, k);
    }
    return toBytes(rsaPrivateOp(key, toBig(em)), k);
  }
  function rsaVerify(key, hashName, digest, signature, pss) {
    const k = modulusBytes(key);
    if (signature.length !== k) return false;
    const s = toBig(signature);
    if (s >= key.n) return false;
    const m = modPow(s, key.e, key.n);
    if (pss) {
      const emBits = bitLength(key.n) - 1;
      const saltLength = pss.saltLength === -1 ? digest.length : pss.saltLength;
      return pssVerify(hashName, digest, toBytes(m, k).subarray(k - ((emBits + 7) >> 3)), emBits, saltLength);
    }
    return equalBytes(toBytes(m, k), pkcs1Encoded(hashName, digest, k));
  }
  const bits2int = (digest) => {
    const z = toBig(digest);
    return digest.length > 32 ? z >> BigInt(8 * digest.length - 256) : z;
  };
  /** An ECDSA signature [r, s] of `digest` with a random nonce from `random`. */
  function ecSign(key, digest, random) {
    const z = bits2int(digest);
    for (;;) {
      const k = toBig(random(32));
      if (k === 0n || k >= N) continue;
      const r = mod(affine(multiply(G, k))[0], N);
      if (r === 0n) continue;
      const s = mod(modInv(k, N) * (z + r * key.d), N);
      if (s !== 0n) return [r, s];
    }
  }
  function ecVerify(key, digest, [r, s]) {
    if (r <= 0n || r >= N || s <= 0n || s >= N) return false;
    const w = modInv(s, N), z = bits2int(digest);
    const point = affine(add(multiply(G, mod(z * w, N)), multiply([key.x, key.y, 1n], mod(r * w, N))));
    return point !== null && mod(point[0], N) === r;
  }
  const ecDer = ([r, s]) => seq(derInt(r), derInt(s));
  const ecP1363 = ([r, s]) => concat(toBytes(r, 32), toBytes(s, 32));
  function ecFromDer(b) {
    const items = topLevel(b);
    if (items.length !== 2) throw new Malformed();
    return items.map((t) => integer(b, t));
  }
  const ecFromP1363 = (b) => {
    if (b.length !== 64) throw new Malformed();
    return [toBig(b.subarray(0, 32)), toBig(b.subarray(32))];
  };

  host.keys = { Malformed, Unsupported, parsePem, fromDer, toDer, toPem, toJwk, fromJwk, publicHalf, bitLength,
    rsaSign, rsaVerify, ecSign, ecVerify, ecDer, ecP1363, ecFromDer, ecFromP1363, newHash, equalBytes,
    digestInfoFor: (name) => name in DIGEST_INFO };
}
