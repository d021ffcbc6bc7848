// The `querystring` module (Node 20): stringify/encode, parse/decode, escape, unescape.
// escape encodes as encodeURIComponent does (Node's table is the same); unescape falls back to a
// lenient %XX decoding where decodeURIComponent throws, as Node's does. parse returns an object with
// a null prototype, repeated keys become arrays, `+` is a space, maxKeys defaults to 1000.
{
  const stringifyPrimitive = (v) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && isFinite(v)) return '' + v;
    if (typeof v === 'bigint') return '' + v;
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '';
  };
  const escape = (str) => {
    try {
      return encodeURIComponent(typeof str === 'string' ? str : String(str));
    } catch (e) {
      const err = new URIError('URI malformed');
      err.code = 'ERR_INVALID_URI';
      throw err;
    }
  };
  const lenient = (s) => s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try { return decodeURIComponent(run); } catch (e) {
      const bytes = run.split('%').slice(1).map((h) => parseInt(h, 16));
      return new TextDecoder().decode(new Uint8Array(bytes));
    }
  });
  const unescape = (s) => { try { return decodeURIComponent(s); } catch (e) { return lenient(s); } };
  function stringify(obj, sep, eq, options) {
    sep = sep || '&';
    eq = eq || '=';
    const encode = options && typeof options.encodeURIComponent === 'function' ? options.encodeURIComponent : escape;
    if (obj === null || typeof obj !== 'object') return '';
    const fields = [];
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      const ks = encode(stringifyPrimitive(k)) + eq;
      if (Array.isArray(v)) {
        for (const item of v) fields.push(ks + encode(stringifyPrimitive(item)));
      } else {
        fields.push(ks + encode(stringifyPrimitive(v)));
      }
    }
    return fields.join(sep);
  }
  function parse(qs, sep, eq, options) {
    const obj = Object.create(null);
    if (typeof qs !== 'string' || qs.length === 0) return obj;
    sep = sep ? String(sep) : '&';
    eq = eq ? String(eq) : '=';
    let maxKeys = 1000;
    if (options && typeof options.maxKeys === 'number') maxKeys = options.maxKeys;
    const decode = options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : unescape;
    let parts = qs.split(sep);
    if (maxKeys > 0 && parts.length > maxKeys) parts = parts.slice(0, maxKeys);
    for (const part of parts) {
      if (part.length === 0 && parts.length > 1) continue;
      const at = part.indexOf(eq);
      const rawKey = at >= 0 ? part.slice(0, at) : part;
      const rawValue = at >= 0 ? part.slice(at + eq.length) : '';
      const dec = (s) => { const t = s.replace(/\+/g, ' '); try { return decode(t); } catch (e) { return unescape(t); } };
      const key = dec(rawKey);
      const value = dec(rawValue);
      if (key in obj) {
        if (Array.isArray(obj[key])) obj[key].push(value); else obj[key] = [obj[key], value];
      } else {
        obj[key] = value;
      }
    }
    return obj;
  }
  const querystring = { stringify, encode: stringify, parse, decode: parse, escape, unescape, unescapeBuffer: (s) => Buffer.from(unescape(String(s))) };
  host.registerModule('querystring', querystring);
}
