// structuredClone (Node 20, V8's serializer rules): primitives, wrapper objects, Date, RegExp, Map, Set,
// ArrayBuffer and views (views over one buffer keep sharing the clone of it), Error types (name, message,
// stack, cause), arrays (holes and extra keys kept), plain data (own enumerable string keys through
// getters, prototype dropped), cycles and shared references. Functions, symbols, promises, Weak*
// collections and other host objects fail with DOMException DataCloneError as in Node.
// `transfer` detaches the listed ArrayBuffers where the engine has ArrayBuffer.prototype.transfer.
// Deliberately different: a Proxy is cloned through its traps (Node refuses it).
{
  const ERRORS = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  const fail = (what) => new host.DOMException(what + ' could not be cloned.', 'DataCloneError');
  const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
    'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'DataView'];

  const UNCLONEABLE = ['Promise', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Generator',
    'AsyncGenerator'];

  function cloneValue(v, seen) {
    if (typeof v === 'symbol') throw fail(v.toString());
    if (typeof v === 'function') throw fail(Function.prototype.toString.call(v));
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return seen.get(v);
    const t = tag(v);
    let out;
    if (Array.isArray(v)) {
      out = new Array(v.length);
      seen.set(v, out);
      for (const k of Object.keys(v)) out[k] = cloneValue(v[k], seen);
      return out;
    }
    if (t === 'Date') out = new Date(v.getTime());
    else if (t === 'RegExp') out = new RegExp(v.source, v.flags);
    else if (t === 'Boolean') out = Object(Boolean.prototype.valueOf.call(v));
    else if (t === 'Number') out = Object(Number.prototype.valueOf.call(v));
    else if (t === 'String') out = Object(String.prototype.valueOf.call(v));
    else if (t === 'BigInt') out = Object(BigInt.prototype.valueOf.call(v));
    else if (t === 'ArrayBuffer') out = v.slice(0);
    else if (ArrayBuffer.isView(v) && TYPED.includes(t)) {
      const buffer = cloneValue(v.buffer, seen);
      const Ctor = globalThis[t];
      out = t === 'DataView' ? new DataView(buffer, v.byteOffset, v.byteLength)
        : new Ctor(buffer, v.byteOffset, v.length);
      seen.set(v, out);
      return out;
    } else if (t === 'Map') {
      out = new Map();
      seen.set(v, out);
      for (const [k, x] of Array.from(v)) out.set(cloneValue(k, seen), cloneValue(x, seen));
      return out;
    } else if (t === 'Set') {
      out = new Set();
      seen.set(v, out);
      for (const x of Array.from(v)) out.add(cloneValue(x, seen));
      return out;
    } else if (v instanceof Error || t === 'Error') {
      const name = v.name;
      const Ctor = Object.prototype.hasOwnProperty.call(ERRORS, name) ? ERRORS[name] : Error;
      out = Object.create(Ctor.prototype);
      seen.set(v, out);
      const own = (key, value) => Object.defineProperty(out, key, { value, writable: true, configurable: true });
      if (v.stack !== undefined) own('stack', String(v.stack));
      const message = Object.getOwnPropertyDescriptor(v, 'message');
      if (message) own('message', String(v.message));
      if (Object.prototype.hasOwnProperty.call(v, 'cause')) own('cause', cloneValue(v.cause, seen));
      return out;
    } else if (UNCLONEABLE.includes(t)) {
      throw fail('#<' + t + '>');
    } else {
      out = {};
      seen.set(v, out);
      for (const k of Object.keys(v)) out[k] = cloneValue(v[k], seen);
      return out;
    }
    seen.set(v, out);
    return out;
  }

  function structuredClone(value, options) {
    if (arguments.length === 0) {
      throw Object.assign(new TypeError('The value argument must be specified'), { code: 'ERR_MISSING_ARGS' });
    }
    let transfer = [];
    if (options !== undefined && options !== null) {
      const list = options.transfer;
      if (list !== undefined) {
        if (list === null || typeof list[Symbol.iterator] !== 'function') {
          throw Object.assign(new TypeError('Optional transferList argument must be an iterable'),
            { code: 'ERR_INVALID_ARG_TYPE' });
        }
        transfer = Array.from(list);
      }
    }
    const out = cloneValue(value, new Map());
    for (const buffer of transfer) {
      if (buffer instanceof ArrayBuffer && typeof buffer.transfer === 'function') buffer.transfer();
    }
    return out;
  }
  host.defineGlobal('structuredClone', structuredClone);
}
