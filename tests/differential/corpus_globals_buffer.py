"""Buffer's search (indexOf/lastIndexOf/includes with numbers, strings in every encoding, bytes and odd
offsets), its numeric read/write helpers with their range and bounds errors, swap16/32/64, and
TextDecoder's single-byte and UTF-16 encodings, on generated inputs from a seeded PRNG (digested)."""

from support.differential import Corpus

HEADER = r"""
const prng = (seed) => () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };
const err = (f) => { try { return ['ok', f()]; } catch (e) { return [e.name, e.code === undefined ? null : e.code, e.code === undefined ? null : e.message]; } };
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const bytesFrom = (r, n, alphabet) => Buffer.from(Array.from({ length: n }, () => pick(r, alphabet)));
const ALPHA = [0x61, 0x62, 0x63, 0x00, 0xc3, 0xa9, 0xff, 0x80, 0xe2, 0x82, 0xac];
const NEEDLES = ['', 'a', 'ab', 'b', 'é', 'abc', '\u20ac', 'ca', '\ud800', 'aaaa', '61', 'YQ==', '\u0000'];
const OFFSETS = [undefined, 0, 1, 2, -1, -2, -100, 3.7, -3.7, 100, NaN, '1', Infinity, -Infinity, 2 ** 40, null, 'latin1'];
const ENCS = [undefined, 'utf8', 'latin1', 'binary', 'ucs2', 'utf16le', 'hex', 'base64', 'ascii', 'base64url'];
const searchMany = (count, seed) => { const r = prng(seed); const out = [];
  for (let i = 0; i < count; i++) {
    const buf = bytesFrom(r, Math.floor(r() * 9), ALPHA);
    const kind = Math.floor(r() * 4);
    const needle = kind === 0 ? pick(r, [97, 98, 0, 256 + 97, -159, 1.5, 0xc3, NaN])
      : kind === 1 ? bytesFrom(r, Math.floor(r() * 3), ALPHA) : pick(r, NEEDLES);
    const offset = pick(r, OFFSETS), enc = pick(r, ENCS);
    out.push([err(() => buf.indexOf(needle, offset, enc)), err(() => buf.lastIndexOf(needle, offset, enc)),
      err(() => buf.includes(needle, offset, enc))]);
  }
  return __digest(out); };
const READS = ['readUInt8', 'readInt8', 'readUInt16LE', 'readUInt16BE', 'readInt16LE', 'readInt16BE', 'readUInt32LE',
  'readUInt32BE', 'readInt32LE', 'readInt32BE', 'readFloatLE', 'readFloatBE', 'readDoubleLE', 'readDoubleBE',
  'readBigUInt64LE', 'readBigUInt64BE', 'readBigInt64LE', 'readBigInt64BE', 'readUint16LE', 'readUint32BE', 'readBigUint64LE'];
const VAR_READS = ['readUIntLE', 'readUIntBE', 'readIntLE', 'readIntBE', 'readUintLE'];
const WRITES = ['writeUInt8', 'writeInt8', 'writeUInt16LE', 'writeUInt16BE', 'writeInt16LE', 'writeInt16BE',
  'writeUInt32LE', 'writeUInt32BE', 'writeInt32LE', 'writeInt32BE', 'writeFloatLE', 'writeFloatBE', 'writeDoubleLE',
  'writeDoubleBE', 'writeUint16BE', 'writeUint8'];
const BIG_WRITES = ['writeBigUInt64LE', 'writeBigUInt64BE', 'writeBigInt64LE', 'writeBigInt64BE', 'writeBigUint64BE'];
const VAR_WRITES = ['writeUIntLE', 'writeUIntBE', 'writeIntLE', 'writeIntBE', 'writeUintBE'];
const NUMS = [0, 1, -1, 127, 128, -128, -129, 255, 256, 65535, 65536, -32768, -32769, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 2 ** 32,
  2 ** 47, -(2 ** 47), 2 ** 48 - 1, 2 ** 48, 1.7, -1.7, NaN, '12', 1e300, -0, 0.1];
const BIGS = [0n, 1n, -1n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 64n - 1n, 2n ** 64n, 123456789012345678n];
const numbersMany = (count, seed) => { const r = prng(seed); const out = [];
  for (let i = 0; i < count; i++) {
    const buf = bytesFrom(r, Math.floor(r() * 11), [0, 1, 0x7f, 0x80, 0xff, 0x3f, 0xf0, 0x12]);
    const off = pick(r, [undefined, 0, 1, 2, 3, 4, -1, 1.5, '1', 8, 9, 10, NaN]);
    const k = Math.floor(r() * 5);
    if (k === 0) out.push(err(() => buf[pick(r, READS)](off)));
    else if (k === 1) out.push(err(() => buf[pick(r, VAR_READS)](off, pick(r, [1, 2, 3, 4, 5, 6, 0, 7, 2.5, undefined, '2']))));
    else if (k === 2) out.push([err(() => buf[pick(r, WRITES)](pick(r, NUMS), off)), buf.toString('hex')]);
    else if (k === 3) out.push([err(() => buf[pick(r, BIG_WRITES)](pick(r, BIGS), off)), buf.toString('hex')]);
    else out.push([err(() => buf[pick(r, VAR_WRITES)](pick(r, NUMS), off, pick(r, [1, 2, 3, 4, 5, 6, 7]))), buf.toString('hex')]);
  }
  return __digest(out); };
const LABELS = ['latin1', 'windows-1252', 'ascii', 'ISO-8859-1', ' us-ascii ', 'utf-16le', 'utf-16', 'ucs-2', 'UTF-16BE',
  'utf-8', 'unicode-1-1-utf-8', 'l1', 'cp1252'];
const decodeMany = (count, seed) => { const r = prng(seed); const out = [];
  for (let i = 0; i < count; i++) {
    const label = pick(r, LABELS);
    const fatal = r() < 0.3, ignoreBOM = r() < 0.3;
    const d = new TextDecoder(label, { fatal, ignoreBOM });
    const chunks = Array.from({ length: 1 + Math.floor(r() * 3) }, () =>
      new Uint8Array(Array.from({ length: Math.floor(r() * 7) }, () => pick(r, [0x41, 0xff, 0xfe, 0x00, 0xd8, 0xdc, 0x80, 0x9d, 0xe9, 0xef, 0xbb, 0xbf, 0x20, 0xac]))));
    // a decoder is not used again after a fatal error (its state then differs: docs/globals.md)
    const results = [];
    for (let j = 0; j < chunks.length; j++) {
      results.push(err(() => d.decode(chunks[j], { stream: j < chunks.length - 1 || r() < 0.2 })));
      if (results[j][0] !== 'ok') break;
    }
    out.push([d.encoding, results]);
  }
  return __digest(out); };
"""

