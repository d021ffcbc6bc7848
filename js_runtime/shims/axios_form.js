// axios_form.js: the form side of the axios shim (axios 1.21.1 in Node), loaded with axios.js, which calls
// host.axiosForm(AxiosError) once. Provides:
// - toFormData(obj, form, options): axios's object -> form rules (bracket or dot names, `[]`/`{}` meta tokens,
//   indexes true/false/null, visitor, maxDepth 100, circular references refused); also used by axios.js
//   for params and url-encoded bodies;
// - NodeFormData: the `form-data` npm package's behaviour, which axios uses in Node when it must build a
//   form itself (postForm/putForm/patchForm with an object, toFormData() without a form): string parts,
//   Buffer parts as application/octet-stream, a Blob value refused ("Blob is not supported");
// - encodeSpecForm(form, boundary): a spec FormData (the global) as axios's formDataToStream sends it.
// May use: host.bytes (web.js), Buffer (buffer.js), host.formData (form_data.js, when loaded).
{
  const { utf8Encode, concatBytes, MAX_STORED_BYTES, tooLarge } = host.bytes;
  const kindOf = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const isObject = (v) => v !== null && typeof v === 'object';
  const isPlainObject = (v) => {
    if (!isObject(v) || Symbol.iterator in v || Symbol.toStringTag in v) return false;
    const proto = Object.getPrototypeOf(v);
    return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
  };
  const isVisitable = (v) => isPlainObject(v) || Array.isArray(v);
  const isTypedArray = (v) => ArrayBuffer.isView(v) && !(v instanceof DataView);
  const isBuffer = (v) => typeof Buffer === 'function' && Buffer.isBuffer(v);
  const removeBrackets = (key) => (String(key).endsWith('[]') ? String(key).slice(0, -2) : String(key));
  const randomString = (size, alphabet) => {
    let out = '';
    for (let i = 0; i < size; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
    return out;
  };
  const ALPHA_DIGIT = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const CRLF = '\r\n';

  /** A spec FormData (WHATWG: append, iterable, tagged), as axios's isSpecCompliantForm tests it. */
  const isSpecForm = (v) => !!(v && typeof v.append === 'function' && v[Symbol.toStringTag] === 'FormData'
    && v[Symbol.iterator]);

  host.axiosForm = (AxiosError) => {
    function renderKey(path, key, dots) {
      if (!path) return key;
      return path.concat(key).map((token, i) => {
        const t = removeBrackets(token);
        return !dots && i ? '[' + t + ']' : t;
      }).join(dots ? '.' : '');
    }

    function toFormData(obj, formData, options) {
      if (!isObject(obj)) throw new TypeError('target must be an object');
      const form = formData || new NodeFormData();
      const option = (name, fallback) => {
        const value = options != null && name in Object(options) ? options[name] : undefined;
        return value === undefined ? fallback : value;
      };
      const metaTokens = option('metaTokens', true);
      const visitor = option('visitor') || defaultVisitor;
      const dots = option('dots', false);
      const indexes = option('indexes', false);
      const BlobClass = option('Blob') || (host.formData ? host.formData.Blob : null);
      const maxDepth = option('maxDepth', 100);
      const useBlob = !!BlobClass && isSpecForm(form);
      const stack = [];
      if (typeof visitor !== 'function') throw new TypeError('visitor must be a function');

      function convertValue(value) {
        if (value === null) return '';
        if (kindOf(value) === 'Date') return value.toISOString();
        if (typeof value === 'boolean') return value.toString();
        if (!useBlob && kindOf(value) === 'Blob') throw new AxiosError('Blob is not supported. Use a Buffer instead.');
        if (value instanceof ArrayBuffer || isTypedArray(value)) {
          if (useBlob && typeof BlobClass === 'function') return new BlobClass([value]);
          if (typeof Buffer === 'function') return Buffer.from(value);
          throw new AxiosError('Blob is not supported. Use a Buffer instead.', 'ERR_NOT_SUPPORT');
        }
        return value;
      }

      function tooDeep(depth) {
        if (depth > maxDepth) {
          throw new AxiosError('Object is too deeply nested (' + depth + ' levels). Max depth: ' + maxDepth,
            'ERR_FORM_DATA_DEPTH_EXCEEDED');
        }
      }

      function stringifyLimited(value, depth) {
        if (maxDepth === Infinity) return JSON.stringify(value);
        const ancestors = [];
        return JSON.stringify(value, function limit(_key, current) {
          if (!isObject(current)) return current;
          while (ancestors.length && ancestors[ancestors.length - 1] !== this) ancestors.pop();
          ancestors.push(current);
          tooDeep(depth + ancestors.length - 1);
          return current;
        });
      }

      function defaultVisitor(value, key, path) {
        if (value && !path && typeof value === 'object') {
          if (String(key).endsWith('{}')) {
            form.append(renderKey(path, metaTokens ? key : key.slice(0, -2), dots), convertValue(stringifyLimited(value, 1)));
            return false;
          }
          if ((Array.isArray(value) && !value.some(isVisitable)) || (String(key).endsWith('[]') && Array.isArray(value))) {
            const base = removeBrackets(key);
            value.forEach((el, index) => {
              if (el === undefined || el === null) return;
              const name = indexes === true ? renderKey([base], index, dots) : indexes === null ? base : base + '[]';
              form.append(name, convertValue(el));
            });
            return false;
          }
        }
        if (isVisitable(value)) return true;
        form.append(renderKey(path, key, dots), convertValue(value));
        return false;
      }

      const helpers = { defaultVisitor, convertValue, isVisitable };
      function build(value, path, depth) {
        if (value === undefined) return;
        tooDeep(depth);
        if (stack.indexOf(value) !== -1) throw new Error('Circular reference detected in ' + path.join('.'));
        stack.push(value);
        const visit = (el, key) => {
          if (el === undefined || el === null) return;
          if (visitor.call(form, el, typeof key === 'string' ? key.trim() : key, path, helpers) === true) {
            build(el, path ? path.concat(key) : [key], depth + 1);
          }
        };
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) visit(value[i], i);
        } else if (!isBuffer(value)) {
          for (const key of Object.keys(value)) visit(value[key], key);
        }
        stack.pop();
      }
      build(obj, undefined, 0);
      return form;
    }

    const escapeName = (name) => String(name).replace(/[\r\n"]/g, (c) => ({ '\r': '%0D', '\n': '%0A', '"': '%22' })[c]);

    /** A spec FormData as axios's formDataToStream sends it: {bytes, type}. */
    function encodeSpecForm(form, boundary) {
      if (boundary.length < 1 || boundary.length > 70) throw new Error('boundary must be 1-70 characters long');
      const parts = [];
      for (const [name, value] of form) {
        const isString = typeof value === 'string';
        let head = '--' + boundary + CRLF + 'Content-Disposition: form-data; name="' + escapeName(name) + '"'
          + (!isString && value.name ? '; filename="' + escapeName(value.name) + '"' : '') + CRLF;
        if (!isString) head += 'Content-Type: ' + String(value.type || 'application/octet-stream').replace(/[\r\n]/g, '') + CRLF;
        parts.push(utf8Encode(head + CRLF));
        parts.push(isString ? utf8Encode(value.replace(/\r?\n|\r\n?/g, CRLF)) : host.formData.bytesOf(value));
        parts.push(utf8Encode(CRLF));
      }
      parts.push(utf8Encode('--' + boundary + '--' + CRLF));
      return { bytes: concatBytes(parts), type: 'multipart/form-data; boundary=' + boundary };
    }
    const specBoundary = (version) => 'axios-' + version + '-boundary-' + randomString(25, ALPHA_DIGIT + '-_');

    // ---- the `form-data` package's behaviour (what axios builds in Node) ----
    const PARTS = Symbol('parts');
    const BOUNDARY = Symbol('boundary');
    const SIZE = Symbol('size');
    class NodeFormData {
      constructor() { this[PARTS] = []; this[BOUNDARY] = null; this[SIZE] = 0; }
      append(field, value, options) {
        const opts = typeof options === 'string' ? { filename: options } : options || {};
        let v = typeof value === 'number' || value == null ? String(value) : value;
        if (Array.isArray(v)) throw new Error('Arrays are not supported.');
        if (typeof v !== 'string' && !isBuffer(v)) throw new TypeError('source.on is not a function');
        const filename = opts.filename ? String(opts.filename).split('/').pop() : '';
        const type = opts.contentType || (typeof v === 'object' ? 'application/octet-stream' : '');
        const head = 'Content-Disposition: form-data; name="' + escapeName(field) + '"'
          + (filename ? '; filename="' + escapeName(filename) + '"' : '') + CRLF
          + (type ? 'Content-Type: ' + type + CRLF : '');
        const bytes = typeof v === 'string' ? utf8Encode(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        const size = this[SIZE] + head.length + bytes.length;
        if (size > MAX_STORED_BYTES) throw tooLarge();  // bytes live outside the engine's heap limit
        this[SIZE] = size;
        this[PARTS].push([head, bytes]);
      }

      getBoundary() {
        if (this[BOUNDARY] === null) this[BOUNDARY] = '-'.repeat(26) + randomString(24, '0123456789abcdef');
        return this[BOUNDARY];
      }

      setBoundary(boundary) {
        if (typeof boundary !== 'string') throw new TypeError('FormData boundary must be a string');
        this[BOUNDARY] = boundary;
      }

      getHeaders(userHeaders) {
        const out = { 'content-type': 'multipart/form-data; boundary=' + this.getBoundary() };
        for (const key of Object.keys(userHeaders || {})) out[key.toLowerCase()] = userHeaders[key];
        return out;
      }

      getBuffer() {
        const boundary = this.getBoundary();
        const chunks = [];
        for (const [head, bytes] of this[PARTS]) chunks.push(utf8Encode('--' + boundary + CRLF + head + CRLF), bytes, utf8Encode(CRLF));
        chunks.push(utf8Encode('--' + boundary + '--' + CRLF));
        const bytes = concatBytes(chunks);
        return typeof Buffer === 'function' ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
      }

      getLengthSync() { return this.getBuffer().length; }
      toString() { return '[object FormData]'; }
      get [Symbol.toStringTag]() { return 'FormData'; }
    }

    // ---- formDataToJSON (a FormData body with a JSON content type; axios.formToJSON) ----
    const tooDeepField = (n) => {
      if (n > 100) throw new AxiosError('FormData field is too deeply nested (' + n + ' levels). Max depth: 100', 'ERR_FORM_DATA_DEPTH_EXCEEDED');
    };
    function propPath(name) {
      const path = [];
      const pattern = /[^.[\]]+|\[([^.[\]]*)]/g;
      for (let m = pattern.exec(name); m !== null; m = pattern.exec(name)) {
        tooDeepField(path.length);
        path.push(m[0] === '[]' ? '' : m[1] || m[0]);
      }
      return path;
    }
    const toObject = (arr) => Object.assign({}, ...Object.keys(arr).map((k) => ({ [k]: arr[k] })));
    const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
    const normalizeArray = (v) => {
      if (!Array.isArray(v)) return v;
      const keys = Object.keys(v);
      return keys.length !== v.length || keys.some((k, i) => k !== String(i)) ? toObject(v) : v;
    };
    function place(path, value, target, index) {
      tooDeepField(index);
      let name = path[index++];
      if (name === '__proto__') return true;
      const numeric = Number.isFinite(+name);
      name = !name && Array.isArray(target) ? target.length : name;
      if (index >= path.length) {
        if (hasOwn(target, name)) {
          const prev = normalizeArray(target[name]);
          target[name] = Array.isArray(prev) ? prev.concat(value) : [prev, value];
        } else {
          target[name] = value;
        }
        return !numeric;
      }
      if (!hasOwn(target, name) || !isObject(target[name])) target[name] = [];
      if (place(path, value, target[name], index) && Array.isArray(target[name])) target[name] = toObject(target[name]);
      return !numeric;
    }
    function formDataToJSON(data) {
      if (!isSpecForm(data) && !(data instanceof NodeFormData)) return null;
      if (typeof data.entries !== 'function') return null;
      const obj = {};
      for (const [name, value] of data.entries()) place(propPath(name), value, obj, 0);
      const pending = [obj];
      while (pending.length) {
        const target = pending.pop();
        for (const key of Object.keys(target)) {
          const v = (target[key] = normalizeArray(target[key]));
          if (Array.isArray(v) || isPlainObject(v)) pending.push(v);
        }
      }
      return obj;
    }

    /** The body axios streams for a `form-data` instance: nothing at all when it has no part. */
    const nodeFormBody = (fd) => (fd[PARTS].length ? fd.getBuffer() : new Uint8Array(0));

    /** What axios's utils.isFormData accepts: a spec FormData or a `form-data` package instance. */
    const isFormData = (v) => isSpecForm(v) || v instanceof NodeFormData;

    return { toFormData, formDataToJSON, encodeSpecForm, specBoundary, NodeFormData, nodeFormBody, isSpecForm, isFormData, kindOf };
  };
}
