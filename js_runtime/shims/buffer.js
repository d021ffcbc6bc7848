// Node's Buffer (the commonly used subset, Node v20 semantics), on web.js's byte helpers.
// indexOf/lastIndexOf/includes search for numbers, strings (in any encoding) and bytes as Node's
// native code does. The numeric read/write helpers are buffer_numbers.js. Omitted: pooling.
{
  const { nodeError, argType, codesToString, latin1Bytes, binaryBytes, utf8Encode, utf8Decode, utf8Cut,
    utf8Length, base64Encode, base64Decode, hexDecode, toHex } = host.bytes;
  const ENCODINGS = { __proto__: null, utf8: 'utf8', 'utf-8': 'utf8', ucs2: 'utf16le', 'ucs-2': 'utf16le',
    utf16le: 'utf16le', 'utf-16le': 'utf16le', latin1: 'latin1', binary: 'latin1', base64: 'base64',
    base64url: 'base64url', hex: 'hex', ascii: 'ascii' };
  function encodingOf(enc, fallback) {
    const e = enc === undefined ? 'utf8' : ENCODINGS[`${enc}`.toLowerCase()] || fallback;
    if (e) return e;
    throw nodeError(TypeError, 'ERR_UNKNOWN_ENCODING', 'Unknown encoding: ' + enc);
  }
  function stringToBytes(s, enc) {
    if (enc === 'utf8') return utf8Encode(s);
    if (enc === 'hex') return hexDecode(s);
    if (enc.startsWith('base64')) return base64Decode(s);
    return enc === 'utf16le' || /[^\0-\xff]/.test(s) ? latin1Bytes(s, enc === 'utf16le' ? 2 : 1) : binaryBytes(s);
  }
  function bytesToString(bytes, enc, start, end) {
    const part = bytes.subarray(start, end);
    if (enc === 'utf8') return utf8Decode(bytes, start, end, false);
    if (enc === 'hex') return toHex(part);
    if (enc.startsWith('base64')) return base64Encode(part, enc === 'base64url');
    const high = (c) => String.fromCharCode(c.charCodeAt(0) - 0x80);
    if (enc === 'ascii') return codesToString(part).replace(/[\x80-\xff]/g, high);
    if (enc === 'latin1') return codesToString(part);
    const units = Uint16Array.from({ length: part.length >> 1 }, (_, i) => part[2 * i] | (part[2 * i + 1] << 8));
    return codesToString(units);
  }
  const checkBytes = (what, v) => {
    if (!(v instanceof Uint8Array)) throw argType(what + ' argument must be an instance of Buffer or Uint8Array', v);
  };
  const compareBytes = (a, b) => {
    for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return Math.sign(a.length - b.length);
  };

  class Buffer extends Uint8Array {
    static from(value, encodingOrOffset, length) {
      if (typeof value === 'string') return fromString(value, encodingOrOffset);
      if (typeof value === 'object' && value !== null) {
        if (value instanceof ArrayBuffer) {
          return new Buffer(value, +encodingOrOffset || 0, length === undefined ? length : +length || 0);
        }
        const prim = typeof value.valueOf === 'function' ? value.valueOf() : value;
        if (prim != null && prim !== value && (typeof prim === 'string' || typeof prim === 'object')) {
          return Buffer.from(prim, encodingOrOffset, length);
        }
        if (value.length !== undefined || value.buffer instanceof ArrayBuffer) {
          return fromArrayLike(typeof value.length === 'number' ? value : []);
        }
        if (value.type === 'Buffer' && Array.isArray(value.data)) return fromArrayLike(value.data);
        const p = typeof value[Symbol.toPrimitive] === 'function' ? value[Symbol.toPrimitive]('string') : null;
        if (typeof p === 'string') return fromString(p, encodingOrOffset);
      }
      throw argType('first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an '
        + 'Array-like Object', value);
    }
    static alloc(size, fill, encoding) {
      const buf = Buffer.allocUnsafe(size);
      return fill !== undefined && fill !== 0 && size > 0 ? buf.fill(fill, encoding) : buf;
    }
    static allocUnsafe(size) {
      if (typeof size !== 'number') throw argType('"size" argument must be of type number', size);
      if (size >= 0 && size <= 2 ** 32) return new Buffer(size);
      const message = 'The value of "size" is out of range. It must be >= 0 && <= 4294967296. Received ' + size;
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', message);
    }
    static allocUnsafeSlow(size) { return Buffer.allocUnsafe(size); }
    static copyBytesFrom(view, offset, length) {
      if (!ArrayBuffer.isView(view) || view instanceof DataView) {
        throw argType('"view" argument must be an instance of TypedArray', view);
      }
      const size = view.BYTES_PER_ELEMENT;
      const start = offset === undefined ? 0 : Math.min(+offset, view.length);
      const end = length === undefined ? view.length : Math.min(start + +length, view.length);
      const bytes = new Uint8Array(view.buffer, view.byteOffset + start * size, Math.max(0, end - start) * size);
      return fromArrayLike(bytes);
    }
    static isBuffer(value) { return value instanceof Buffer; }
    static isEncoding(enc) { return typeof enc === 'string' && enc !== '' && !!ENCODINGS[enc.toLowerCase()]; }
    static byteLength(s, encoding) {
      if (ArrayBuffer.isView(s) || s instanceof ArrayBuffer) return s.byteLength;
      if (typeof s !== 'string') {
        throw argType('"string" argument must be of type string or an instance of Buffer or ArrayBuffer', s);
      }
      const enc = encodingOf(encoding, 'utf8'), n = s.length;
      if (enc === 'utf8') return utf8Length(s);
      if (!enc.startsWith('base64')) return enc === 'hex' ? n >>> 1 : enc === 'utf16le' ? 2 * n : n;
      return ((n - (s.endsWith('=') ? (n > 2 && s.endsWith('==') ? 2 : 1) : 0)) * 3) >>> 2;
    }
    static concat(list, totalLength) {
      if (!Array.isArray(list)) throw argType('"list" argument must be an instance of Array', list);
      list.forEach((b, i) => checkBytes('"list[' + i + ']"', b));
      const total = totalLength === undefined ? list.reduce((n, b) => n + b.length, 0) : totalLength;
      const out = Buffer.alloc(total);
      for (let i = 0, pos = 0; i < list.length && pos < total; pos += list[i++].length) {
        out.set(list[i].subarray(0, total - pos), pos);
      }
      return out;
    }
    static compare(a, b) {
      checkBytes('"buf1"', a);
      checkBytes('"buf2"', b);
      return compareBytes(a, b);
    }
    toString(encoding, start, end) {
      const len = this.length;
      if (arguments.length === 0) return utf8Decode(this, 0, len, false);
      if (start >= len) return '';
      start = start <= 0 ? 0 : Math.trunc(start) || 0;
      end = end === undefined || end > len ? len : Math.trunc(end) || 0;
      return end <= start ? '' : bytesToString(this, encodingOf(encoding), start, end);
    }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(other) {
      checkBytes('"otherBuffer"', other);
      return compareBytes(this, other) === 0;
    }
    compare(target) {
      checkBytes('"target"', target);
      return compareBytes(this, target);
    }
    slice(start, end) { return this.subarray(start, end); }
    toLocaleString(encoding, start, end) { return this.toString(encoding, start, end); }
    indexOf(value, byteOffset, encoding) { return searchBytes(this, value, byteOffset, encoding, true); }
    lastIndexOf(value, byteOffset, encoding) { return searchBytes(this, value, byteOffset, encoding, false); }
    includes(value, byteOffset, encoding) { return searchBytes(this, value, byteOffset, encoding, true) !== -1; }
    write(s, offset = 0, length = undefined, encoding = undefined) {
      if (typeof s !== 'string') throw argType('"string" argument must be of type string', s);
      if (typeof offset === 'string') [encoding, offset] = [offset, 0];
      else if (typeof length === 'string') [encoding, length] = [length, undefined];
      const enc = encodingOf(encoding), bytes = stringToBytes(s, enc), room = Math.max(0, this.length - offset);
      let n = Math.min(bytes.length, room, length === undefined ? room : length >>> 0);
      n = enc === 'utf8' ? utf8Cut(bytes, n) : enc === 'utf16le' ? n & ~1 : n;
      this.set(bytes.subarray(0, n), offset);
      return n;
    }
    copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
      const part = this.subarray(sourceStart, Math.min(sourceEnd, sourceStart + target.length - targetStart));
      if (part.length) target.set(part, targetStart);
      return part.length;
    }
    fill(value, offset = 0, end = this.length, encoding = undefined) {
      if (typeof offset === 'string') [encoding, offset, end] = [offset, 0, this.length];
      else if (typeof end === 'string') [encoding, end] = [end, this.length];
      if (typeof value === 'string') value = stringToBytes(value, encodingOf(encoding));
      if (!(value instanceof Uint8Array) || value.length < 2) {
        const single = value instanceof Uint8Array ? value[0] || 0 : typeof value === 'number' ? value & 255 : value;
        return super.fill(single, offset, end);
      }
      for (let i = offset; i < end; i++) this[i] = value[(i - offset) % value.length];
      return this;
    }
  }
  // Node's bidirectionalIndexOf and its native IndexOfOffset/IndexOfString/IndexOfBuffer/IndexOfNumber.
  function startOffset(length, offset, needle, forward) {
    if (offset < 0) return offset + length >= 0 ? length + offset : forward || needle === 0 ? 0 : -1;
    if (offset + needle <= length) return offset;
    return needle === 0 ? length : forward ? -1 : length - 1;
  }
  function find(hay, needle, from, forward, unit) {
    const n = needle.length;
    const last = hay.length - n;
    const matches = (at) => {
      for (let j = 0; j < n; j++) if (hay[at + j] !== needle[j]) return false;
      return true;
    };
    if (forward) {
      for (let at = from; at <= last; at += unit) if (matches(at)) return at;
    } else {
      for (let at = Math.min(from, last); at >= 0; at -= unit) if (matches(at)) return at;
    }
    return -1;
  }
  function searchBytes(buf, value, byteOffset, encoding, forward) {
    if (typeof byteOffset === 'string') [encoding, byteOffset] = [byteOffset, undefined];
    else if (byteOffset > 0x7fffffff) byteOffset = 0x7fffffff;
    else if (byteOffset < -0x80000000) byteOffset = -0x80000000;
    byteOffset = +byteOffset;
    if (Number.isNaN(byteOffset)) byteOffset = forward ? 0 : buf.length;
    byteOffset = Math.trunc(byteOffset);
    if (typeof value === 'number') {
      const at = startOffset(buf.length, byteOffset, 1, forward);
      if (at <= -1 || buf.length === 0) return -1;
      return find(buf, [(value >>> 0) & 255], at, forward, 1);
    }
    const enc = encoding === undefined ? 'utf8' : ENCODINGS[`${encoding}`.toLowerCase()];
    let needle;
    if (typeof value === 'string') {
      if (enc === undefined) throw nodeError(TypeError, 'ERR_UNKNOWN_ENCODING', 'Unknown encoding: ' + encoding);
      needle = enc === 'latin1' ? latin1Bytes(value) : stringToBytes(value, enc);
    } else if (value instanceof Uint8Array) {
      needle = value;
    } else {
      throw argType('"value" argument must be one of type number or string or an instance of Buffer or Uint8Array', value);
    }
    const wide = enc === 'utf16le';
    // Node rounds the haystack down to whole UTF-16 units for a string needle, not for a byte one
    // (where a miss in an odd-length buffer answers length - 1, as Node's native search does).
    const len = wide && typeof value === 'string' ? buf.length & ~1 : buf.length;
    const at = startOffset(len, byteOffset, needle.length, forward);
    if (needle.length === 0) return at;
    if (len === 0 || at <= -1 || (forward && needle.length + at > len) || needle.length > len) return -1;
    if (wide) {
      if (len < 2 || needle.length < 2) return -1;
      const found = find(buf.subarray(0, len & ~1), needle.subarray(0, needle.length & ~1), at & ~1, forward, 2);
      return found === -1 && (len & 1) ? len - 1 : found;
    }
    return find(buf, needle, at, forward, 1);
  }

  const fromString = (s, enc) => {
    const bytes = stringToBytes(s, typeof enc === 'string' && enc !== '' ? encodingOf(enc) : 'utf8');
    return new Buffer(bytes.buffer, bytes.byteOffset, bytes.length);
  };
  const fromArrayLike = (values) => {
    const buf = new Buffer(values.length);
    buf.set(values);
    return buf;
  };

  host.defineGlobal('Buffer', Buffer);
}