CORPUS = Corpus(
    name="globals_buffer",
    header=HEADER,
    cases=(
        ("search-generated", "searchMany(4000, 11)"),
        ("search-generated-2", "searchMany(3000, 4242)"),
        ("search-strings", "(() => { const b = Buffer.from('this is a buffer, a buffer'); return [b.indexOf('buffer'), b.lastIndexOf('buffer'), b.includes('is a'), b.indexOf('buffer', 11), b.indexOf(Buffer.from('a b')), b.indexOf('zz'), b.lastIndexOf('a', -3), b.indexOf('', 4), b.indexOf(98)]; })()"),
        ("search-bad-value", "err(() => Buffer.from('a').indexOf({}))"),
        ("search-unknown-encoding", "err(() => Buffer.from('a').indexOf('a', 0, 'nope'))"),
        ("numbers-generated", "numbersMany(4000, 5)"),
        ("numbers-generated-2", "numbersMany(3000, 777)"),
        ("numbers-named", "(() => { const b = Buffer.alloc(16); b.writeUInt32BE(0xdeadbeef, 0); b.writeInt16LE(-2, 4); b.writeDoubleLE(Math.PI, 6); b.writeUIntBE(0x123456789a, 0, 5); return [b.readUInt32BE(0), b.readInt16LE(4), b.readDoubleLE(6), b.readUIntBE(0, 5), b.readIntLE(0, 6), b.readBigUInt64BE(8), b.toString('hex')]; })()"),
        ("numbers-errors", "[err(() => Buffer.alloc(3).readUInt32BE(0)), err(() => Buffer.alloc(3).readUInt8(3)), err(() => Buffer.alloc(3).readUInt8(1.5)), err(() => Buffer.alloc(3).readUInt8('1')), err(() => Buffer.alloc(3).writeUInt8(256, 0)), err(() => Buffer.alloc(3).readUIntBE(0, 7)), err(() => Buffer.alloc(8).writeBigInt64LE(2n ** 63n)), err(() => Buffer.alloc(8).writeUInt32LE(2 ** 32)), err(() => Buffer.alloc(8).readUIntLE(undefined, 2))]"),
        ("swap", "(() => { const b = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]); return [Buffer.from(b).swap16(), Buffer.from(b).swap32(), Buffer.from(b).swap64(), err(() => Buffer.from([1, 2, 3]).swap16())]; })()"),
        ("decode-generated", "decodeMany(3000, 3)"),
        ("decode-generated-2", "decodeMany(3000, 99)"),
        ("decode-latin1-all-bytes", "new TextDecoder('latin1').decode(Uint8Array.from({ length: 256 }, (_, i) => i))"),
        ("decode-utf16-pairs", "[new TextDecoder('utf-16le').decode(new Uint8Array([0xff, 0xfe, 0x3d, 0xd8, 0x00, 0xde, 0x41])), new TextDecoder('utf-16le', { ignoreBOM: true }).decode(new Uint8Array([0xff, 0xfe, 0x41, 0]))]"),
        ("decode-utf16-stream-split-pair", "(() => { const d = new TextDecoder('utf-16le'); return [d.decode(new Uint8Array([0x3d]), { stream: true }), d.decode(new Uint8Array([0xd8, 0x00]), { stream: true }), d.decode(new Uint8Array([0xde]))]; })()"),
        ("decode-fatal-utf16", "err(() => new TextDecoder('utf-16le', { fatal: true }).decode(new Uint8Array([0x00, 0xd8])))"),
        ("decode-unknown-label", "err(() => new TextDecoder('koi8-r-nope'))"),
        # every label the shim knows, in odd case and padded, and near misses (the table is made on first use)
        ("decode-labels", "'unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8 ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252 csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le unicodefffe utf-16be'.split(' ').flatMap((l) => [l, ` ${l.toUpperCase()}\\n`, l + '-', l.slice(1)]).map((l) => err(() => new TextDecoder(l).encoding))"),
        ("static-extras", "[Buffer.of(1, 2, 3), Buffer.allocUnsafeSlow(2).length, Buffer.copyBytesFrom(new Uint16Array([1, 256, 3]), 1), Buffer.copyBytesFrom(new Uint8Array([1, 2, 3]), 1, 1), Buffer.from('hi').toLocaleString('hex')]"),
    ),
    deliberate={},
)
