// fetch.js: Node 20 (undici) style fetch, Headers, Request, Response, AbortController, AbortSignal.
// Every request goes through host.request (Python: an HttpAsk of the bridge protocol, js_runtime/bridge.py,
// whose NetworkFailure answers become __ceNetwork rejections); web.js provides the URL/bytes globals used here.
// Also shares byte/body/network-error helpers with axios.js as `host.http`.
// Blob and FormData bodies (multipart as undici encodes it) and blob()/formData() come with form_data.js
// and form_parse.js (unit formData).
// Deliberately omitted: streams (Response.body is always null), bytes(), mode/credentials/cache/integrity/keepalive, immutable header guards,
// original header-name case on the wire (names are sent lower-case).
// Known differences: an invalid header value or method fails as `fetch failed` when sent, not as
// Node's TypeError when set; a lower-case method such as 'patch' is sent upper-cased (Node sends it
// as written, which strict servers refuse).
{
  const STATE = Symbol('state');
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const NODE_HEADERS = [['accept', '*/*'], ['accept-language', '*'], ['sec-fetch-mode', 'cors'],
    ['user-agent', 'node'], ['accept-encoding', 'gzip, deflate']];
  const STANDARD_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
  const REDIRECTS = [301, 302, 303, 307, 308];
  const ERRNO = { ECONNREFUSED: -111, ECONNRESET: -104, ETIMEDOUT: -110, EHOSTUNREACH: -113,
    ENETUNREACH: -101, ENOTFOUND: -3008, EAI_AGAIN: -3001 };

  // ---- bytes and wire bodies ({text} | {base64}); these use web.js's globals at call time ----
  const isBinary = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
  const isURLSearchParams = (v) => typeof URLSearchParams === 'function' && v instanceof URLSearchParams;
  const toBytes = (v) => (v instanceof ArrayBuffer ? new Uint8Array(v)
    : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

  function bytesToBase64(bytes) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }

  function base64ToBytes(b64) {
    const binary = atob(b64);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  const textBody = (s) => ({ text: typeof s.toWellFormed === 'function' ? s.toWellFormed() : s });
  const binaryBody = (v) => ({ base64: bytesToBase64(toBytes(v)) });
  const wireBytes = (b) => (!b ? new Uint8Array(0)
    : 'base64' in b ? base64ToBytes(b.base64) : new TextEncoder().encode(b.text));
  const withoutBom = (s) => (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);  // as TextDecoder and axios drop it
  const wireText = (b) => (!b ? '' : 'text' in b ? withoutBom(b.text) : new TextDecoder().decode(base64ToBytes(b.base64)));

  function hide(obj, key, value) {
    Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: false });
    return obj;
  }

  /** The Error Node's socket layer would give for a `{__ceNetwork: {code}}` rejection on `url`. */
  function networkCause(rejection, url) {
    const code = String(rejection.__ceNetwork.code || 'ECONNRESET');
    let hostname = '';
    let port = '';
    try {
      const u = new URL(url);
      hostname = u.hostname.replace(/^\[|\]$/g, '');
      port = u.port || (u.protocol === 'https:' ? '443' : '80');
    } catch (e) { /* leave them empty */ }
    const err = new Error(rejection.message || code);
    if (ERRNO[code]) err.errno = ERRNO[code];
    err.code = code;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      err.message = 'getaddrinfo ' + code + ' ' + hostname;
      Object.assign(err, { syscall: 'getaddrinfo', hostname });
    } else if (code === 'ECONNRESET') {
      err.message = 'read ECONNRESET';
      err.syscall = 'read';
    } else if (ERRNO[code]) {
      err.message = 'connect ' + code + ' ' + hostname + ':' + port;
      Object.assign(err, { syscall: 'connect', address: hostname, port: Number(port) });
    }
    return err;
  }

  function fetchFailed(rejection, url) {
    const network = rejection && rejection.__ceNetwork;
    const err = hide(new TypeError('fetch failed'), 'cause', network ? networkCause(rejection, url) : rejection);
    return network ? hide(err, '__ceNetwork', network) : err;
  }

  // ---- AbortSignal, AbortController (aborting with web.js's DOMException) ----
  function newSignal() {
    const signal = Object.create(AbortSignal.prototype);
    signal[STATE] = { aborted: false, reason: undefined, onabort: null };
    return signal;
  }

  function abortSignal(signal, reason) {
    const st = signal[STATE];
    if (st.aborted) return;
    st.aborted = true;
    st.reason = reason !== undefined ? reason : new host.DOMException('This operation was aborted', 'AbortError');
    signal.dispatchEvent(new host.events.Event('abort'));
  }

  class AbortSignal extends host.events.EventTarget {
    constructor() { throw new TypeError('Illegal constructor'); }
    get aborted() { return this[STATE].aborted; }
    get reason() { return this[STATE].reason; }
    get onabort() { return this[STATE].onabort; }
    set onabort(fn) {  // an event handler attribute: a listener in the order it was first set
      const st = this[STATE];
      if (!st.handler) {
        st.handler = (event) => (typeof st.onabort === 'function' ? st.onabort.call(this, event) : undefined);
        this.addEventListener('abort', st.handler);
      }
      st.onabort = fn;
    }
    throwIfAborted() { if (this[STATE].aborted) throw this[STATE].reason; }
    get [Symbol.toStringTag]() { return 'AbortSignal'; }

    static abort(reason) {
      const signal = newSignal();
      abortSignal(signal, reason);
      return signal;
    }

    static timeout(ms) {
      const signal = newSignal();
      const reason = () => new host.DOMException('The operation was aborted due to timeout', 'TimeoutError');
      host.setTimer(() => abortSignal(signal, reason()), ms, [], false);
      return signal;
    }

    static any(signals) {
      const signal = newSignal();
      for (const s of signals) {
        if (s.aborted) { abortSignal(signal, s.reason); break; }
        s.addEventListener('abort', () => abortSignal(signal, s.reason), { once: true });
      }
      return signal;
    }
  }

  class AbortController {
    constructor() { this[STATE] = newSignal(); }
    get signal() { return this[STATE]; }
    abort(reason) { abortSignal(this[STATE], reason); }
  }

  // ---- Headers ----
  function headerName(name, method) {
    const s = String(name);
    if (!TOKEN.test(s)) throw new TypeError('Headers.' + method + ': "' + s + '" is an invalid header name.');
    return s.toLowerCase();
  }

  const headerValue = (v) => String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');

  class Headers {
    constructor(init) {
      this[STATE] = [];
      if (init == null) return;
      if (init instanceof Headers) {
        this[STATE] = init[STATE].map((e) => e.slice());
      } else if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError('Headers constructor: expected name/value pair to be length 2, found ' + p.length + '.');
          this.append(p[0], p[1]);
        }
      } else {
        for (const key of Object.keys(init)) this.append(key, init[key]);
      }
    }

    append(name, value) { this[STATE].push([headerName(name, 'append'), headerValue(value)]); }
    delete(name) { const n = headerName(name, 'delete'); this[STATE] = this[STATE].filter((e) => e[0] !== n); }
    has(name) { const n = headerName(name, 'has'); return this[STATE].some((e) => e[0] === n); }
    getSetCookie() { return this[STATE].filter((e) => e[0] === 'set-cookie').map((e) => e[1]); }

    get(name) {
      const n = headerName(name, 'get');
      const values = this[STATE].filter((e) => e[0] === n).map((e) => e[1]);
      return values.length ? values.join(', ') : null;
    }

    set(name, value) {
      const n = headerName(name, 'set');
      const i = this[STATE].findIndex((e) => e[0] === n);
      if (i === -1) { this[STATE].push([n, headerValue(value)]); return; }
      this[STATE][i][1] = headerValue(value);
      this[STATE] = this[STATE].filter((e, j) => j <= i || e[0] !== n);
    }

    * entries() {
      const names = Array.from(new Set(this[STATE].map((e) => e[0]))).sort();
      for (const n of names) {
        if (n === 'set-cookie') for (const v of this.getSetCookie()) yield [n, v];
        else yield [n, this.get(n)];
      }
    }

    * keys() { for (const e of this.entries()) yield e[0]; }
    * values() { for (const e of this.entries()) yield e[1]; }
    forEach(callback, thisArg) { for (const [n, v] of this.entries()) callback.call(thisArg, v, n, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return 'Headers'; }
  }

  // ---- bodies, Request, Response ----
  /** The wire body for a fetch body; sets the content-type Node would (if none is set yet). */
  function extractBody(body, headers) {
    if (body == null) return null;
    let type = 'text/plain;charset=UTF-8';
    let wire;
    if (isBinary(body)) {
      type = null;
      wire = binaryBody(body);
    } else if (isURLSearchParams(body)) {
      type = 'application/x-www-form-urlencoded;charset=UTF-8';
      wire = textBody(body.toString());
    } else if (host.formData && body instanceof host.formData.Blob) {
      type = body.type || null;
      wire = binaryBody(host.formData.bytesOf(body));
    } else if (host.formData && body instanceof host.formData.FormData) {
      const encoded = host.formData.encode(body, Math.floor(Math.random() * 1e11));
      type = encoded.type;
      wire = binaryBody(encoded.bytes);
    } else {
      wire = textBody(String(body));
    }
    if (type && !headers.has('content-type')) headers.set('content-type', type);
    return wire;
  }

  function consume(holder) {
    const st = holder[STATE];
    if (st.bodyUsed) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    if (st.body !== null) st.bodyUsed = true;
    return Promise.resolve(st.body);
  }

  class Body {
    get body() { return null; }
    get bodyUsed() { return this[STATE].bodyUsed; }
    text() { return consume(this).then(wireText); }
    json() { return consume(this).then((b) => JSON.parse(wireText(b))); }
    blob() {  // the Blob class comes with the formData unit, which mentioning `blob` selects
      return consume(this).then((b) => new host.formData.Blob([wireBytes(b)],
        { type: this.headers.get('content-type') || '' }));
    }
    formData() {  // multipart and urlencoded bodies, parsed as undici does (form_parse.js)
      return consume(this).then((b) => host.formData.parseBody(wireBytes(b), this.headers.get('content-type')));
    }
    arrayBuffer() {
      return consume(this).then((b) => {
        const bytes = wireBytes(b);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      });
    }
  }

  function defineGetters(proto, names) {
    for (const name of names) {
      Object.defineProperty(proto, name, { get() { return this[STATE][name]; }, configurable: true });
    }
  }

  function parseUrl(input) {
    let url;
    try {
      url = host.url.parse(String(input));
    } catch (e) {
      throw hide(new TypeError('Failed to parse URL from ' + input), 'cause', e);
    }
    if (url.username || url.password) {
      throw new TypeError('Request cannot be constructed from a URL that includes credentials: ' + input);
    }
    return host.url.href(url);
  }

  function normalizeMethod(method) {
    const upper = method.toUpperCase();
    if (upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK') {
      throw new TypeError("'" + method + "' HTTP method is unsupported.");
    }
    return STANDARD_METHODS.indexOf(upper) !== -1 ? upper : method;
  }

  class Request extends Body {
    constructor(input, init) {
      super();
      const opts = init || {};
      const base = input instanceof Request ? input[STATE] : null;
      const method = normalizeMethod(opts.method !== undefined ? String(opts.method) : base ? base.method : 'GET');
      const headers = new Headers(opts.headers !== undefined ? opts.headers : base ? base.headers : undefined);
      if (opts.body != null && (method === 'GET' || method === 'HEAD')) {
        throw new TypeError('Request with GET/HEAD method cannot have body.');
      }
      this[STATE] = {
        url: base ? base.url : parseUrl(input),
        method,
        headers,
        body: opts.body !== undefined ? extractBody(opts.body, headers) : base ? base.body : null,
        bodyUsed: false,
        redirect: opts.redirect || (base ? base.redirect : 'follow'),
        signal: opts.signal || (base ? base.signal : null),  // made when first read: most never are
      };
    }

    get signal() {
      const st = this[STATE];
      if (!st.signal) st.signal = new AbortController().signal;
      return st.signal;
    }

    clone() { return new Request(this); }
  }
  defineGetters(Request.prototype, ['url', 'method', 'headers', 'redirect']);

  class Response extends Body {
    constructor(body, init) {
      super();
      const opts = init || {};
      const status = opts.status === undefined ? 200 : Number(opts.status);
      if (!(status >= 200 && status <= 599)) {
        throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.');
      }
      const headers = new Headers(opts.headers);
      this[STATE] = {
        status,
        statusText: opts.statusText === undefined ? '' : String(opts.statusText),
        headers,
        body: extractBody(body, headers),
        bodyUsed: false,
        url: '',
        redirected: false,
        type: 'default',
      };
    }

    get ok() { return this[STATE].status >= 200 && this[STATE].status <= 299; }

    clone() {
      if (this[STATE].bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
      const copy = Object.create(Response.prototype);
      copy[STATE] = Object.assign({}, this[STATE], { headers: new Headers(this[STATE].headers) });
      return copy;
    }

    static error() {
      const r = new Response(null, { status: 200 });
      Object.assign(r[STATE], { status: 0, type: 'error' });
      return r;
    }

    static redirect(url, status = 302) {
      let href;
      try {
        href = new URL(url).href;
      } catch (e) {
        throw new TypeError('Failed to parse URL from ' + url);
      }
      if (!REDIRECTS.includes(+status)) throw new RangeError('Invalid status code ' + status);
      const r = new Response(null, { status: 200 });
      r[STATE].status = +status;
      r[STATE].headers.set('location', href);
      return r;
    }

    static json(data, init) {
      const headers = new Headers(init && init.headers);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return new Response(JSON.stringify(data), Object.assign({}, init, { headers }));
    }
  }
  defineGetters(Response.prototype, ['status', 'statusText', 'headers', 'url', 'redirected', 'type']);

  // ---- fetch ----
  function toWire(st) {
    const combined = new Map();  // one line per name, values joined with ', ', as undici sends them
    for (const [name, value] of st.headers[STATE]) {
      combined.set(name, combined.has(name) ? combined.get(name) + ', ' + value : value);
    }
    const headers = [...combined];
    for (const [name, value] of NODE_HEADERS) if (!combined.has(name)) headers.push([name, value]);
    return {
      method: st.method,
      url: st.url.split('#')[0],
      headers,
      body: st.body,
      followRedirects: st.redirect === 'follow',
      maxRedirects: 20,
    };
  }

  function rawHeaders(pairs) {  // a server's header names are not validated (a bad one must not hang the job)
    const headers = new Headers();
    headers[STATE] = pairs.map(([name, value]) => [String(name).toLowerCase(), headerValue(value)]);
    return headers;
  }

  function fromWire(wire, st) {
    const res = Object.create(Response.prototype);
    res[STATE] = {
      status: wire.status,
      statusText: wire.statusText || '',
      headers: rawHeaders(wire.headers || []),
      body: wire.body || null,
      bodyUsed: false,
      url: (wire.url || st.url).split('#')[0],
      redirected: !!wire.redirected,
      type: 'basic',
    };
    return res;
  }

  function fetch(input, init) {
    let st;
    try {
      st = new Request(input, init)[STATE];
    } catch (e) {
      return Promise.reject(e);
    }
    const signal = st.signal;  // null unless the caller gave one (or read request.signal)
    if (signal && signal.aborted) return Promise.reject(signal.reason);
    if (!/^https?:/.test(st.url)) return Promise.reject(fetchFailed(new Error('unknown scheme')));
    const received = (wire) => {
      if (st.redirect === 'error' && REDIRECTS.indexOf(wire.status) !== -1) {
        throw fetchFailed(new Error('unexpected redirect'));
      }
      return fromWire(wire, st);
    };
    const failed = (rejection) => { throw fetchFailed(rejection, st.url); };
    // Without a signal no wrapping promise is needed: one promise step less per request.
    if (!signal) return host.request(toWire(st)).then(received, failed);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort);
      host.request(toWire(st)).then(received, failed).then((res) => {
        signal.removeEventListener('abort', onAbort);
        resolve(res);
      }, (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      });
    });
  }

  host.http = { isBinary, isURLSearchParams, bytesToBase64, binaryBody, textBody, wireBytes, wireText, hide,
    networkCause };
  const globals = { fetch, Headers, Request, Response, AbortController, AbortSignal };
  for (const name of Object.keys(globals)) host.defineGlobal(name, globals[name]);
}
