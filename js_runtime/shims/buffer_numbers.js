// Buffer's numeric read/write helpers (Node 20: read/write[U]Int{8,16,32}{LE,BE}, [U]IntLE/BE of 1-6
// bytes, Float/Double, BigInt64/BigUInt64, with the Uint aliases), their range and bounds errors as
// Node words them, and swap16/32/64. A unit of its own, selected by these method names, so that a job
// using Buffer without them does not compile them.
{
  const Buffer = globalThis.Buffer;
  const P = Buffer.prototype;
  const { nodeError, argType } = host.bytes;
  const separated = (s) => {
    let out = '';
    let i = s.length;
    const start = s[0] === '-' ? 1 : 0;
    for (; i >= start + 4; i -= 3) out = '_' + s.slice(i - 3, i) + out;
    return s.slice(0, i) + out;
  };
  const shown = (v) => {
    if (typeof v === 'bigint') return (v > 2n ** 32n || v < -(2n ** 32n) ? separated(String(v)) : String(v)) + 'n';
    if (Number.isInteger(v) && Math.abs(v) > 2 ** 32) return separated(String(v));
    return Object.is(v, -0) ? '-0' : typeof v === 'string' ? `'${v}'` : String(v);
  };
  const outOfRange = (name, range, v) => nodeError(RangeError, 'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${shown(v)}`);
  const validateNumber = (v, name) => {
    if (typeof v !== 'number') throw argType(`"${name}" argument must be of type number`, v);
  };
  function boundsError(value, length, type) {
    if (Math.floor(value) !== value) {
      validateNumber(value, type || 'offset');
      throw outOfRange(type || 'offset', 'an integer', value);
    }
    if (length < 0) throw nodeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', 'Attempt to access memory outside buffer bounds');
    throw outOfRange(type || 'offset', `>= ${type ? 1 : 0} and <= ${length}`, value);
  }
  const checkBounds = (buf, offset, n) => {  // n bytes from offset
    validateNumber(offset, 'offset');
    if (buf[offset] === undefined || buf[offset + n - 1] === undefined) boundsError(offset, buf.length - n);
  };
  const view = (buf) => new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

  function readUnsigned(buf, offset, n, little) {
    checkBounds(buf, offset, n);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + buf[offset + (little ? n - 1 - i : i)];
    return v;
  }
  function checkInt(value, min, max, buf, offset, n) {
    if (value > max || value < min) {
      const b = typeof min === 'bigint' ? 'n' : '';
      let range;
      if (n > 4) {
        range = min === 0 || min === 0n ? `>= 0${b} and < 2${b} ** ${n * 8}${b}`
          : `>= -(2${b} ** ${n * 8 - 1}${b}) and < 2${b} ** ${n * 8 - 1}${b}`;
      } else {
        range = `>= ${min}${b} and <= ${max}${b}`;
      }
      throw outOfRange('value', range, value);
    }
    checkBounds(buf, offset, n);
  }
  function writeInt(buf, value, offset, n, little, signed) {
    value = +value;
    const max = 2 ** (8 * n - (signed ? 1 : 0));
    if (n === 1) validateNumber(offset, 'offset');
    checkInt(value, signed ? -max : 0, max - 1, buf, offset, n);
    let lo = value >>> 0;
    let hi = Math.floor(value / 2 ** 32);
    for (let i = 0; i < n; i++) {
      buf[offset + (little ? i : n - 1 - i)] = i < 4 ? lo & 255 : hi & 255;
      if (i < 4) lo >>>= 8;
      else hi >>= 8;
    }
    return offset + n;
  }
  const sizes = { 8: 1, 16: 2, 32: 4 };
  const define = (name, fn) => {
    Object.defineProperty(P, name, { value: fn, writable: true, configurable: true });
    if (name.includes('UInt')) Object.defineProperty(P, name.replace('UInt', 'Uint'), { value: fn, writable: true, configurable: true });
  };
  for (const bits of [8, 16, 32]) {
    const n = sizes[bits];
    for (const end of bits === 8 ? [''] : ['LE', 'BE']) {
      const little = end === 'LE';
      define(`readUInt${bits}${end}`, function (offset = 0) { return readUnsigned(this, offset, n, little); });
      define(`readInt${bits}${end}`, function (offset = 0) {
        const v = readUnsigned(this, offset, n, little);
        return v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
      });
      define(`writeUInt${bits}${end}`, function (value, offset = 0) { return writeInt(this, value, offset, n, little, false); });
      define(`writeInt${bits}${end}`, function (value, offset = 0) { return writeInt(this, value, offset, n, little, true); });
    }
  }
  const byteLengthOf = (offset, n, reading) => {
    if (reading && offset === undefined) throw argType('"offset" argument must be of type number', offset);
    if (![1, 2, 3, 4, 5, 6].includes(n)) boundsError(n, 6, 'byteLength');
  };
  for (const end of ['LE', 'BE']) {
    const little = end === 'LE';
    define(`readUInt${end}`, function (offset, byteLength) {
      byteLengthOf(offset, byteLength, true);
      return readUnsigned(this, offset, byteLength, little);
    });
    define(`readInt${end}`, function (offset, byteLength) {
      byteLengthOf(offset, byteLength, true);
      const v = readUnsigned(this, offset, byteLength, little);
      return v >= 2 ** (8 * byteLength - 1) ? v - 2 ** (8 * byteLength) : v;
    });
    define(`writeUInt${end}`, function (value, offset, byteLength) {
      byteLengthOf(offset, byteLength);
      return writeInt(this, value, offset, byteLength, little, false);
    });
    define(`writeInt${end}`, function (value, offset, byteLength) {
      byteLengthOf(offset, byteLength);
      return writeInt(this, value, offset, byteLength, little, true);
    });
    for (const [kind, n] of [['Float', 4], ['Double', 8]]) {
      const get = kind === 'Float' ? 'getFloat32' : 'getFloat64', set = kind === 'Float' ? 'setFloat32' : 'setFloat64';
      define(`read${kind}${end}`, function (offset = 0) {
        checkBounds(this, offset, n);
        return view(this)[get](offset, little);
      });
      define(`write${kind}${end}`, function (value, offset = 0) {
        value = +value;
        checkBounds(this, offset, n);
        view(this)[set](offset, value, little);
        return offset + n;
      });
    }
    define(`readBigUInt64${end}`, function (offset = 0) {
      checkBounds(this, offset, 8);
      return view(this).getBigUint64(offset, little);
    });
    define(`readBigInt64${end}`, function (offset = 0) {
      checkBounds(this, offset, 8);
      return view(this).getBigInt64(offset, little);
    });
    define(`writeBigUInt64${end}`, function (value, offset = 0) {
      checkInt(value, 0n, 2n ** 64n - 1n, this, offset, 8);
      view(this).setBigUint64(offset, BigInt.asUintN(64, value), little);
      return offset + 8;
    });
    define(`writeBigInt64${end}`, function (value, offset = 0) {
      checkInt(value, -(2n ** 63n), 2n ** 63n - 1n, this, offset, 8);
      view(this).setBigInt64(offset, BigInt.asIntN(64, value), little);
      return offset + 8;
    });
  }
  for (const bits of [16, 32, 64]) {
    const n = bits / 8;
    define(`swap${bits}`, function () {
      if (this.length % n !== 0) {
        throw nodeError(RangeError, 'ERR_INVALID_BUFFER_SIZE', `Buffer size must be a multiple of ${bits}-bits`);
      }
      for (let i = 0; i < this.length; i += n) this.subarray(i, i + n).reverse();
      return this;
    });
  }
}
