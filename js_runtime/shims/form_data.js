// Blob, File and FormData (Node 20 / undici), and the multipart/form-data encoding fetch sends for a
// FormData body (host.formData.encode, used by fetch.js; axios_form.js has axios's own encoding and reads
// Blob bytes with host.formData.bytesOf). The byte cap (ERR_BLOB_TOO_LARGE) is web.js's host.bytes.tooLarge.
// Blob contents are held as one Uint8Array; stream() is omitted (no streams in the sandbox).
{
  const { utf8Encode, utf8Decode, concatBytes, argType } = host.bytes;
  const BYTES = Symbol('bytes');
  const partBytes = (part) => {
    if (part instanceof Blob) return part[BYTES];
    if (part instanceof ArrayBuffer) return new Uint8Array(part.slice(0));
    if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength));
    return utf8Encode(`${part}`);
  };
  const { MAX_STORED_BYTES: MAX_BYTES, tooLarge } = host.bytes;  // the cap on bytes kept in the sandbox
  const normType = (t) => (t === undefined || /[^\x20-\x7e]/.test(`${t}`) ? '' : `${t}`.toLowerCase());

  class Blob {
    constructor(parts = [], options = undefined) {
      if (parts === null || typeof parts !== 'object' || typeof parts[Symbol.iterator] !== 'function') {
        throw argType('"sources" argument must be a sequence', parts);
      }
      let total = 0;
      const list = [];
      for (const part of parts) {
        const bytes = partBytes(part);
        total += bytes.length;
        if (total > MAX_BYTES) throw tooLarge();
        list.push(bytes);
      }
      this[BYTES] = list.length === 1 ? list[0] : concatBytes(list);
      this.type = normType(options && options.type);
      Object.defineProperty(this, 'type', { value: this.type, enumerable: false, writable: false });
    }
    get size() { return this[BYTES].length; }
    text() { return Promise.resolve(utf8Decode(this[BYTES], 0, this[BYTES].length, false)); }
    arrayBuffer() { return Promise.resolve(this[BYTES].slice().buffer); }
    bytes() { return Promise.resolve(this[BYTES].slice()); }
    slice(start = 0, end = this.size, type = '') {
      const blob = new Blob([], { type });
      blob[BYTES] = this[BYTES].slice(start, end);
      return blob;
    }
    get [Symbol.toStringTag]() { return 'Blob'; }
  }

  class File extends Blob {
    constructor(parts, name, options = undefined) {
      if (arguments.length < 2) throw argType('"fileName" argument must be specified', undefined);
      super(parts, options);
      Object.defineProperties(this, {
        name: { value: `${name}`, enumerable: false },
        lastModified: { value: options && options.lastModified !== undefined ? +options.lastModified : Date.now(), enumerable: false },
      });
    }
    get [Symbol.toStringTag]() { return 'File'; }
  }

  const ENTRIES = Symbol('entries');
  const SIZE = Symbol('size');  // bytes and characters held, kept as entries come and go (append stays O(1))
  const entrySize = ([, v]) => (typeof v === 'string' ? v.length : v.size);
  const recount = (form) => { form[SIZE] = form[ENTRIES].reduce((n, e) => n + entrySize(e), 0); };
  const entryOf = (name, value, filename) => {
    if (!(value instanceof Blob)) return [`${name}`, `${value}`];
    if (!(value instanceof File) || filename !== undefined) {
      value = new File([value], filename === undefined ? (value instanceof File ? value.name : 'blob') : `${filename}`,
        { type: value.type, lastModified: value.lastModified });
    }
    return [`${name}`, value];
  };
  class FormData {
    constructor(form) {
      if (form !== undefined) throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
      this[ENTRIES] = [];
      this[SIZE] = 0;
    }
    append(name, value, filename) {
      const entry = entryOf(name, value, filename);
      if (this[SIZE] + entrySize(entry) > MAX_BYTES) throw tooLarge();
      this[ENTRIES].push(entry);
      this[SIZE] += entrySize(entry);
    }
    set(name, value, filename) {
      const entry = entryOf(name, value, filename);
      const at = this[ENTRIES].findIndex(([n]) => n === entry[0]);
      if (at < 0) {
        this.append(entry[0], entry[1]);
        return;
      }
      const next = this[ENTRIES].map((e, i) => (i === at ? entry : e)).filter(([n], i) => i <= at || n !== entry[0]);
      const size = next.reduce((n, e) => n + entrySize(e), 0);
      if (size > MAX_BYTES) throw tooLarge();
      this[ENTRIES] = next;
      this[SIZE] = size;
    }
    get(name) { const e = this[ENTRIES].find(([n]) => n === `${name}`); return e ? e[1] : null; }
    getAll(name) { return this[ENTRIES].filter(([n]) => n === `${name}`).map(([, v]) => v); }
    has(name) { return this[ENTRIES].some(([n]) => n === `${name}`); }
    delete(name) { this[ENTRIES] = this[ENTRIES].filter(([n]) => n !== `${name}`); recount(this); }
    forEach(fn, thisArg) { for (const [n, v] of this) fn.call(thisArg, v, n, this); }
    * entries() { for (const [n, v] of this[ENTRIES].slice()) yield [n, v]; }
    * keys() { for (const [n] of this.entries()) yield n; }
    * values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return 'FormData'; }
  }

  // undici's multipart encoding (lib/fetch/body.js): names escaped, string values with CRLF line ends
  const escape = (s) => s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
  const crlf = (s) => s.replace(/\r?\n|\r/g, '\r\n');
  function encode(form, boundarySeed) {
    const boundary = '----formdata-undici-0' + `${boundarySeed}`.padStart(11, '0');
    const prefix = '--' + boundary + '\r\nContent-Disposition: form-data';
    const parts = [];
    for (const [name, value] of form) {
      if (typeof value === 'string') {
        parts.push(utf8Encode(prefix + '; name="' + escape(crlf(name)) + '"\r\n\r\n' + crlf(value) + '\r\n'));
      } else {
        parts.push(utf8Encode(prefix + '; name="' + escape(crlf(name)) + '"; filename="' + escape(value.name) + '"\r\n'
          + 'Content-Type: ' + (value.type || 'application/octet-stream') + '\r\n\r\n'), value[BYTES], utf8Encode('\r\n'));
      }
    }
    parts.push(utf8Encode('--' + boundary + '--\r\n'));
    return { bytes: concatBytes(parts), type: 'multipart/form-data; boundary=' + boundary };
  }

  host.formData = { Blob, File, FormData, encode, bytesOf: (blob) => blob[BYTES] };
  const globals = { Blob, File, FormData };
  for (const name of Object.keys(globals)) host.defineGlobal(name, globals[name]);
}
