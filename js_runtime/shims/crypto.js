// `globalThis.crypto` (Web Crypto) and the 'crypto' module (`require('crypto')`, 'node:crypto'), with
// Node 20 semantics. Hashes, HMAC, keys and signatures of the synchronous Node API run here, in JS
// (crypto_hash.js, crypto_keys.js); `crypto.subtle`'s key operations are asynchronous and are served
// by Python's `cryptography` through the session's 'crypto' service (js_runtime/crypto_service.py; a
// ServiceAsk of the bridge protocol, js_runtime/bridge.py).
// Randomness: a ChaCha20 keystream keyed with 32 bytes from the host's CSPRNG, handed in per job by
// __ce.configure (never Math.random). Deliberately omitted: streams (hash.pipe), ciphers, KDFs,
// key generation, curves other than P-256, encrypted PEM.
{
  const { nodeError, argType } = host.bytes;
  const { newHash, hmac, has: hasHash } = host.hash;
  const K = host.keys;
  const DOMException = host.DOMException;

  // ---- randomness ----
  let rngKey = null, rngCounter = 0;
  host.seedRandom = (hexKey) => {
    const b = Buffer.from(hexKey, 'hex');
    rngKey = Uint32Array.from({ length: 8 }, (_, i) => b[4 * i] | (b[4 * i + 1] << 8) | (b[4 * i + 2] << 16) | (b[4 * i + 3] << 24));
  };
  const x = new Uint32Array(16), s0 = new Uint32Array(16);
  function chachaBlock(out, at) {
    s0.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
    s0.set(rngKey, 4);
    s0[12] = rngCounter >>> 0; s0[13] = (rngCounter / 4294967296) >>> 0; s0[14] = 0; s0[15] = 0;
    rngCounter++;
    x.set(s0);
    const qr = (a, b, c, d) => {
      x[a] += x[b]; x[d] ^= x[a]; x[d] = (x[d] << 16) | (x[d] >>> 16);
      x[c] += x[d]; x[b] ^= x[c]; x[b] = (x[b] << 12) | (x[b] >>> 20);
      x[a] += x[b]; x[d] ^= x[a]; x[d] = (x[d] << 8) | (x[d] >>> 24);
      x[c] += x[d]; x[b] ^= x[c]; x[b] = (x[b] << 7) | (x[b] >>> 25);
    };
    for (let i = 0; i < 10; i++) {
      qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
      qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
    }
    for (let i = 0; i < 16 && at < out.length; i++) {
      const w = (x[i] + s0[i]) >>> 0;
      for (let k = 0; k < 4 && at < out.length; k++) out[at++] = w >>> (8 * k);
    }
    return at;
  }
  /** Fill `bytes` (a Uint8Array) from the keystream. */
  function fillRandom(bytes) {
    if (rngKey === null) throw new Error('crypto: no entropy was handed to this context');
    for (let at = 0; at < bytes.length;) at = chachaBlock(bytes, at);
    return bytes;
  }
  const randomBytesOf = (n) => fillRandom(new Uint8Array(n));

  // ---- argument handling shaped like Node's ----
  const bytesOf = (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  function dataOf(data, encoding, what = '"data" argument') {
    if (typeof data === 'string') return bytesOf(Buffer.from(data, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8'));
    if (ArrayBuffer.isView(data)) return bytesOf(data);
    throw argType(`${what} must be of type string or an instance of Buffer, TypedArray, or DataView`, data);
  }
  function bufferOrView(data, what) {
    if (ArrayBuffer.isView(data)) return bytesOf(data);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw argType(`"${what}" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or DataView`, data);
  }
  const output = (bytes, encoding) => {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    return typeof encoding === 'string' && encoding !== 'buffer' && Buffer.isEncoding(encoding) ? buf.toString(encoding) : buf;
  };
  const HASH_ALIASES = { __proto__: null, 'rsa-md5': 'md5', 'rsa-sha1': 'sha1', 'sha-1': 'sha1', 'rsa-sha224': 'sha224',
    'sha-224': 'sha224', 'sha2-224': 'sha224', 'rsa-sha256': 'sha256', 'sha-256': 'sha256', 'sha2-256': 'sha256',
    'rsa-sha384': 'sha384', 'sha-384': 'sha384', 'sha2-384': 'sha384', 'rsa-sha512': 'sha512', 'sha-512': 'sha512',
    'sha2-512': 'sha512', sha1withrsaencryption: 'sha1', sha256withrsaencryption: 'sha256' };
  const hashName = (name) => {
    const lower = `${name}`.toLowerCase(), n = HASH_ALIASES[lower] || lower;
    return hasHash(n) ? n : null;
  };
  const finalized = () => nodeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');

  class Hash {
    #state; #done = false;
    constructor(algorithm, options) {
      if (algorithm instanceof Hash) { this.#state = options; return; }
      if (typeof algorithm !== 'string') throw argType('"algorithm" argument must be of type string', algorithm);
      const name = hashName(algorithm);
      if (!name) throw new Error('Digest method not supported');
      this.#state = newHash(name);
    }
    update(data, encoding) {
      if (this.#done) throw finalized();
      this.#state.update(dataOf(data, encoding));
      return this;
    }
    digest(encoding) {
      if (this.#done) throw finalized();
      this.#done = true;
      return output(this.#state.digest(), encoding);
    }
    copy() {
      if (this.#done) throw finalized();
      return new Hash(this, this.#state.copy());
    }
  }

  class Hmac {
    #state; #done = false;
    constructor(algorithm, key, options) {
      if (typeof algorithm !== 'string') throw argType('"hmac" argument must be of type string', algorithm);
      const name = hashName(algorithm);
      if (!name) throw nodeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', 'Invalid digest: ' + algorithm);
      this.#state = hmac(name, secretBytes(key, options && options.encoding));
    }
    update(data, encoding) {
      if (this.#done) throw finalized();
      this.#state.update(dataOf(data, encoding));
      return this;
    }
    digest(encoding) {
      const bytes = this.#done ? new Uint8Array(0) : this.#state.digest();
      this.#done = true;
      return output(bytes, encoding);
    }
  }

  // ---- keys ----
  const material = new WeakMap();  // KeyObject -> {kind, ...} or secret bytes; never enumerable
  class KeyObject {
    constructor(type) { Object.defineProperty(this, 'type_', { value: type }); }
    get type() { return this.type_; }
    get asymmetricKeyType() { return this.type_ === 'secret' ? undefined : material.get(this).kind; }
    get asymmetricKeyDetails() {
      if (this.type_ === 'secret') return undefined;
      const key = material.get(this);
      return key.kind === 'rsa' ? { modulusLength: K.bitLength(key.n), publicExponent: key.e } : { namedCurve: 'prime256v1' };
    }
    get symmetricKeySize() { return this.type_ === 'secret' ? material.get(this).length : undefined; }
    export(options) {
      const key = material.get(this);
      if (this.type_ === 'secret') {
        if (options && options.format === 'jwk') return { kty: 'oct', k: Buffer.from(key).toString('base64url') };
        return Buffer.from(key);
      }
      if (options === null || typeof options !== 'object') throw argType('"options" argument must be of type object', options);
      const isPrivate = this.type_ === 'private';
      if (options.format === 'jwk') return K.toJwk(key, isPrivate);
      if (options.format !== 'pem' && options.format !== 'der') throw invalidValue('options.format', options.format);
      const types = isPrivate ? ['pkcs8', 'pkcs1', 'sec1'] : ['spki', 'pkcs1'];
      if (!types.includes(options.type)) throw invalidValue('options.type', options.type);
      if ((options.type === 'pkcs1' && key.kind !== 'rsa') || (options.type === 'sec1' && key.kind !== 'ec')) {
        throw nodeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS',
          `The selected key encoding ${options.type} can only be used for ${key.kind === 'rsa' ? 'EC' : 'RSA'} keys.`);
      }
      const der = K.toDer(key, options.type, isPrivate);
      return options.format === 'der' ? Buffer.from(der) : K.toPem(der, options.type, isPrivate);
    }
    equals(other) {
      if (!(other instanceof KeyObject)) throw argType('"otherKeyObject" argument must be an instance of KeyObject', other);
      if (other.type !== this.type) return false;
      const a = material.get(this), b = material.get(other);
      if (this.type_ === 'secret') return K.equalBytes(a, b);
      return stringifyKey(a) === stringifyKey(b);
    }
  }
  const stringifyKey = (key) => Object.keys(key).sort().map((f) => f + '=' + key[f]).join(',');
  Object.defineProperty(KeyObject.prototype, Symbol.toStringTag, { value: 'KeyObject', configurable: true });
  class SecretKeyObject extends KeyObject {}
  class PublicKeyObject extends KeyObject {}
  class PrivateKeyObject extends KeyObject {}
  const makeKey = (type, handle) => {
    const C = type === 'secret' ? SecretKeyObject : type === 'public' ? PublicKeyObject : PrivateKeyObject;
    const key = new C(type);
    material.set(key, handle);
    return key;
  };
  const invalidValue = (what, v) => nodeError(TypeError, 'ERR_INVALID_ARG_VALUE',
    `The property '${what}' is invalid. Received ${typeof v === 'string' ? `'${v}'` : String(v)}`);
  const decoderError = () => Object.assign(new Error('error:1E08010C:DECODER routines::unsupported'),
    { library: 'DECODER routines', reason: 'unsupported', code: 'ERR_OSSL_UNSUPPORTED' });

  function secretBytes(key, encoding) {
    if (key instanceof KeyObject) {
      if (key.type !== 'secret') {
        throw nodeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${key.type}, expected secret.`);
      }
      return material.get(key);
    }
    if (typeof key === 'string') return bytesOf(Buffer.from(key, typeof encoding === 'string' ? encoding : 'utf8'));
    if (ArrayBuffer.isView(key)) return bytesOf(key).slice();
    if (key instanceof ArrayBuffer) return new Uint8Array(key).slice();
    throw argType('"key" argument must be of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey', key);
  }

  function checkJwk(jwk, isPrivate) {
    if (jwk === null || typeof jwk !== 'object') throw argType('"key.key" property must be of type object', jwk);
    if (!['RSA', 'EC', 'OKP'].includes(jwk.kty)) {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'key.kty' must be one of: 'RSA', 'EC', 'OKP'. Received ${typeof jwk.kty === 'string' ? `'${jwk.kty}'` : String(jwk.kty)}`);
    }
    if (jwk.kty === 'OKP') throw nodeError(Error, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK OKP key');
    if (jwk.kty === 'EC' && jwk.crv !== 'P-256') {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'key.crv' must be one of: 'P-256', 'secp256k1', 'P-384', 'P-521'. Received ${typeof jwk.crv === 'string' ? `'${jwk.crv}'` : String(jwk.crv)}`);
    }
    const fields = jwk.kty === 'RSA' ? ['n', 'e', ...(isPrivate ? ['d', 'p', 'q', 'dp', 'dq', 'qi'] : [])]
      : ['x', 'y', ...(isPrivate ? ['d'] : [])];
    for (const f of fields) {
      if (typeof jwk[f] !== 'string') throw argType(`"key.${f}" property must be of type string`, jwk[f]);
    }
    try {
      return K.fromJwk(jwk, isPrivate);
    } catch (e) {
      throw nodeError(Error, 'ERR_CRYPTO_INVALID_JWK', `Invalid JWK ${jwk.kty} key`);
    }
  }

  /** Key material from what Node's createPrivateKey/createPublicKey and sign/verify accept. */
  function asymmetricFrom(input, wantPrivate, forSigning = true) {
    let key = input, format = 'pem', type;
    if (key !== null && typeof key === 'object' && !ArrayBuffer.isView(key) && !(key instanceof KeyObject)) {
      ({ key, format = 'pem', type } = key);
      if (format === 'jwk') {
        const isPrivate = wantPrivate || (key && typeof key === 'object' && typeof key.d === 'string');
        return [checkJwk(key, isPrivate), isPrivate];
      }
    }
    if (key instanceof KeyObject) {
      if (key.type === 'secret') {
        throw nodeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type secret, expected ${wantPrivate ? 'private' : 'public'}.`);
      }
      if (wantPrivate && key.type !== 'private') {
        throw nodeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${key.type}, expected private.`);
      }
      return [material.get(key), key.type === 'private'];
    }
    if (typeof key !== 'string' && !ArrayBuffer.isView(key)) {
      const what = forSigning ? 'ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey' : 'ArrayBuffer, Buffer, TypedArray, or DataView';
      throw argType(`"key" argument must be of type string or an instance of ${what}`, key);
    }
    try {
      if (format === 'der') {
        const bytes = bytesOf(ArrayBuffer.isView(key) ? key : Buffer.from(key));
        const isPrivate = type !== 'spki' && !(type === 'pkcs1' && !wantPrivate);
        return [K.fromDer(bytes, type, isPrivate), isPrivate];
      }
      const text = typeof key === 'string' ? key : Buffer.from(bytesOf(key)).toString('latin1');
      const isPrivate = wantPrivate || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
      return [K.parsePem(text, isPrivate), isPrivate];
    } catch (e) {
      if (e instanceof K.Malformed || e instanceof K.Unsupported || e instanceof RangeError) throw decoderError();
      throw e;
    }
  }
  function createPrivateKey(key) {
    const [handle] = asymmetricFrom(key, true, false);
    return makeKey('private', handle);
  }
  function createPublicKey(key) {
    const [handle] = asymmetricFrom(key, false, false);
    return makeKey('public', K.publicHalf(handle));
  }
  const createSecretKey = (key, encoding) => makeKey('secret', secretBytes(key, encoding));

  // ---- signatures ----
  const RSA_PKCS1_PADDING = 1, RSA_PKCS1_PSS_PADDING = 6;
  function signOptions(key) {
    const o = key !== null && typeof key === 'object' && !ArrayBuffer.isView(key) && !(key instanceof KeyObject) ? key : {};
    const dsaEncoding = o.dsaEncoding === undefined ? 'der' : o.dsaEncoding;
    if (dsaEncoding !== 'der' && dsaEncoding !== 'ieee-p1363') throw invalidValue('options.dsaEncoding', dsaEncoding);
    return { dsaEncoding, padding: o.padding, saltLength: o.saltLength };
  }
  function doSign(digestName, digest, keyInput) {
    const options = signOptions(keyInput);
    const [key] = asymmetricFrom(keyInput, true);
    if (key.kind === 'ec') {
      const rs = K.ecSign(key, digest, randomBytesOf);
      return Buffer.from(options.dsaEncoding === 'der' ? K.ecDer(rs) : K.ecP1363(rs));
    }
    const pss = options.padding === RSA_PKCS1_PSS_PADDING ? { saltLength: options.saltLength === undefined ? -2 : options.saltLength } : null;
    if (!K.digestInfoFor(digestName)) throw invalidDigest();
    return Buffer.from(K.rsaSign(key, digestName, digest, pss, randomBytesOf));
  }
  function doVerify(digestName, digest, keyInput, signature) {
    const options = signOptions(keyInput);
    const [key] = asymmetricFrom(keyInput, false);
    if (key.kind === 'ec') {
      try {
        const rs = options.dsaEncoding === 'der' ? K.ecFromDer(signature) : K.ecFromP1363(signature);
        return K.ecVerify(key, digest, rs);
      } catch (e) {
        if (e instanceof K.Malformed) return false;
        throw e;
      }
    }
    const pss = options.padding === RSA_PKCS1_PSS_PADDING ? { saltLength: options.saltLength === undefined ? -2 : options.saltLength } : null;
    return K.rsaVerify(key, digestName, digest, signature, pss);
  }
  const invalidDigest = (name) => nodeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', name === undefined ? 'Invalid digest' : 'Invalid digest: ' + name);

  class Sign {
    #name; #hash;
    constructor(algorithm) {
      if (typeof algorithm !== 'string') throw argType('"algorithm" argument must be of type string', algorithm);
      this.#name = hashName(algorithm);
      if (!this.#name) throw invalidDigest();
      this.#hash = newHash(this.#name);
    }
    update(data, encoding) { this.#hash.update(dataOf(data, encoding)); return this; }
    sign(privateKey, outputEncoding) { return output(doSign(this.#name, this.#hash.digest(), privateKey), outputEncoding); }
  }
  class Verify {
    #name; #hash;
    constructor(algorithm) {
      if (typeof algorithm !== 'string') throw argType('"algorithm" argument must be of type string', algorithm);
      this.#name = hashName(algorithm);
      if (!this.#name) throw invalidDigest();
      this.#hash = newHash(this.#name);
    }
    update(data, encoding) { this.#hash.update(dataOf(data, encoding)); return this; }
    verify(publicKey, signature, signatureEncoding) {
      return doVerify(this.#name, this.#hash.digest(), publicKey, dataOf(signature, signatureEncoding, '"signature" argument'));
    }
  }
  function oneShot(algorithm, data) {
    const name = algorithm === null || algorithm === undefined ? 'sha256' : hashName(algorithm);
    if (!name) throw invalidDigest(algorithm);
    return [name, newHash(name).update(dataOf(data)).digest()];
  }
  function sign(algorithm, data, key, callback) {
    const [name, digest] = oneShot(algorithm, data);
    const signature = doSign(name, digest, key);
    if (typeof callback === 'function') { Promise.resolve().then(() => callback(null, signature)); return undefined; }
    return signature;
  }
  function verify(algorithm, data, key, signature, callback) {
    const [name, digest] = oneShot(algorithm, data);
    const ok = doVerify(name, digest, key, dataOf(signature, undefined, '"signature" argument'));
    if (typeof callback === 'function') { Promise.resolve().then(() => callback(null, ok)); return undefined; }
    return ok;
  }

  // ---- random helpers ----
  function randomBytes(size, callback) {
    if (typeof size !== 'number') throw argType('"size" argument must be of type number', size);
    if (!(size >= 0 && size <= 2147483647)) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${size}`);
    }
    const buf = Buffer.alloc(size);
    fillRandom(buf);
    if (typeof callback === 'function') { Promise.resolve().then(() => callback(null, buf)); return undefined; }
    return buf;
  }
  function randomUUID() {
    const b = randomBytesOf(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Buffer.from(b).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  function randomInt(min, max, callback) {
    if (max === undefined || typeof max === 'function') [min, max, callback] = [0, min, max];
    if (!Number.isSafeInteger(min)) throw argType('"min" argument must be a safe integer', min);
    if (!Number.isSafeInteger(max)) throw argType('"max" argument must be a safe integer', max);
    if (!(max > min)) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
    }
    const range = max - min, limit = 2 ** 48 - (2 ** 48 % range);
    let v;
    do { v = randomBytesOf(6).reduce((n, byte) => n * 256 + byte, 0); } while (v >= limit);
    const result = min + (v % range);
    if (typeof callback === 'function') { Promise.resolve().then(() => callback(null, result)); return undefined; }
    return result;
  }
  function timingSafeEqual(a, b) {
    const view = (v, what) => {
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return bufferOrView(v, what);
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${what}" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or DataView.`);
    };
    const x = view(a, 'buf1'), y = view(b, 'buf2');
    if (x.length !== y.length) {
      throw nodeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length');
    }
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  }

  // ---- Web Crypto ----
  // Legacy codes web.js's DOMException does not know (Node 20 gives DataError and OperationError 0).
  const DOM_CODES = { __proto__: null, InvalidAccessError: 15, TypeMismatchError: 17, QuotaExceededError: 22 };
  const domError = (message, name) => {
    const e = new DOMException(message, name);
    if (DOM_CODES[name]) Object.defineProperty(e, 'code', { value: DOM_CODES[name], writable: true, configurable: true });
    return e;
  };
  const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    BigInt64Array, BigUint64Array];
  function getRandomValues(data) {
    if (!INTEGER_ARRAYS.some((C) => data instanceof C)) {
      throw domError('The data argument must be an integer-type TypedArray', 'TypeMismatchError');
    }
    if (data.byteLength > 65536) {
      throw domError('The requested length exceeds 65,536 bytes', 'QuotaExceededError');
    }
    fillRandom(bytesOf(data));
    return data;
  }

  const ALGORITHM_NAMES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'HMAC', 'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'ECDSA'];
  const unrecognized = () => domError('Unrecognized algorithm name', 'NotSupportedError');
  const missingOption = (type, member) => nodeError(TypeError, 'ERR_MISSING_OPTION', 'Failed to normalize algorithm: '
    + `passed algorithm can not be converted to '${type}' because '${member}' is required in '${type}'.`);
  function normalize(algorithm, op) {
    const o = typeof algorithm === 'string' ? { name: algorithm } : algorithm;
    if (o === null || typeof o !== 'object' || typeof o.name !== 'string') {
      throw missingOption('Algorithm', 'name');
    }
    const name = ALGORITHM_NAMES.find((n) => n.toLowerCase() === o.name.toLowerCase());
    const isHash = name && name.startsWith('SHA-');
    if (!name || (op === 'digest') !== isHash) throw unrecognized();
    const out = { ...o, name };
    if (o.hash !== undefined) out.hash = normalize(o.hash, 'digest');
    else if (name === 'HMAC' && op === 'importKey') throw missingOption('HmacImportParams', 'hash');
    else if (name.startsWith('RSA') && op === 'importKey') throw missingOption('RsaHashedImportParams', 'hash');
    else if (name === 'ECDSA' && op !== 'importKey') throw missingOption('EcdsaParams', 'hash');
    if (name === 'RSA-PSS' && op !== 'importKey' && o.saltLength === undefined) throw missingOption('RsaPssParams', 'saltLength');
    if (name === 'ECDSA' && op === 'importKey' && o.namedCurve === undefined) throw missingOption('EcKeyImportParams', 'namedCurve');
    return out;
  }
  const ab = (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const webData = (data, method, nth) => {
    if (ArrayBuffer.isView(data)) return bytesOf(data);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `Failed to execute '${method}' on 'SubtleCrypto': ${nth} argument is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.`);
  };

  const cryptoKeys = new WeakMap();  // CryptoKey -> {type, extractable, algorithm, usages, material (base64)}
  class CryptoKey {
    constructor() { throw new TypeError('Illegal constructor'); }
    get type() { return cryptoKeys.get(this).type; }
    get extractable() { return cryptoKeys.get(this).extractable; }
    get algorithm() { return cryptoKeys.get(this).algorithm; }
    get usages() { return cryptoKeys.get(this).usages.slice(); }
  }
  Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: 'CryptoKey', configurable: true });
  function fromAnswer(answer) {
    const key = Object.create(CryptoKey.prototype);
    const algorithm = answer.algorithm;
    if (algorithm.publicExponent !== undefined) algorithm.publicExponent = new Uint8Array(Buffer.from(algorithm.publicExponent, 'base64'));
    cryptoKeys.set(key, { ...answer, algorithm });
    return key;
  }
  function ask(op, payload) {
    return host.call('crypto', { op, ...payload }).then((answer) => {
      if (answer && answer.error) throw domError(answer.error.message, answer.error.name);
      return answer;
    });
  }
  const keyRecord = (key, method, nth) => {
    const record = cryptoKeys.get(key);
    if (!record) {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `Failed to execute '${method}' on 'SubtleCrypto': ${nth} argument is not of type CryptoKey.`);
    }
    return record;
  };
  const wire = (algorithm) => ({ ...algorithm, publicExponent: undefined });
  function checkKeyFor(record, algorithm, usage) {
    if (record.algorithm.name !== algorithm.name || !record.usages.includes(usage)) throw domError(`Unable to use this key to ${usage}`, 'InvalidAccessError');
  }

  const checkFormat = (format, method) => {
    if (!['raw', 'jwk', 'pkcs8', 'spki'].includes(format)) {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE',
        `Failed to execute '${method}' on 'SubtleCrypto': 1st argument value '${format}' is not a valid enum value of type KeyFormat.`);
    }
  };
  // Node's SubtleCrypto methods check their arguments before returning a promise; failures reject.
  const later = (f) => new Promise((resolve) => resolve(f()));
  class SubtleCrypto {
    constructor() { throw new TypeError('Illegal constructor'); }
    digest(algorithm, data) {
      return later(() => {
        const alg = normalize(algorithm, 'digest');
        return ab(newHash(hashName(alg.name)).update(webData(data, 'digest', '2nd')).digest());
      });
    }
    importKey(format, keyData, algorithm, extractable, usages) {
      return later(() => {
        checkFormat(format, 'importKey');
        const alg = normalize(algorithm, 'importKey');
        const data = format === 'jwk' ? keyData : Buffer.from(webData(keyData, 'importKey', '2nd')).toString('base64');
        return ask('importKey', { format, keyData: data, algorithm: wire(alg), extractable: !!extractable, usages: Array.from(usages) })
          .then(fromAnswer);
      });
    }
    exportKey(format, key) {
      return later(() => {
        checkFormat(format, 'exportKey');
        const record = keyRecord(key, 'exportKey', '2nd');
        // Node 20's own spelling (a typo for InvalidAccessError), kept since code may test the name
        if (!record.extractable) throw domError('key is not extractable', 'InvalidAccessException');
        return ask('exportKey', { format, key: record }).then((answer) => (format === 'jwk' ? answer.jwk
          : ab(new Uint8Array(Buffer.from(answer.base64, 'base64')))));
      });
    }
    sign(algorithm, key, data) {
      return later(() => {
        const alg = normalize(algorithm, 'sign'), record = keyRecord(key, 'sign', '2nd');
        checkKeyFor(record, alg, 'sign');
        return ask('sign', { algorithm: wire(alg), key: record, data: Buffer.from(webData(data, 'sign', '3rd')).toString('base64') })
          .then((answer) => ab(new Uint8Array(Buffer.from(answer.base64, 'base64'))));
      });
    }
    verify(algorithm, key, signature, data) {
      return later(() => {
        const alg = normalize(algorithm, 'verify'), record = keyRecord(key, 'verify', '2nd');
        checkKeyFor(record, alg, 'verify');
        return ask('verify', { algorithm: wire(alg), key: record, signature: Buffer.from(webData(signature, 'verify', '3rd')).toString('base64'),
          data: Buffer.from(webData(data, 'verify', '4th')).toString('base64') }).then((answer) => answer.valid === true);
      });
    }
  }
  Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: 'SubtleCrypto', configurable: true });
  class Crypto {
    constructor() { throw new TypeError('Illegal constructor'); }
    get subtle() { return subtle; }
    getRandomValues(data) { return getRandomValues(data); }
    randomUUID() { return randomUUID(); }
  }
  Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: 'Crypto', configurable: true });
  const subtle = Object.create(SubtleCrypto.prototype);
  const webcrypto = Object.create(Crypto.prototype);

  const constants = { RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST: -1, RSA_PSS_SALTLEN_MAX_SIGN: -2,
    RSA_PSS_SALTLEN_AUTO: -2 };
  const nodeCrypto = {
    createHash: (algorithm, options) => new Hash(algorithm, options),
    createHmac: (algorithm, key, options) => new Hmac(algorithm, key, options),
    createSign: (algorithm) => new Sign(algorithm),
    createVerify: (algorithm) => new Verify(algorithm),
    sign, verify, randomBytes, randomUUID, randomInt, timingSafeEqual, getRandomValues,
    createPrivateKey, createPublicKey, createSecretKey,
    getHashes: () => ['RSA-MD5', 'RSA-SHA1', 'RSA-SHA224', 'RSA-SHA256', 'RSA-SHA384', 'RSA-SHA512', 'md5', 'sha1',
      'sha224', 'sha256', 'sha384', 'sha512'],
    Hash, Hmac, Sign, Verify, KeyObject, webcrypto, subtle, constants,
  };
  host.defineGlobal('crypto', webcrypto);
  host.defineGlobal('CryptoKey', CryptoKey);
  host.defineGlobal('SubtleCrypto', SubtleCrypto);
  host.defineGlobal('Crypto', Crypto);
  host.registerModule('crypto', nodeCrypto);
}
