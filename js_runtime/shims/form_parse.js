// form_parse.js: Body#formData() as Node 20's undici 6 does it: the body's MIME type extracted from its
// Content-Type (WHATWG "extract a MIME type": comma-split values, quoted strings), then undici's
// multipart/form-data parser (its quirks included: no preamble, CRLF only, `--` closing with or without CRLF,
// names un-escaped from %0A/%0D/%22, filename*="...", base64 Content-Transfer-Encoding, Files typed text/plain
// by default) or the urlencoded parser. Failures are undici's TypeErrors. Bodies above the sandbox's byte cap
// (host.bytes.MAX_STORED_BYTES) are refused with ERR_BLOB_TOO_LARGE before any part is copied.
// Loaded with form_data.js (unit formData); fetch.js calls host.formData.parseBody(bytes, contentType).
{
  const { utf8Encode, utf8Decode, base64Decode, MAX_STORED_BYTES, tooLarge } = host.bytes;
  const { File, FormData } = host.formData;
  const TOKEN = /^[!#$%&'*+\-.^_|~A-Za-z0-9]+$/;
  const QUOTED_TOKENS = /^[\u0009\u0020-\u007E\u0080-\u00FF]+$/;
  const trimHttp = (s, lead, trail) => {
    let a = 0;
    let b = s.length;
    if (lead) while (a < b && '\n\r\t '.includes(s[a])) a++;
    if (trail) while (b > a && '\n\r\t '.includes(s[b - 1])) b--;
    return s.slice(a, b);
  };
  const collect = (test, input, pos) => {
    const start = pos.p;
    while (pos.p < input.length && test(input[pos.p])) pos.p++;
    return input.slice(start, pos.p);
  };
  const upTo = (ch, input, pos) => {
    const at = input.indexOf(ch, pos.p);
    const start = pos.p;
    pos.p = at === -1 ? input.length : at;
    return input.slice(start, pos.p);
  };
  function quotedString(input, pos, extract) {
    const start = pos.p;
    let value = '';
    pos.p++;
    for (;;) {
      value += collect((c) => c !== '"' && c !== '\\', input, pos);
      if (pos.p >= input.length) break;
      const c = input[pos.p++];
      if (c === '\\') {
        if (pos.p >= input.length) { value += '\\'; break; }
        value += input[pos.p++];
      } else {
        break;
      }
    }
    return extract ? value : input.slice(start, pos.p);
  }

  /** WHATWG MIME type parsing: {essence, parameters} or null for failure. */
  function parseMime(text) {
    const input = trimHttp(text, true, true);
    const pos = { p: 0 };
    const type = upTo('/', input, pos);
    if (type.length === 0 || !TOKEN.test(type) || pos.p >= input.length) return null;
    pos.p++;
    const subtype = trimHttp(upTo(';', input, pos), false, true);
    if (subtype.length === 0 || !TOKEN.test(subtype)) return null;
    const mime = { essence: type.toLowerCase() + '/' + subtype.toLowerCase(), parameters: new Map() };
    while (pos.p < input.length) {
      pos.p++;
      collect((c) => '\n\r\t '.includes(c), input, pos);
      const name = collect((c) => c !== ';' && c !== '=', input, pos).toLowerCase();
      if (pos.p < input.length) {
        if (input[pos.p] === ';') continue;
        pos.p++;
      }
      if (pos.p > input.length) break;
      let value;
      if (input[pos.p] === '"') {
        value = quotedString(input, pos, true);
        upTo(';', input, pos);
      } else {
        value = trimHttp(upTo(';', input, pos), false, true);
        if (value.length === 0) continue;
      }
      if (name.length && TOKEN.test(name) && (value.length === 0 || QUOTED_TOKENS.test(value)) && !mime.parameters.has(name)) {
        mime.parameters.set(name, value);
      }
    }
    return mime;
  }

  /** Fetch's "extract a MIME type" from a Content-Type header value (null when there is none). */
  function extractMime(header) {
    if (header === null) return null;
    const values = [];
    const pos = { p: 0 };
    let current = '';
    while (pos.p < header.length) {
      current += collect((c) => c !== '"' && c !== ',', header, pos);
      if (pos.p < header.length) {
        if (header[pos.p] === '"') {
          current += quotedString(header, pos, false);
          if (pos.p < header.length) continue;
        } else {
          pos.p++;
        }
      }
      values.push(current.replace(/^[\t ]+|[\t ]+$/g, ''));
      current = '';
    }
    let mime = null;
    let essence = null;
    let charset = null;
    for (const value of values) {
      const temp = parseMime(value);
      if (temp === null || temp.essence === '*/*') continue;
      mime = temp;
      if (mime.essence !== essence) {
        charset = mime.parameters.has('charset') ? mime.parameters.get('charset') : null;
        essence = mime.essence;
      } else if (!mime.parameters.has('charset') && charset !== null) {
        mime.parameters.set('charset', charset);
      }
    }
    return mime;
  }

  // ---- undici's multipart/form-data parser, over bytes ----
  const FAILURE = null;
  const latin1 = (bytes) => (bytes.length < 4096 ? String.fromCharCode.apply(null, bytes)
    : Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
  const startsWith = (input, seq, at) => {
    if (input.length < seq.length) return false;
    for (let i = 0; i < seq.length; i++) if (input[at + i] !== seq[i]) return false;
    return true;
  };
  function indexOfBytes(input, seq, from) {
    for (let i = input.indexOf(seq[0], from); i !== -1 && i + seq.length <= input.length; i = input.indexOf(seq[0], i + 1)) {
      if (startsWith(input, seq, i)) return i;
    }
    return -1;
  }
  // byte runs, written as loops (a predicate call per byte was most of the parse time on QuickJS)
  const untilLineEnd = (input, pos) => {
    const start = pos.p;
    let p = pos.p;
    for (let c = input[p]; p < input.length && c !== 0x0a && c !== 0x0d; c = input[++p]);
    pos.p = p;
    return input.subarray(start, p);
  };
  const untilNameEnd = (input, pos, stop) => {  // stop: 0x3a (a header name) or 0x22 (a quoted name)
    const start = pos.p;
    let p = pos.p;
    for (let c = input[p]; p < input.length && c !== 0x0a && c !== 0x0d && c !== stop; c = input[++p]);
    pos.p = p;
    return input.subarray(start, p);
  };
  const skipWs = (input, pos) => { while (pos.p < input.length && isWs(input[pos.p])) pos.p++; };
  // ASCII byte sequences as plain arrays: a Uint8Array made at load would set up V8's backing-store
  // budget (shims/v8_backing_stores.js) for every job that merely mentions FormData.
  const asciiBytes = (s) => Array.from(s, (c) => c.charCodeAt(0));
  const NAME_PREFIX = asciiBytes('form-data; name="');
  const FILENAME = asciiBytes('; filename');
  const isWs = (c) => c === 0x09 || c === 0x20;

  function formName(input, pos) {
    const raw = untilNameEnd(input, pos, 0x22);
    if (input[pos.p] !== 0x22) return FAILURE;
    pos.p++;
    const start = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;  // TextDecoder drops a BOM
    return utf8Decode(raw, start, raw.length, false).replace(/%0A/ig, '\n').replace(/%0D/ig, '\r').replace(/%22/g, '"');
  }

  function partHeaders(input, pos) {
    let name = null;
    let filename = null;
    let contentType = null;
    let encoding = null;
    for (;;) {
      if (input[pos.p] === 0x0d && input[pos.p + 1] === 0x0a) {
        return name === null ? FAILURE : { name, filename, contentType, encoding };
      }
      let header = untilNameEnd(input, pos, 0x3a);
      let a = 0;
      let b = header.length;
      while (a < b && isWs(header[a])) a++;
      while (b > a + 1 && isWs(header[b - 1])) b--;
      header = header.subarray(a, b);
      const headerName = latin1(header);  // a token is ASCII: any other byte fails it, however decoded
      if (!TOKEN.test(headerName) || input[pos.p] !== 0x3a) return FAILURE;
      pos.p++;
      skipWs(input, pos);
      const value = () => {
        const bytes = untilLineEnd(input, pos);
        let end = bytes.length;
        while (end > 1 && isWs(bytes[end - 1])) end--;
        return latin1(bytes.subarray(0, end));
      };
      switch (headerName.toLowerCase()) {
        case 'content-disposition': {
          name = filename = null;
          if (!startsWith(input, NAME_PREFIX, pos.p)) return FAILURE;
          pos.p += NAME_PREFIX.length;
          name = formName(input, pos);
          if (name === FAILURE) return FAILURE;
          if (startsWith(input, FILENAME, pos.p)) {
            let check = pos.p + FILENAME.length;
            if (input[check] === 0x2a) { pos.p += 1; check += 1; }
            if (input[check] !== 0x3d || input[check + 1] !== 0x22) return FAILURE;
            pos.p += 12;
            filename = formName(input, pos);
            if (filename === FAILURE) return FAILURE;
          }
          break;
        }
        case 'content-type': contentType = value(); break;
        case 'content-transfer-encoding': encoding = value(); break;
        default: untilLineEnd(input, pos);
      }
      // undici tests `!== CR && !== LF` here: a header line ending in a lone CR or LF passes
      if (input[pos.p] !== 0x0d && input[pos.p + 1] !== 0x0a) return FAILURE;
      pos.p += 2;
    }
  }

  function multipart(bytes, mime) {
    const boundaryText = mime.parameters.get('boundary');
    if (boundaryText === undefined) return FAILURE;
    const boundary = utf8Encode('--' + boundaryText);
    const bare = boundary.subarray(2);
    const entries = [];
    const pos = { p: 0 };
    let input = bytes;
    while (input[pos.p] === 0x0d && input[pos.p + 1] === 0x0a) pos.p += 2;
    let trailing = input.length;
    while (input[trailing - 1] === 0x0a && input[trailing - 2] === 0x0d) trailing -= 2;
    if (trailing !== input.length) input = input.subarray(0, trailing);
    for (;;) {
      if (pos.p + boundary.length > input.length || !startsWith(input, boundary, pos.p)) return FAILURE;
      pos.p += boundary.length;
      const dashes = input[pos.p] === 0x2d && input[pos.p + 1] === 0x2d;
      if ((pos.p === input.length - 2 && dashes)
        || (pos.p === input.length - 4 && dashes && input[pos.p + 2] === 0x0d && input[pos.p + 3] === 0x0a)) {
        return entries;
      }
      if (input[pos.p] !== 0x0d || input[pos.p + 1] !== 0x0a) return FAILURE;
      pos.p += 2;
      const head = partHeaders(input, pos);
      if (head === FAILURE) return FAILURE;
      pos.p += 2;
      const at = indexOfBytes(input, bare, pos.p);
      if (at === -1) return FAILURE;
      let body = input.subarray(pos.p, Math.max(pos.p, at - 4));  // undici assumes CRLF `--` before the boundary
      pos.p += body.length;
      if (head.encoding === 'base64') body = base64Decode(latin1(body));
      if (input[pos.p] !== 0x0d || input[pos.p + 1] !== 0x0a) return FAILURE;
      pos.p += 2;
      let value;
      if (head.filename !== null) {
        let type = head.contentType === null ? 'text/plain' : head.contentType;
        if (/[^\x00-\x7f]/.test(type)) type = '';
        value = new File([body], head.filename, { type });
      } else {
        const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
        value = utf8Decode(body, start, body.length, false);
      }
      entries.push([head.name, value]);
    }
  }

  /** A FormData from a body's bytes and its Content-Type header value (null when absent), as undici parses it. */
  function parseBody(bytes, contentType) {
    if (bytes.length > MAX_STORED_BYTES) throw tooLarge();
    const mime = extractMime(contentType);
    if (mime !== null && mime.essence === 'multipart/form-data') {
      const entries = multipart(bytes, mime);
      if (entries === FAILURE) throw new TypeError('Failed to parse body as FormData.');
      const form = new FormData();
      for (const [name, value] of entries) form.append(name, value);
      return form;
    }
    if (mime !== null && mime.essence === 'application/x-www-form-urlencoded') {
      const form = new FormData();
      for (const [name, value] of new URLSearchParams(utf8Decode(bytes, 0, bytes.length, false))) form.append(name, value);
      return form;
    }
    throw new TypeError('Content-Type was not one of "multipart/form-data" or "application/x-www-form-urlencoded".');
  }

  host.formData.parseBody = parseBody;
}
