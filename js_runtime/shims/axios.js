// axios.js: an axios 1.x work-alike (behaviour of axios 1.21.1's Node http adapter), reachable only as
// require('axios') / import axios from 'axios' (also host.axios, for api_client.js).
// Provides: axios(config | url, config), request/get/delete/head/options/post/put/patch, create(),
// defaults (incl. headers.common/<method>), interceptors, getUri, AxiosError, CanceledError/isCancel,
// AxiosHeaders (basic), isAxiosError, all/spread, mergeConfig; params/paramsSerializer, baseURL,
// data transforms, auth, timeout, signal, validateStatus, responseType, maxRedirects.
// Forms (axios_form.js): postForm/putForm/patchForm, toFormData, formToJSON, FormData and Blob bodies.
// Deliberately omitted: CancelToken, streams and progress events,
// proxies, agents, xsrf, maxContentLength/maxBodyLength, beforeRedirect, decompress options,
// data: URLs; `request` is a stub ({res: {responseUrl}}), not a ClientRequest. AxiosHeaders.from()
// takes objects, not raw header text. The transport sends a custom paramsSerializer's query with
// characters such as '"' percent-encoded (Node's axios sends them as written).
{
  const VERSION = '1.21.1';
  const http = host.http;
  const hide = http.hide;
  const METHODS = ['get', 'delete', 'head', 'options', 'post', 'put', 'patch', 'purge', 'link', 'unlink', 'query'];
  const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];
  const DECODED_ENCODINGS = ['gzip', 'deflate', 'br'];  // what the transport (aiohttp) decompresses

  const isObject = (v) => v !== null && typeof v === 'object';
  const isPlainObject = (v) => isObject(v) && [Object.prototype, null].indexOf(Object.getPrototypeOf(v)) !== -1;
  const isVisitable = (v) => isPlainObject(v) || Array.isArray(v);
  const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const findKey = (obj, name) => {
    const lower = String(name).trim().toLowerCase();
    return Object.keys(obj).find((k) => k.toLowerCase() === lower);
  };

  // ---- AxiosHeaders: header names as own properties, caseless lookup ----
  const headerValue = (v) => String(v).replace(/[\u0000-\u0008\u000a-\u001f\u007f]+/g, '').replace(/^[\t ]+|[\t ]+$/g, '');
  class AxiosHeaders {
    constructor(init) { if (init) this.set(init); }

    set(name, value, rewrite) {
      if (isObject(name)) {
        const pairs = isPlainObject(name) || name instanceof AxiosHeaders ? Object.entries(name) : Array.from(name);
        for (const [k, v] of pairs) this.set(k, v, value);
        return this;
      }
      const key = findKey(this, name);
      if (!key || this[key] === undefined || rewrite === true || (rewrite === undefined && this[key] !== false)) {
        this[key || name] = value == null || value === false ? value
          : Array.isArray(value) ? value.map(headerValue) : headerValue(value);
      }
      return this;
    }

    get(name) { const key = findKey(this, name); return key ? this[key] : undefined; }
    has(name) { const key = findKey(this, name); return !!key && this[key] !== undefined; }
    delete(name) { const key = findKey(this, name); if (key) delete this[key]; return !!key; }
    clear() { for (const key of Object.keys(this)) delete this[key]; return true; }
    concat(...sources) { return AxiosHeaders.concat(this, ...sources); }

    toJSON(asStrings) {
      const out = {};
      for (const [k, v] of Object.entries(this)) {
        if (v != null && v !== false) out[k] = asStrings && Array.isArray(v) ? v.join(', ') : v;
      }
      return out;
    }

    toString() { return Object.entries(this.toJSON(true)).map(([k, v]) => k + ': ' + v).join('\n'); }
    [Symbol.iterator]() { return Object.entries(this.toJSON())[Symbol.iterator](); }
    get [Symbol.toStringTag]() { return 'AxiosHeaders'; }
    static from(thing) { return thing instanceof AxiosHeaders ? thing : new AxiosHeaders(thing); }
    static concat(...sources) { const h = new AxiosHeaders(); for (const s of sources) if (s) h.set(s); return h; }
  }
  for (const name of ['Content-Type', 'Content-Length', 'Accept', 'Accept-Encoding', 'User-Agent', 'Authorization']) {
    const suffix = name.replace('-', '');
    AxiosHeaders.prototype['get' + suffix] = function () { return this.get(name); };
    AxiosHeaders.prototype['has' + suffix] = function () { return this.has(name); };
    AxiosHeaders.prototype['set' + suffix] = function (value, rewrite) { return this.set(name, value, rewrite); };
  }

  // ---- errors ----
  function jsonCopy(value) {
    try { return JSON.parse(JSON.stringify(value)); } catch (e) { return undefined; }
  }

  class AxiosError extends Error {
    constructor(message, code, config, request, response) {
      super(message);
      Object.defineProperty(this, 'message', { value: message, enumerable: true, writable: true, configurable: true });
      this.name = 'AxiosError';
      this.isAxiosError = true;
      if (code) this.code = code;
      if (config) this.config = config;
      if (request) this.request = request;
      if (response) { this.response = response; this.status = response.status; }
    }

    toJSON() {
      const { message, name, stack, code, status } = this;
      return { message, name, stack, config: jsonCopy(this.config), code, status };
    }

    static from(error, code, config, request, response, props) {
      const err = new AxiosError(error.message, code || error.code, config, request, response);
      hide(err, 'cause', error);
      err.name = error.name;
      if (error.status != null && err.status == null) err.status = error.status;
      return props ? Object.assign(err, props) : err;
    }
  }
  for (const code of ['ERR_BAD_OPTION_VALUE', 'ERR_BAD_OPTION', 'ECONNABORTED', 'ETIMEDOUT', 'ECONNREFUSED',
    'ERR_NETWORK', 'ERR_FR_TOO_MANY_REDIRECTS', 'ERR_DEPRECATED', 'ERR_BAD_RESPONSE', 'ERR_BAD_REQUEST',
    'ERR_CANCELED', 'ERR_NOT_SUPPORT', 'ERR_INVALID_URL', 'ERR_FORM_DATA_DEPTH_EXCEEDED']) AxiosError[code] = code;
  const form = host.axiosForm(AxiosError);

  class CanceledError extends AxiosError {
    constructor(message, config, request) {
      super(message == null ? 'canceled' : message, 'ERR_CANCELED', config, request);
      this.name = 'CanceledError';
    }
  }
  CanceledError.prototype.__CANCEL__ = true;
  const isCancel = (value) => !!(value && value.__CANCEL__);

  // ---- URLs and params ----
  const isAbsoluteURL = (url) => typeof url === 'string' && /^([a-z][a-z\d+\-.]*:)?\/\//i.test(url);
  const combineURLs = (base, rel) => (rel ? base.replace(/\/+$/, '') + '/' + rel.replace(/^\/+/, '') : base);
  const buildFullPath = (base, url, allowAbsolute) => (base && (!isAbsoluteURL(url) || allowAbsolute === false)
    ? combineURLs(base, url) : url);
  const encodeParam = (v) => encodeURIComponent(v).replace(/%3A/gi, ':').replace(/%24/g, '$')
    .replace(/%2C/gi, ',').replace(/%20/g, '+');
  const encodeForm = (v) => encodeURIComponent(v)
    .replace(/[!'()~]|%20/g, (c) => (c === '%20' ? '+' : '%' + c.charCodeAt(0).toString(16).toUpperCase()));

  /** [key, value] pairs the way axios's toFormData flattens params and url-encoded form bodies. */
  function flatten(params, options, visitor) {
    const pairs = [];
    const target = { append: (k, v) => { pairs.push([k, v]); } };
    form.toFormData(params, target, visitor ? Object.assign({ visitor }, options) : options);
    return pairs;
  }
  // toURLEncodedForm: a Buffer value is sent as base64
  function urlEncodedVisitor(value, key, path, helpers) {
    if (typeof Buffer === 'function' && Buffer.isBuffer(value)) {
      this.append(key, value.toString('base64'));
      return false;
    }
    return helpers.defaultVisitor.apply(this, arguments);
  }

  function buildURL(url, params, serializer) {
    if (!params) return url;
    const options = typeof serializer === 'function' ? { serialize: serializer } : serializer || {};
    let query;
    if (options.serialize) {
      query = options.serialize(params, options);
    } else if (http.isURLSearchParams(params)) {
      query = params.toString();
    } else {
      const encode = options.encode || encodeParam;
      query = flatten(params, options).map(([k, v]) => encode(k, encodeParam) + '=' + encode(v, encodeParam)).join('&');
    }
    if (!query) return url;
    const hash = url.indexOf('#');
    const base = hash === -1 ? url : url.slice(0, hash);
    return base + (base.indexOf('?') === -1 ? '?' : '&') + query;
  }

  // ---- config merging ----
  const copyValue = (v) => (isPlainObject(v) ? mergeDeep({}, v) : Array.isArray(v) ? v.slice() : v);
  const headersObject = (h) => (h instanceof AxiosHeaders ? Object.assign({}, h) : h);

  function mergeDeep(target, source, caseless) {
    for (const key of Object.keys(source)) {
      if (FORBIDDEN_KEYS.indexOf(key) !== -1) continue;
      const existing = (caseless && findKey(target, key)) || key;
      const value = source[key];
      target[existing] = isPlainObject(target[existing]) && isPlainObject(value)
        ? mergeDeep(target[existing], value) : copyValue(value);
    }
    return target;
  }

  function mergeValue(key, a, b) {
    if (key === 'url' || key === 'method' || key === 'data') return b;
    if (key === 'headers') a = headersObject(a);
    if (b === undefined) return copyValue(a);
    if (key === 'headers') b = headersObject(b);
    if (key === 'paramsSerializer' || !isPlainObject(a) || !isPlainObject(b)) return copyValue(b);
    return mergeDeep(mergeDeep({}, a, key === 'headers'), b, key === 'headers');
  }

  function mergeConfig(config1, config2) {
    const a = config1 || {};
    const b = config2 || {};
    const out = {};
    for (const key of Object.keys(Object.assign({}, a, b))) {
      if (FORBIDDEN_KEYS.indexOf(key) !== -1) continue;
      if (key === 'validateStatus') {
        out[key] = hasOwn(b, key) ? b[key] : a[key];
        continue;
      }
      const value = mergeValue(key, hasOwn(a, key) ? a[key] : undefined, hasOwn(b, key) ? b[key] : undefined);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  // ---- default transforms (`this` is the request config) ----
  function stringifySafely(value) {
    if (typeof value === 'string') {
      try {
        JSON.parse(value);
        return value.trim();
      } catch (e) {
        if (e.name !== 'SyntaxError') throw e;
      }
    }
    return JSON.stringify(value);
  }

  function transformRequest(data, headers) {
    const type = headers.getContentType() || '';
    if (form.isFormData(data)) return type.indexOf('application/json') !== -1 ? JSON.stringify(form.formDataToJSON(data)) : data;
    if (http.isBinary(data) || ['Blob', 'File'].indexOf(form.kindOf(data)) !== -1) return data;
    if (http.isURLSearchParams(data)) {
      headers.setContentType('application/x-www-form-urlencoded;charset=utf-8', false);
      return data.toString();
    }
    if (isObject(data) && type.indexOf('application/x-www-form-urlencoded') !== -1) {
      return flatten(data, this.formSerializer, urlEncodedVisitor).map(([k, v]) => encodeForm(k) + '=' + encodeForm(v)).join('&');
    }
    if (isObject(data) && type.indexOf('multipart/form-data') !== -1) {
      const FormDataClass = this.env && this.env.FormData;
      return form.toFormData(data, FormDataClass ? new FormDataClass() : null, this.formSerializer);
    }
    if (isObject(data) || type.indexOf('application/json') !== -1) {
      headers.setContentType('application/json', false);
      return stringifySafely(data);
    }
    return data;
  }

  function transformResponse(data) {
    const transitional = this.transitional || defaults.transitional;
    const type = this.responseType;
    if (!data || typeof data !== 'string' || !((transitional.forcedJSONParsing && !type) || type === 'json')) return data;
    try {
      return JSON.parse(data);
    } catch (e) {
      if (transitional.silentJSONParsing || type !== 'json') return data;
      throw e.name === 'SyntaxError' ? AxiosError.from(e, 'ERR_BAD_RESPONSE', this, null, this.response) : e;
    }
  }

  function transformData(config, fns, data, headers, status) {
    for (const fn of [].concat(fns || [])) data = fn.call(config, data, headers, status);
    return data;
  }

  // ---- the adapter: one config to one host.request ----
  /** The body to send: forms encoded (and their content type set) as the http adapter does, Blobs as bytes. */
  function bodyBytes(config) {
    const data = config.data;
    const headers = config.headers;
    if (form.isSpecForm(data)) {
      const user = headers.getContentType() && String(headers.getContentType()).match(/boundary=([-_\w\d]{10,70})/i);
      const encoded = form.encodeSpecForm(data, (user && user[1]) || form.specBoundary(VERSION));
      headers.set('Content-Type', encoded.type);
      return encoded.bytes;
    }
    if (data instanceof form.NodeFormData) {
      headers.set(data.getHeaders());
      return form.nodeFormBody(data);
    }
    if (['Blob', 'File'].indexOf(form.kindOf(data)) !== -1) {
      if (data.size) headers.setContentType(data.type || 'application/octet-stream');
      return host.formData.bytesOf(data);
    }
    return data;
  }

  function wireRequest(config, parsed, data) {
    const headers = config.headers;
    headers.set('User-Agent', 'axios/' + VERSION, false);
    const auth = config.auth ? (config.auth.username || '') + ':' + (config.auth.password || '')
      : parsed.username ? decodeURIComponent(parsed.username) + ':' + decodeURIComponent(parsed.password) : null;
    if (auth !== null) headers.delete('authorization');
    headers.set('Accept-Encoding', 'gzip, compress, deflate, br', false);
    // like Node's `auth` option: on the wire only, not in config.headers
    const wireHeaders = auth === null ? [] : [['Authorization', 'Basic ' + http.bytesToBase64(new TextEncoder().encode(auth))]];
    for (const [name, value] of Object.entries(headers)) {
      if (value == null || value === false) continue;
      for (const v of [].concat(value)) wireHeaders.push([name, String(v).replace(/[^\t\x20-\x7e\x80-\xff]+/g, '')]);
    }
    return {
      method: config.method.toUpperCase(),
      url: parsed.protocol + '//' + parsed.host
        + buildURL(parsed.pathname + parsed.search, config.params, config.paramsSerializer),
      headers: wireHeaders,
      body: !data ? null : typeof data === 'string' ? http.textBody(data) : http.binaryBody(data),
      followRedirects: config.maxRedirects !== 0,
      maxRedirects: config.maxRedirects || 21,
    };
  }

  function toResponse(wire, config, request) {
    const headers = new AxiosHeaders();
    for (const [rawName, value] of wire.headers || []) {
      const name = rawName.toLowerCase();
      if (name === 'set-cookie') headers[name] = (headers[name] || []).concat(value);
      else headers[name] = hasOwn(headers, name) ? headers[name] + ', ' + value : value;
    }
    // The transport has already decompressed the body; axios then drops the header, as here.
    if (DECODED_ENCODINGS.includes(headers['content-encoding'])) delete headers['content-encoding'];
    request.res = { responseUrl: wire.url };
    const bytes = config.responseType === 'arraybuffer' ? http.wireBytes(wire.body) : null;
    const data = !bytes ? http.wireText(wire.body) : typeof Buffer === 'function' ? Buffer.from(bytes) : bytes.buffer;
    return { status: wire.status, statusText: wire.statusText, headers, config, request, data,
      duration: Date.now() - request.started };
  }

  function settle(response, config, request) {
    const valid = config.validateStatus;
    if (!response.status || !valid || valid(response.status)) return response;
    const code = response.status >= 400 && response.status < 500 ? 'ERR_BAD_REQUEST' : 'ERR_BAD_RESPONSE';
    throw new AxiosError('Request failed with status code ' + response.status, code, config, request, response);
  }

  function networkError(rejection, config, request, url) {
    if (!rejection || !rejection.__ceNetwork) return rejection;
    const cause = http.networkCause(rejection, url);
    return hide(AxiosError.from(cause, cause.code, config, request), '__ceNetwork', rejection.__ceNetwork);
  }

  function invalidURL(url) {
    return Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: url });
  }

  function adapter(config) {
    const path = buildFullPath(config.baseURL, config.url, config.allowAbsoluteUrls);
    let parsed;
    try {
      parsed = new URL(path);
    } catch (e) {
      return Promise.reject(invalidURL(path));
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return Promise.reject(new AxiosError('Unsupported protocol ' + parsed.protocol, 'ERR_BAD_REQUEST', config));
    }
    let data;
    try {
      data = bodyBytes(config);
    } catch (e) {
      return Promise.reject(e);
    }
    if (data && typeof data !== 'string' && !http.isBinary(data)) {
      const message = 'Data after transformation must be a string, an ArrayBuffer, a Buffer, or a Stream';
      return Promise.reject(new AxiosError(message, 'ERR_BAD_REQUEST', config));
    }
    return exchange(config, wireRequest(config, parsed, data));
  }

  function exchange(config, wire) {
    const request = {};
    hide(request, 'started', Date.now());
    const signal = config.signal;
    const timeout = parseInt(config.timeout, 10);
    return new Promise((resolve, reject) => {
      let done = false;
      let timer = null;
      const finish = (fn) => {
        if (done) return;
        done = true;
        if (timer !== null) host.clearTimer(timer);
        if (signal) signal.removeEventListener('abort', onAbort);
        try { resolve(fn()); } catch (e) { reject(e); }
      };
      const onAbort = () => finish(() => { throw new CanceledError(null, config, request); });
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort);
      }
      if (timeout > 0) {
        const message = config.timeoutErrorMessage || 'timeout of ' + timeout + 'ms exceeded';
        const code = (config.transitional || {}).clarifyTimeoutError ? 'ETIMEDOUT' : 'ECONNABORTED';
        timer = host.setTimer(() => finish(() => { throw new AxiosError(message, code, config, request); }), timeout, [], false);
      }
      host.request(wire).then(
        (res) => finish(() => settle(toResponse(res, config, request), config, request)),
        (rejection) => finish(() => { throw networkError(rejection, config, request, wire.url); }),
      );
    });
  }

  function dispatchRequest(config) {
    if (config.signal && config.signal.aborted) throw new CanceledError(null, config);
    config.headers = AxiosHeaders.from(config.headers);
    config.data = transformData(config, config.transformRequest, config.data, config.headers);
    if (['post', 'put', 'patch'].indexOf(config.method) !== -1) {
      config.headers.setContentType('application/x-www-form-urlencoded', false);
    }
    const transformed = (response) => {
      response.data = transformData(config, config.transformResponse, response.data, response.headers, response.status);
      return response;
    };
    return adapter(config).then(transformed, (reason) => {
      if (!isCancel(reason) && reason && reason.response) transformed(reason.response);
      throw reason;
    });
  }

  // ---- Axios, instances ----
  class InterceptorManager {
    constructor() { this.handlers = []; }
    use(fulfilled, rejected, options) {
      this.handlers.push({ fulfilled, rejected, runWhen: options ? options.runWhen : null });
      return this.handlers.length - 1;
    }

    eject(id) { if (this.handlers[id]) this.handlers[id] = null; }
    clear() { this.handlers = []; }
    forEach(fn) { for (const h of this.handlers) if (h !== null) fn(h); }
  }

  class Axios {
    constructor(instanceConfig) {
      this.defaults = instanceConfig || {};
      this.interceptors = { request: new InterceptorManager(), response: new InterceptorManager() };
    }

    async request(configOrUrl, config) {
      if (typeof configOrUrl === 'string') {
        config = config || {};
        config.url = configOrUrl;
      } else {
        config = configOrUrl || {};
      }
      config = mergeConfig(this.defaults, config);
      config.method = String(config.method || this.defaults.method || 'get').toLowerCase();
      const headers = config.headers || {};
      const context = mergeDeep(mergeDeep({}, headers.common || {}), headers[config.method] || {});
      for (const bucket of METHODS.concat('common')) if (isPlainObject(headers[bucket])) delete headers[bucket];
      config.headers = AxiosHeaders.concat(context, headers);
      const before = [];
      this.interceptors.request.forEach((i) => {
        if (typeof i.runWhen !== 'function' || i.runWhen(config) !== false) before.unshift(i);
      });
      let chain = Promise.resolve(config);
      for (const i of before) chain = chain.then(i.fulfilled, i.rejected);
      chain = chain.then(dispatchRequest);
      this.interceptors.response.forEach((i) => { chain = chain.then(i.fulfilled, i.rejected); });
      return chain;
    }

    getUri(config) {
      const merged = mergeConfig(this.defaults, config);
      return buildURL(buildFullPath(merged.baseURL, merged.url, merged.allowAbsoluteUrls), merged.params,
        merged.paramsSerializer);
    }
  }
  for (const method of ['delete', 'get', 'head', 'options']) {
    Axios.prototype[method] = function (url, config) {
      return this.request(mergeConfig(config || {}, { method, url, data: (config || {}).data }));
    };
  }
  for (const method of ['post', 'put', 'patch']) {
    Axios.prototype[method] = function (url, data, config) {
      return this.request(mergeConfig(config || {}, { method, headers: {}, url, data }));
    };
    Axios.prototype[method + 'Form'] = function (url, data, config) {
      return this.request(mergeConfig(config || {}, { method, headers: { 'Content-Type': 'multipart/form-data' }, url, data }));
    };
  }

  function createInstance(instanceConfig) {
    const context = new Axios(instanceConfig);
    const instance = function wrap(configOrUrl, config) { return context.request(configOrUrl, config); };
    for (const key of Object.getOwnPropertyNames(Axios.prototype)) {
      if (key !== 'constructor') instance[key] = Axios.prototype[key].bind(context);
    }
    Object.defineProperty(instance, 'defaults', {
      get: () => context.defaults, set: (v) => { context.defaults = v; }, enumerable: true,
    });
    instance.interceptors = context.interceptors;
    instance.create = (config) => createInstance(mergeConfig(context.defaults, config));
    return instance;
  }

  const defaults = {
    transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: false },
    transformRequest: [transformRequest],
    transformResponse: [transformResponse],
    timeout: 0,
    validateStatus: (status) => status >= 200 && status < 300,
    headers: { common: { Accept: 'application/json, text/plain, */*', 'Content-Type': undefined } },
    env: { FormData: form.NodeFormData, Blob: host.formData ? host.formData.Blob : null },
  };
  for (const method of METHODS) defaults.headers[method] = {};

  const axios = createInstance(defaults);
  Object.assign(axios, {
    Axios, AxiosError, AxiosHeaders, CanceledError, Cancel: CanceledError, isCancel, VERSION, mergeConfig,
    isAxiosError: (value) => isObject(value) && value.isAxiosError === true,
    toFormData: form.toFormData, formToJSON: form.formDataToJSON,
    all: (promises) => Promise.all(promises),
    spread: (callback) => (args) => callback.apply(null, args),
  });
  axios.default = axios;
  host.registerModule('axios', axios);

  host.axios = axios;  // for api_client.js
}
