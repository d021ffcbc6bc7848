// Web/Node globals neither engine has, written once so both behave alike, with Node v20 semantics:
// URL, URLSearchParams, TextEncoder, TextDecoder (UTF-8), atob, btoa, DOMException (also handed to
// later shims as host.DOMException). Buffer is buffer.js, which takes its byte helpers from here.
// Deliberately omitted: full IDNA/UTS46 (non-ASCII hosts get NFKC + lower case + punycode only),
// Windows drive-letter quirks of file: URLs, URL.createObjectURL, TextDecoder encodings other than
// UTF-8, windows-1252 (latin1, ascii and their labels) and UTF-16LE/BE.
{
  // ---- errors shaped like Node's ----
  const nodeError = (Ctor, code, message) => Object.assign(new Ctor(message), { code });
  function received(v) {
    if (v == null || typeof v === 'function') return 'Received ' + (v ? 'function ' + v.name : v);
    if (typeof v === 'object') return 'Received an instance of ' + ((v.constructor && v.constructor.name) || 'Object');
    const shown = typeof v === 'string' ? `'${v.length > 28 ? v.slice(0, 25) + '...' : v}'`
      : String(v) + (typeof v === 'bigint' ? 'n' : '');
    return `Received type ${typeof v} (${shown})`;
  }
  const argType = (what, v) => nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The ${what}. ${received(v)}`);
  const missingArgs = (what) => nodeError(TypeError, 'ERR_MISSING_ARGS', `The ${what} must be specified`);
  const tag = (C, name) => Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });

  const DOM_CODES = { __proto__: null, InvalidCharacterError: 5, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, AbortError: 20, TimeoutError: 23, DataCloneError: 25 };
  class DOMException extends Error {
    constructor(message = '', options = 'Error') {
      super(`${message}`);
      const named = options !== null && typeof options === 'object';
      const name = `${named ? (options.name === undefined ? 'Error' : options.name) : options}`;
      const hidden = (value) => ({ value, writable: true, configurable: true });
      Object.defineProperties(this, { name: hidden(name), code: hidden(DOM_CODES[name] || 0) });
    }
  }
  tag(DOMException, 'DOMException');
  const invalidChar = (message) => new DOMException(message || 'Invalid character', 'InvalidCharacterError');

  // ---- strings and bytes ----
  // Bulk work runs in native code, since an interpreted loop costs ~100ns a byte on QuickJS: both
  // engines have Uint8Array.fromBase64/fromHex and toBase64/toHex; quickjs-ng also has a native btoa
  // (taken here, before ours replaces it). Long input is handled in slices to bound temporary memory.
  // Uint8Array's are taken on first use: on V8, reading a typed-array global sets up the backing-store
  // budget (shims/v8_backing_stores.js), which a job that makes none should not pay for; that shim
  // hands out the checked Uint8Array whatever the script has assigned to the global by then.
  const { encodeURIComponent, decodeURIComponent, escape, unescape } = globalThis;
  const nativeBtoa = globalThis.btoa;
  const takeU8 = typeof __ceBackingStores === 'object' ? () => __ceBackingStores.maker('Uint8Array') : ((U) => () => U)(Uint8Array);
  let u8 = null;
  const u8Natives = () => {
    if (u8 !== null) return u8;
    const U = takeU8();
    return (u8 = { U, fromBase64: U.fromBase64, fromHex: U.fromHex, toBase64: U.prototype.toBase64, toHex: U.prototype.toHex });
  };
  const U8 = () => u8Natives().U;
  const fromBase64 = (s) => { const n = u8Natives(); return n.fromBase64.call(n.U, s); };
  const fromHex = (s) => { const n = u8Natives(); return n.fromHex.call(n.U, s); };
  /** `bytes` (a Uint8Array) as hex, natively. */
  const toHex = (bytes) => u8Natives().toHex.call(bytes);
  const SLICE = 65536;
  const toUSV = (s) => (/[\uD800-\uDFFF]/.test(s)
    ? s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]/g, (m) => (m.length === 2 ? m : '\uFFFD')) : s);
  const str = (v) => toUSV(`${v}`);
  function codesToString(codes) {
    let s = '';
    for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode.apply(null, codes.subarray(i, i + 8192));
    return s;
  }
  /** The low byte (or, when wide, both bytes little-endian) of each UTF-16 unit. */
  function latin1Bytes(s, wide = 1) {
    const out = new (U8())(s.length * wide);
    for (let i = 0; i < s.length; i++) {
      out[i * wide] = s.charCodeAt(i);
      if (wide === 2) out[i * 2 + 1] = s.charCodeAt(i) >> 8;
    }
    return out;
  }
  const binaryBytes = (bin) => (nativeBtoa ? fromBase64(nativeBtoa(bin)) : latin1Bytes(bin));
  function concatBytes(parts) {
    const out = new (U8())(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  }
  /** `s` in slices of about SLICE units, never splitting a surrogate pair. */
  function slices(s) {
    const out = [];
    for (let i = 0, j; i < s.length; i = j) {
      j = Math.min(s.length, i + SLICE);
      if (j < s.length && /[\uD800-\uDBFF]/.test(s[j - 1])) j++;
      out.push(s.slice(i, j));
    }
    return out;
  }
  /** The UTF-8 bytes of a string (lone surrogates become U+FFFD), one byte per character. */
  const utf8Binary = (s) => unescape(encodeURIComponent(toUSV(s)));
  const utf8Encode = (s) => concatBytes(slices(s).map((part) => binaryBytes(utf8Binary(part))));
  const utf8Length = (s) => slices(s).reduce((n, part) => n + utf8Binary(part).length, 0);
  /** Where to cut bytes[0, n) so no UTF-8 sequence is split. */
  function utf8Cut(bytes, n) {
    while (n > 0 && n < bytes.length && (bytes[n] & 0xC0) === 0x80) n--;
    return n;
  }

  /** WHATWG UTF-8 decode of bytes[start, end): each maximal invalid subpart → U+FFFD (null if fatal). */
  function utf8Decode(bytes, start, end, fatal) {
    let out = '';
    for (let i = start, j; i < end; i = j) {
      // Slices end where no sequence is in progress: before a byte that is not a continuation byte,
      // or after three continuation bytes in a row. Then each slice decodes as it would in the whole.
      const cut = Math.min(end, i + SLICE);
      for (j = cut; j < end && j > cut - 3 && (bytes[j] & 0xC0) === 0x80;) j--;
      if ((bytes[j] & 0xC0) === 0x80) j = cut;
      const bin = codesToString(bytes.subarray(i, j));
      const text = /[\x80-\xff]/.test(bin) ? (decodeNatively(bin) ?? utf8DecodeSlowly(bytes, i, j, fatal)) : bin;
      if (text === null) return null;
      out += text;
    }
    return out;
  }
  function decodeNatively(bin) {
    try {
      return decodeURIComponent(escape(bin));
    } catch {
      return null;
    }
  }
  /** The byte-by-byte decoder, for input the native one rejects (it throws on any invalid sequence). */
  function utf8DecodeSlowly(bytes, start, end, fatal) {
    const out = new Uint16Array(end - start);
    let n = 0;
    for (let i = start; i < end;) {
      const b = bytes[i++];
      if (b < 0x80) {
        out[n++] = b;
        continue;
      }
      let need = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1, cp = b & (0x3F >> need), ok = b >= 0xC2 && b <= 0xF4;
      let lo = b === 0xE0 ? 0xA0 : b === 0xF0 ? 0x90 : 0x80, hi = b === 0xED ? 0x9F : b === 0xF4 ? 0x8F : 0xBF;
      for (; ok && need && i < end && bytes[i] >= lo && bytes[i] <= hi; need--, lo = 0x80, hi = 0xBF) {
        cp = (cp << 6) | (bytes[i++] & 0x3F);
      }
      if (!ok || need) {
        if (fatal) return null;
        out[n++] = 0xFFFD;
      } else if (cp < 0x10000) out[n++] = cp;
      else {
        out[n++] = 0xD800 | ((cp - 0x10000) >> 10);
        out[n++] = 0xDC00 | (cp & 0x3FF);
      }
    }
    return codesToString(out.subarray(0, n));
  }

  const base64Encode = (bytes, url) => u8Natives().toBase64.call(bytes, url ? { alphabet: 'base64url', omitPadding: true } : {});
  /** Node's lenient decoder: either alphabet, other characters skipped, stops at the first '='. */
  function base64Decode(s) {
    const eq = s.indexOf('=');
    let clean = eq < 0 ? s : s.slice(0, eq);
    if (/[^A-Za-z0-9+/]/.test(clean)) clean = clean.replace(/[^\w+/-]/g, '').replace(/_/g, '/').replace(/-/g, '+');
    return fromBase64(clean.length % 4 === 1 ? clean.slice(0, -1) : clean);
  }
  /** Node's hex decoder: whole pairs, up to the first invalid one. */
  function hexDecode(s) {
    const bad = s.search(/[^0-9a-fA-F]/);
    return fromHex(s.slice(0, (bad < 0 ? s.length : bad) & ~1));
  }
  const hex2 = (b) => (b < 16 ? '0' : '') + b.toString(16);

  // ---- atob / btoa ----
  function btoa(input) {
    if (arguments.length === 0) throw missingArgs('"input" argument');
    if (/[^\0-\xff]/.test((input = `${input}`))) throw invalidChar();
    return base64Encode(binaryBytes(input), false);
  }
  function atob(input) {
    if (arguments.length === 0) throw missingArgs('"input" argument');
    const s = `${input}`.replace(/[\t\n\f\r ]/g, ''), equals = /=*$/.exec(s)[0].length;
    if (/[^A-Za-z0-9+/=]|=[^=]|={3}/.test(s) || (s.length % 4 && equals)) throw invalidChar();
    if ((s.length - equals) % 4 === 1) throw invalidChar('The string to be decoded is not correctly encoded.');
    return codesToString(base64Decode(s));
  }

  // ---- TextEncoder / TextDecoder ----
  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') { return utf8Encode(`${input}`); }
    encodeInto(source, dest) {
      const bytes = utf8Encode(`${source}`), written = utf8Cut(bytes, Math.min(bytes.length, dest.length));
      dest.set(bytes.subarray(0, written));
      return { read: utf8Decode(bytes, 0, written, false).length, written };
    }
  }
  tag(TextEncoder, 'TextEncoder');

  function viewBytes(input) {
    if (input instanceof ArrayBuffer) return new (U8())(input);
    if (ArrayBuffer.isView(input)) return new (U8())(input.buffer, input.byteOffset, input.byteLength);
    throw argType('"input" argument must be an instance of ArrayBuffer or ArrayBufferView', input);
  }
  /** Where a trailing, incomplete UTF-8 sequence starts (bytes.length if there is none). */
  function incompleteTail(bytes) {
    const len = bytes.length;
    for (let i = len - 1; i >= 0 && i >= len - 3 && bytes[i] >= 0x80; i--) {
      const lead = bytes[i];
      if (lead < 0xC0) continue;
      if (lead < 0xC2 || lead > 0xF4 || len - i >= (lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2)) return len;
      // a valid prefix only: the second byte's range depends on the lead (no overlong, surrogate or > U+10FFFF)
      const lo = lead === 0xE0 ? 0xA0 : lead === 0xF0 ? 0x90 : 0x80, hi = lead === 0xED ? 0x9F : lead === 0xF4 ? 0x8F : 0xBF;
      if (i + 1 < len && (bytes[i + 1] < lo || bytes[i + 1] > hi)) return len;
      return i;
    }
    return len;
  }
  // The WHATWG labels of the encodings decoded here (Node 20 with ICU knows more; others throw). Made by
  // the first TextDecoder (a literal: no method a script could have replaced by then), not by every job.
  let LABELS = null;
  const labels = () => LABELS ??= {
      __proto__: null,
      'unicode-1-1-utf-8': 'utf-8', 'unicode11utf8': 'utf-8', 'unicode20utf8': 'utf-8', 'utf-8': 'utf-8',
      'utf8': 'utf-8', 'x-unicode20utf8': 'utf-8',
      'ansi_x3.4-1968': 'windows-1252', 'ascii': 'windows-1252', 'cp1252': 'windows-1252', 'cp819': 'windows-1252',
      'csisolatin1': 'windows-1252', 'ibm819': 'windows-1252', 'iso-8859-1': 'windows-1252',
      'iso-ir-100': 'windows-1252', 'iso8859-1': 'windows-1252', 'iso88591': 'windows-1252',
      'iso_8859-1': 'windows-1252', 'iso_8859-1:1987': 'windows-1252', 'l1': 'windows-1252',
      'latin1': 'windows-1252', 'us-ascii': 'windows-1252', 'windows-1252': 'windows-1252',
      'x-cp1252': 'windows-1252',
      'csunicode': 'utf-16le', 'iso-10646-ucs-2': 'utf-16le', 'ucs-2': 'utf-16le', 'unicode': 'utf-16le',
      'unicodefeff': 'utf-16le', 'utf-16': 'utf-16le', 'utf-16le': 'utf-16le',
      'unicodefffe': 'utf-16be', 'utf-16be': 'utf-16be'
    };
  // Node 20 decodes windows-1252 as ISO-8859-1 (0x80 is U+0080) until a first `stream: true` call, then
  // as windows-1252 proper (ICU: 0x80 is U+20AC) for the rest of that decoder's life.
  const CP1252 = [0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160, 0x2039, 0x152,
    0x8D, 0x17D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x2DC, 0x2122, 0x161, 0x203A,
    0x153, 0x9D, 0x17E, 0x178];
  function decode1252(bytes) {
    const codes = new Uint16Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) codes[i] = bytes[i] >= 0x80 && bytes[i] < 0xA0 ? CP1252[bytes[i] - 0x80] : bytes[i];
    return codesToString(codes);
  }
  /** UTF-16 code units of bytes[0, end) (even end), lone surrogates replaced (null when fatal and one is found). */
  function decodeUtf16(bytes, end, big, fatal) {
    const units = new Uint16Array(end >> 1);
    for (let i = 0; i < units.length; i++) {
      units[i] = big ? (bytes[2 * i] << 8) | bytes[2 * i + 1] : bytes[2 * i] | (bytes[2 * i + 1] << 8);
    }
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      if (u < 0xD800 || u > 0xDFFF) continue;
      if (u <= 0xDBFF && i + 1 < units.length && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF) {
        i++;
        continue;
      }
      if (fatal) return null;
      units[i] = 0xFFFD;
    }
    return codesToString(units);
  }
  class TextDecoder {
    #fatal; #ignoreBOM; #pending = new (U8())(0); #started = false; #encoding; #latin1 = true;
    constructor(label = 'utf-8', options = undefined) {
      this.#encoding = labels()[`${label}`.trim().toLowerCase()];
      if (!this.#encoding) {
        throw nodeError(RangeError, 'ERR_ENCODING_NOT_SUPPORTED', `The "${label}" encoding is not supported`);
      }
      [this.#fatal, this.#ignoreBOM] = [!!(options && options.fatal), !!(options && options.ignoreBOM)];
    }
    get encoding() { return this.#encoding; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input = new (U8())(0), options = undefined) {
      const view = viewBytes(input), stream = !!(options && options.stream);
      const enc = this.#encoding;
      if (enc === 'windows-1252') {
        this.#latin1 &&= !stream;
        // and, on that first path, drops a leading 0xFF when asked to ignore the BOM (as Node 20 does)
        if (!this.#latin1) return decode1252(view);
        return codesToString(this.#ignoreBOM && view[0] === 0xFF ? view.subarray(1) : view);
      }
      const bytes = this.#pending.length ? concatBytes([this.#pending, view]) : view;
      const wide = enc !== 'utf-8', big = enc === 'utf-16be';
      let end = stream ? (wide ? bytes.length & ~1 : incompleteTail(bytes)) : bytes.length;
      if (wide && stream && end >= 2) {
        const last = big ? (bytes[end - 2] << 8) | bytes[end - 1] : bytes[end - 2] | (bytes[end - 1] << 8);
        if (last >= 0xD800 && last <= 0xDBFF) end -= 2;  // a high surrogate waits for its pair
      }
      const bom = !this.#ignoreBOM && !this.#started && (wide
        ? end >= 2 && bytes[big ? 0 : 1] === 0xFE && bytes[big ? 1 : 0] === 0xFF
        : end >= 3 && bytes[0] === 0xEF && bytes[1] === 0xBB && bytes[2] === 0xBF);
      [this.#pending, this.#started] = [bytes.slice(end), stream && (this.#started || end > 0)];
      let text;
      if (wide) {
        const body = bom ? bytes.subarray(2) : bytes;
        const even = (end - (bom ? 2 : 0)) & ~1;
        text = decodeUtf16(body, even, big, this.#fatal);
        if (text !== null && even < end - (bom ? 2 : 0)) {
          // an odd last byte is one more U+FFFD, unless it follows a lone high surrogate (one error for both)
          const lastUnit = even >= 2 ? (big ? (body[even - 2] << 8) | body[even - 1] : body[even - 2] | (body[even - 1] << 8)) : 0;
          text = this.#fatal ? null : lastUnit >= 0xD800 && lastUnit <= 0xDBFF ? text : text + '\uFFFD';
        }
      } else {
        text = utf8Decode(bytes, bom ? 3 : 0, end, this.#fatal);
      }
      if (text !== null) return text;
      [this.#pending, this.#started] = [new (U8())(0), false];
      const message = `The encoded data was not valid for encoding ${enc}`;
      throw nodeError(TypeError, 'ERR_ENCODING_INVALID_ENCODED_DATA', message);
    }
  }
  tag(TextDecoder, 'TextDecoder');

  // ---- URLSearchParams ----
  const PARAMS = new WeakMap();
  function paramsOf(p, args = [], needed = 0) {
    const st = PARAMS.get(p);
    if (!st) throw nodeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type URLSearchParams');
    if (args.length < needed) throw missingArgs(needed === 1 ? '"name" argument' : '"name" and "value" arguments');
    return st;
  }
  /** Percent-decode every %XX run as UTF-8 (invalid sequences → U+FFFD); other text is kept. */
  const pctDecode = (s) => s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const b = U8().from(run.slice(1).split('%'), (h) => parseInt(h, 16));
    return utf8Decode(b, 0, b.length, false);
  });
  const formDecode = (s) => pctDecode(s.replace(/\+/g, ' '));
  const pctByte = (c) => '%' + hex2(c.charCodeAt(0)).toUpperCase();
  const formEncode = (s) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, pctByte);
  const parseQuery = (s) => s.split('&').filter((part) => part !== '').map((part) => {
    const eq = part.indexOf('=') < 0 ? part.length : part.indexOf('=');
    return [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))];
  });
  const serializeQuery = (list) => list.map(([k, v]) => formEncode(k) + '=' + formEncode(v)).join('&');
  /** After a change to the list, update the URL the params belong to. */
  function changed(st) {
    const q = st.url ? serializeQuery(st.list) : '';
    if (st.url) URLS.get(st.url).query = q === '' ? null : q;
  }
  function pairsOf(init) {
    if (typeof init[Symbol.iterator] !== 'function') {
      throw nodeError(TypeError, 'ERR_ARG_NOT_ITERABLE', 'Query pairs must be iterable');
    }
    return Array.from(init, (pair) => {
      const kv = (typeof pair === 'object' && pair !== null) || typeof pair === 'function' ? Array.from(pair) : [];
      if (kv.length !== 2) {
        throw nodeError(TypeError, 'ERR_INVALID_TUPLE', 'Each query pair must be an iterable [name, value] tuple');
      }
      return kv.map(str);
    });
  }

  class URLSearchParams {
    constructor(init = undefined) {
      const st = { list: [], url: null };
      PARAMS.set(this, st);
      if (init == null) return;
      if (typeof init !== 'object' && typeof init !== 'function') st.list = parseQuery(str(init).replace(/^\?/, ''));
      else if (init[Symbol.iterator] !== undefined) st.list = pairsOf(init);
      else st.list = Object.keys(init).map((k) => [toUSV(k), str(init[k])]);
    }
    get size() { return paramsOf(this).list.length; }
    append(name, value) {
      const st = paramsOf(this, arguments, 2);
      st.list.push([str(name), str(value)]);
      changed(st);
    }
    delete(name, value = undefined) {
      const st = paramsOf(this, arguments, 1), n = str(name), v = value === undefined ? value : str(value);
      st.list = st.list.filter((p) => p[0] !== n || (v !== undefined && p[1] !== v));
      changed(st);
    }
    get(name) {
      const n = str(name), pair = paramsOf(this, arguments, 1).list.find((p) => p[0] === n);
      return pair ? pair[1] : null;
    }
    getAll(name) {
      const n = str(name);
      return paramsOf(this, arguments, 1).list.filter((p) => p[0] === n).map((p) => p[1]);
    }
    has(name, value = undefined) {
      const n = str(name), v = value === undefined ? value : str(value);
      return paramsOf(this, arguments, 1).list.some((p) => p[0] === n && (v === undefined || p[1] === v));
    }
    set(name, value) {
      const st = paramsOf(this, arguments, 2), n = str(name), v = str(value), i = st.list.findIndex((p) => p[0] === n);
      if (i < 0) st.list.push([n, v]);
      else st.list = st.list.filter((p, j) => p[0] !== n || j === i).map((p, j) => (j === i ? [n, v] : p));
      changed(st);
    }
    sort() {
      const st = paramsOf(this);
      st.list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      changed(st);
    }
    forEach(callback, thisArg = undefined) {
      const st = paramsOf(this);
      if (typeof callback !== 'function') throw argType('"callback" argument must be of type function', callback);
      for (let i = 0; i < st.list.length; i++) callback.call(thisArg, st.list[i][1], st.list[i][0], this);
    }
    * entries() {
      const st = paramsOf(this);
      for (let i = 0; i < st.list.length; i++) yield [st.list[i][0], st.list[i][1]];
    }
    * keys() { for (const [k] of this.entries()) yield k; }
    * values() { for (const [, v] of this.entries()) yield v; }
    toString() { return serializeQuery(paramsOf(this).list); }
  }
  Object.defineProperty(URLSearchParams.prototype, Symbol.iterator,
    { value: URLSearchParams.prototype.entries, writable: true, configurable: true });
  tag(URLSearchParams, 'URLSearchParams');

  // ---- URL: the WHATWG parser as a few passes over the input rather than a state machine ----
  const URLS = new WeakMap();
  const DEFAULT_PORTS = { __proto__: null, ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };
  const isSpecial = (scheme) => scheme in DEFAULT_PORTS;
  // Percent-encode sets: everything outside printable ASCII, plus each set's own characters.
  const C0_SET = /[^\x20-\x7e]/gu;
  const FRAGMENT_SET = /[^\x20-\x7e]|[ "<>`]/gu;
  const QUERY_SET = /[^\x20-\x7e]|[ "#<>]/gu;
  const SPECIAL_QUERY_SET = /[^\x20-\x7e]|[ "#<>']/gu;
  const PATH_SET = /[^\x20-\x7e]|[ "#<>?`{}]/gu;
  const USERINFO_SET = /[^\x20-\x7e]|[ "#<>?`{}/:;=@[\\\]^|]/gu;
  const pctEncode = (s, set) => s.replace(set, (c) => (c > '\x7f' ? encodeURIComponent(c) : pctByte(c)));
  const querySet = (url) => (isSpecial(url.scheme) ? SPECIAL_QUERY_SET : QUERY_SET);
  const stripTabs = (s) => s.replace(/[\t\n\r]/g, '');
  const slashRe = (scheme) => (isSpecial(scheme) ? /[/\\]/ : /\//);
  /** The end of the authority: the first character that starts a path, query or fragment. */
  function authorityEnd(s, scheme) {
    const i = s.search(isSpecial(scheme) ? /[/\\?#]/ : /[/?#]/);
    return i < 0 ? s.length : i;
  }

  function rec(url) {
    const r = URLS.get(url);
    if (!r) throw new TypeError('Receiver must be an instance of class URL');
    return r;
  }
  function invalidURL(input, base) {
    const e = Object.assign(nodeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL'), { input });
    return base === undefined ? e : Object.assign(e, { base });
  }

  // The common case, an absolute http(s) URL that needs no normalising: a lower-case host name or a
  // canonical IPv4 address, a port, a path and query of characters that are never percent-encoded,
  // no `.`/`..` segment, no fragment. For these the general parser below only splits the string, so
  // it is skipped (most of a fetch's JavaScript time was here); tests compare the two on such URLs.
  const SIMPLE_URL = /^(https?):\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?((?:\/[\w\-.~!$&()*+,;=:@%]*)*)(?:\?([\w\-.~!$&()*+,;=:@%/?]*))?$/;
  const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;
  const NUMERIC_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/;
  const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.|$)){4}$/;
  function parseSimpleURL(s) {
    const m = SIMPLE_URL.exec(s);
    if (!m || DOT_SEGMENT.test(m[4]) || (NUMERIC_LABEL.test(m[2]) && !CANONICAL_IPV4.test(m[2]))) return undefined;
    const url = {
      scheme: m[1], username: '', password: '', host: m[2], port: null,
      path: m[4] === '' ? [''] : m[4].slice(1).split('/'), query: m[5] === undefined ? null : m[5], fragment: null,
    };
    return m[3] === undefined || setPort(url, m[3]) ? url : null;
  }

  /** Parse `input` (against a parsed base or null) into a record, or null when it is not a URL. */
  function parseURL(input, base) {
    const simple = base ? undefined : parseSimpleURL(input);
    if (simple !== undefined) return simple;
    let s = stripTabs(toUSV(input).replace(/^[\0-\x20]+|[\0-\x20]+$/g, ''));
    const url = {
      scheme: '', username: '', password: '', host: null, port: null, path: [], query: null, fragment: null,
    };
    const m = /^([a-zA-Z][a-zA-Z0-9+\-.]*):/.exec(s);
    if (!m) {
      if (!base || (typeof base.path === 'string' && s[0] !== '#')) return null;
      if (typeof base.path !== 'string') return relative(Object.assign(url, { scheme: base.scheme }), s, base);
      tail(Object.assign(url, base, { fragment: null }), s);
      return url;
    }
    url.scheme = m[1].toLowerCase();
    s = s.slice(m[0].length);
    if (url.scheme === 'file') return relative(url, s, base && base.scheme === 'file' ? base : null);
    if (isSpecial(url.scheme) && base && base.scheme === url.scheme) return relative(url, s, base);
    if (isSpecial(url.scheme)) return authority(url, s.replace(/^[/\\]*/, ''));
    if (s.startsWith('//')) return authority(url, s.slice(2));
    if (s[0] === '/') return pathAndTail(url, s.slice(1), []);
    url.path = pctEncode(tail(url, s), C0_SET);
    return url;
  }
  function relative(url, s, base) {
    const slash = slashRe(url.scheme);
    if (url.scheme === 'file') url.host = '';
    if (slash.test(s[0]) && slash.test(s[1])) {
      return authority(url, url.scheme === 'file' ? s.slice(2) : s.replace(/^[/\\]*/, ''));
    }
    if (base) Object.assign(url, { username: base.username, password: base.password, host: base.host });
    if (base) url.port = base.port;
    if (slash.test(s[0])) return pathAndTail(url, s.slice(1), []);
    if (!base) return pathAndTail(url, s, []);
    if (s !== '' && s[0] !== '?' && s[0] !== '#') return pathAndTail(url, s, base.path.slice(0, -1));
    tail(Object.assign(url, { path: base.path.slice(), query: base.query }), s);
    return url;
  }
  function authority(url, s) {
    const special = isSpecial(url.scheme), end = authorityEnd(s, url.scheme);
    let auth = s.slice(0, end);
    if (url.scheme !== 'file') {
      const at = auth.lastIndexOf('@'), cred = auth.slice(0, at), colon = cred.indexOf(':');
      if (at >= 0) {
        url.username = pctEncode(colon < 0 ? cred : cred.slice(0, colon), USERINFO_SET);
        url.password = colon < 0 ? '' : pctEncode(cred.slice(colon + 1), USERINFO_SET);
        if ((auth = auth.slice(at + 1)) === '') return null;
      }
      const portAt = hostColon(auth), port = auth.slice(portAt + 1);
      if (portAt >= 0) auth = auth.slice(0, portAt);
      if (portAt >= 0 && (auth === '' || !/^\d*$/.test(port) || (port && !setPort(url, port)))) return null;
      if (special && auth === '') return null;
    }
    const host = parseHost(auth, special);
    if (host === null) return null;
    url.host = url.scheme === 'file' && host === 'localhost' ? '' : host;
    const rest = tail(url, s.slice(end));
    if (special || rest) addSegments(url, rest.slice(1));
    return url;
  }
  function hostColon(s) {
    for (let i = 0, inside = false; i < s.length; i++) {
      if (s[i] === '[' || s[i] === ']') inside = s[i] === '[';
      else if (s[i] === ':' && !inside) return i;
    }
    return -1;
  }
  function setPort(url, digits) {
    const port = parseInt(digits, 10);
    if (port <= 65535) url.port = port === DEFAULT_PORTS[url.scheme] ? null : port;
    return port <= 65535;
  }
  /** Split off and encode the fragment and the query; return the path part. */
  function tail(url, s) {
    const h = s.indexOf('#');
    if (h >= 0) [url.fragment, s] = [pctEncode(s.slice(h + 1), FRAGMENT_SET), s.slice(0, h)];
    const q = s.indexOf('?');
    if (q >= 0) [url.query, s] = [pctEncode(s.slice(q + 1), querySet(url)), s.slice(0, q)];
    return s;
  }
  function pathAndTail(url, s, path) {
    const p = tail(url, s);
    url.path = path;
    addSegments(url, p);
    return url;
  }
  /** Append the segments of `p` (no leading slash) to url.path, resolving `.` and `..`. */
  function addSegments(url, p) {
    const segments = p.split(slashRe(url.scheme)), path = url.path;
    segments.forEach((seg, i) => {
      const dots = /^(\.|%2e)$/i.test(seg) ? 1 : /^(\.|%2e){2}$/i.test(seg) ? 2 : 0;
      if (dots === 2 && !(url.scheme === 'file' && path.length === 1 && /^[a-zA-Z]:$/.test(path[0]))) path.pop();
      if (!dots) path.push(pctEncode(seg, PATH_SET));
      else if (i === segments.length - 1) path.push('');
    });
  }

  // ---- hosts ----
  function parseHost(s, special) {
    if (s[0] === '[') {
      const v6 = s.endsWith(']') ? parseIPv6(s.slice(1, -1)) : null;
      return v6 === null ? null : '[' + v6 + ']';
    }
    if (!special) return /[\0\t\n\r #/:<>?@[\\\]^|]/.test(s) ? null : pctEncode(s, C0_SET);
    const d = domainToASCII(pctDecode(s));
    if (d === null || /[\0-\x20#%/:<>?@[\\\]^|\x7f]/.test(d)) return null;
    return /^(\d+|0x[0-9a-f]*)$/.test(ipv4Parts(d).pop()) ? parseIPv4(d) : d;
  }
  function domainToASCII(d) {
    if (!/[^\0-\x7f]/.test(d)) return d.toLowerCase();
    d = d.normalize('NFKC').toLowerCase().replace(/[\u3002\uff0e\uff61]/g, '.');
    if (d.includes('\ufffd')) return null;
    return d.split('.').map((label) => (/[^\0-\x7f]/.test(label) ? 'xn--' + punycode(label) : label)).join('.');
  }
  /** RFC 3492 punycode encoding of one label. */
  function punycode(label) {
    const cps = Array.from(label, (c) => c.codePointAt(0)), digit = (d) => String.fromCharCode(d + (d < 26 ? 97 : 22));
    let out = String.fromCharCode(...cps.filter((c) => c < 128)), n = 128, delta = 0, bias = 72;
    const basic = out.length;
    if (basic) out += '-';
    for (let h = basic; h < cps.length; delta++, n++) {
      const m = Math.min(...cps.filter((c) => c >= n));
      [delta, n] = [delta + (m - n) * (h + 1), m];
      for (const c of cps) {
        if (c < n) delta++;
        if (c !== n) continue;
        let q = delta;
        for (let k = 36, t; q >= (t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias); k += 36) {
          out += digit(t + ((q - t) % (36 - t)));
          q = Math.floor((q - t) / (36 - t));
        }
        out += digit(q);
        bias = adaptBias(delta, h + 1, h === basic);
        delta = 0;
        h++;
      }
    }
    return out;
  }
  function adaptBias(delta, count, first) {
    delta = first ? Math.floor(delta / 700) : delta >> 1;
    delta += Math.floor(delta / count);
    let k = 0;
    for (; delta > 455; k += 36) delta = Math.floor(delta / 35);
    return k + Math.floor((36 * delta) / (delta + 38));
  }
  /** The dot-separated parts of a host, without one trailing empty part. */
  const ipv4Parts = (d) => d.split('.').filter((p, i, all) => p !== '' || i < all.length - 1 || all.length === 1);
  function ipv4Number(p) {
    const radix = /^0x/i.test(p) ? 16 : p.length > 1 && p[0] === '0' ? 8 : 10;
    const digits = p.slice(radix === 16 ? 2 : radix === 8 ? 1 : 0);
    const ok = radix === 16 ? /^[0-9a-f]*$/i : radix === 8 ? /^[0-7]*$/ : /^\d+$/;
    return ok.test(digits) ? parseInt(digits || '0', radix) : null;
  }
  function parseIPv4(d) {
    const nums = ipv4Parts(d).map(ipv4Number), last = nums.length - 1;
    if (last > 3 || nums.some((v, i) => v === null || (i < last && v > 255))) return null;
    if (nums[last] >= 256 ** (4 - last)) return null;
    const ip = nums.reduce((sum, v, i) => sum + (i < last ? v * 256 ** (3 - i) : v), 0);
    return [24, 16, 8, 0].map((shift) => Math.floor(ip / 2 ** shift) % 256).join('.');
  }
  function ipv6Pieces(h, v4Allowed) {
    const out = [], parts = h === '' ? [] : h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const b = parts[i].split('.');
      if (v4Allowed && i === parts.length - 1 && b.length > 1) {
        if (b.length !== 4 || !b.every((x) => /^(0|[1-9]\d{0,2})$/.test(x) && +x < 256)) return null;
        out.push(b[0] * 256 + +b[1], b[2] * 256 + +b[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(parts[i])) out.push(parseInt(parts[i], 16));
      else return null;
    }
    return out;
  }
  function parseIPv6(s) {
    const halves = s.split('::'), left = ipv6Pieces(halves[0], halves.length === 1);
    const right = halves.length === 2 ? ipv6Pieces(halves[1], true) : [];
    if (halves.length > 2 || !left || !right) return null;
    const count = left.length + right.length;
    if (halves.length === 1 ? count !== 8 : count > 7) return null;
    const a = left.concat(new Array(8 - count).fill(0), right);
    let best = -1, bestLen = 1, out = '';
    for (let i = 0, j; i < 8; i = Math.max(j, i + 1)) {
      for (j = i; a[j] === 0;) j++;
      if (j - i > bestLen) [best, bestLen] = [i, j - i];
    }
    for (let i = 0; i < 8; i++) {
      if (i !== best) out += a[i].toString(16) + (i < 7 ? ':' : '');
      else [out, i] = [out + (i ? ':' : '::'), i + bestLen - 1];
    }
    return out;
  }

  function serializeURL(r) {
    let out = r.scheme + ':';
    const credentials = r.username || r.password ? r.username + (r.password ? ':' + r.password : '') + '@' : '';
    if (r.host !== null) out += '//' + credentials + hostAndPort(r);
    if (typeof r.path === 'string') out += r.path;
    else out += (r.host === null && r.path.length > 1 && r.path[0] === '' ? '/.' : '') + pathString(r.path);
    return out + (r.query !== null ? '?' + r.query : '') + (r.fragment !== null ? '#' + r.fragment : '');
  }
  const pathString = (path) => path.map((seg) => '/' + seg).join('');
  const hostAndPort = (r) => (r.host === null ? '' : r.host + (r.port !== null ? ':' + r.port : ''));
  const refreshParams = (r) => { PARAMS.get(r.params).list = r.query ? parseQuery(r.query) : []; };
  const noCredentials = (r) => r.host === null || r.host === '' || r.scheme === 'file';
  const setCredential = (r, key, v) => { if (!noCredentials(r)) r[key] = pctEncode(str(v), USERINFO_SET); };
  function setHost(r, v, withPort) {
    v = stripTabs(str(v));
    v = v.slice(0, authorityEnd(v, r.scheme));
    const special = isSpecial(r.scheme), colon = hostColon(v), name = colon >= 0 ? v.slice(0, colon) : v;
    if (typeof r.path === 'string' || (colon >= 0 && !withPort)) return;
    if (name === '' && (special || colon >= 0 || r.username || r.password || r.port !== null)) return;
    const host = parseHost(name, special), digits = colon >= 0 && /^\d+/.exec(v.slice(colon + 1));
    if (host !== null) r.host = r.scheme === 'file' && host === 'localhost' ? '' : host;
    if (host !== null && digits) setPort(r, digits[0]);
  }

  class URL {
    constructor(input, base = undefined) {
      if (arguments.length === 0) throw missingArgs('"url" argument');
      input = `${input}`;
      const b = base === undefined ? null : parseURL((base = `${base}`), null);
      const r = base === undefined || b ? parseURL(input, b) : null;
      if (!r) throw invalidURL(input, base);
      r.params = new URLSearchParams();
      PARAMS.get(r.params).url = this;
      URLS.set(this, r);
      refreshParams(r);
    }
    static parse(input, base = undefined) {
      try {
        return new URL(input, base);
      } catch {
        return null;
      }
    }
    static canParse(input, base = undefined) {
      const b = base === undefined ? null : parseURL(`${base}`, null);
      return (base === undefined || b !== null) && parseURL(`${input}`, b) !== null;
    }
    get href() { return serializeURL(rec(this)); }
    set href(v) {
      const r = rec(this), parsed = parseURL(`${v}`, null);
      if (!parsed) throw invalidURL(`${v}`);
      refreshParams(Object.assign(r, parsed));
    }
    get origin() {
      const r = rec(this), inner = r.scheme === 'blob' && typeof r.path === 'string' ? parseURL(r.path, null) : r;
      if (!inner || !/^(https?|wss?|ftp)$/.test(inner.scheme)) return 'null';
      if (inner !== r && !/^https?$/.test(inner.scheme)) return 'null';
      return inner.scheme + '://' + hostAndPort(inner);
    }
    get protocol() { return rec(this).scheme + ':'; }
    set protocol(v) {
      const r = rec(this), m = /^([a-zA-Z][a-zA-Z0-9+\-.]*):/.exec(stripTabs(str(v)) + ':');
      const scheme = m && m[1].toLowerCase();
      if (!m || isSpecial(scheme) !== isSpecial(r.scheme) || (r.scheme === 'file' && r.host === '')) return;
      if (scheme === 'file' && (r.username || r.password || r.port !== null)) return;
      r.scheme = scheme;
      if (r.port === DEFAULT_PORTS[scheme]) r.port = null;
    }
    get username() { return rec(this).username; }
    set username(v) { setCredential(rec(this), 'username', v); }
    get password() { return rec(this).password; }
    set password(v) { setCredential(rec(this), 'password', v); }
    get host() { return hostAndPort(rec(this)); }
    set host(v) { setHost(rec(this), v, true); }
    get hostname() { return rec(this).host || ''; }
    set hostname(v) { setHost(rec(this), v, false); }
    get port() { return rec(this).port === null ? '' : String(rec(this).port); }
    set port(v) {
      const r = rec(this), digits = /^\d*/.exec((v = stripTabs(str(v))))[0];
      if (noCredentials(r)) return;
      if (v === '') r.port = null;
      else if (digits) setPort(r, digits);
    }
    get pathname() {
      const r = rec(this);
      return typeof r.path === 'string' ? r.path : pathString(r.path);
    }
    set pathname(v) {
      const r = rec(this), special = isSpecial(r.scheme);
      if (typeof r.path === 'string') return;
      v = stripTabs(str(v));
      r.path = !special && v === '' && r.host === null ? [''] : [];
      if (special || v !== '') addSegments(r, v.replace(special ? /^[/\\]/ : /^\//, ''));
    }
    get search() { return rec(this).query ? '?' + rec(this).query : ''; }
    set search(v) {
      const r = rec(this);
      r.query = (v = str(v)) === '' ? null : pctEncode(stripTabs(v).replace(/^\?/, ''), querySet(r));
      refreshParams(r);
    }
    get hash() { return rec(this).fragment ? '#' + rec(this).fragment : ''; }
    set hash(v) {
      rec(this).fragment = (v = str(v)) === '' ? null : pctEncode(stripTabs(v).replace(/^#/, ''), FRAGMENT_SET);
    }
    get searchParams() { return rec(this).params; }
    toString() { return serializeURL(rec(this)); }
    toJSON() { return serializeURL(rec(this)); }
  }
  tag(URL, 'URL');

  host.DOMException = DOMException;
  // fetch's view of a URL, without building a URL object (nor its searchParams) for each request:
  // the record `new URL(input)` would hold (or its TypeError), and the href of a record.
  host.url = {
    parse(input) {
      const r = parseURL(input, null);
      if (!r) throw invalidURL(input);
      return r;
    },
    href: serializeURL,
  };
  // ArrayBuffer memory is outside V8's heap limit (SECURITY.md), so the byte stores built from connector data
  // (Blob, FormData, axios's form-data parts) have a cap of their own, a quarter of the default engine heap
  // limit (copies included, that fits in it): past it, a RangeError with code ERR_BLOB_TOO_LARGE.
  const MAX_STORED_BYTES = 16 * 1024 * 1024;
  const tooLarge = () => Object.assign(new RangeError('Blob or FormData contents larger than ' + MAX_STORED_BYTES
    + ' bytes'), { code: 'ERR_BLOB_TOO_LARGE' });
  host.bytes = { MAX_STORED_BYTES, tooLarge, nodeError, argType, concatBytes, codesToString, latin1Bytes, binaryBytes, utf8Encode, utf8Decode, utf8Cut,
    utf8Length, base64Encode, base64Decode, hexDecode, toHex };
  const globals = { URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa, DOMException };
  for (const name of Object.keys(globals)) host.defineGlobal(name, globals[name]);
}
