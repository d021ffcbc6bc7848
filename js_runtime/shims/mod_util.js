// The `util` module (Node 20), basics: format, formatWithOptions and inspect (inspect.js: Node's layout,
// array grouping included; no colors, getters, showHidden or custom inspectors), promisify, callbackify,
// inherits, isDeepStrictEqual (via inspect of plain data), TextEncoder, TextDecoder, and `types`
// (isDate, isRegExp, isPromise, isMap, isSet, isTypedArray, isUint8Array, isArrayBuffer,
// isAnyArrayBuffer, isNativeError, isAsyncFunction, isGeneratorFunction).
{
  const { inspect, formatWithOptions, format, className } = host.inspect;  // inspect.js
  function received(v) {
    if (v === null || v === undefined) return ' Received ' + v;
    if (typeof v === 'function') return ' Received function ' + (v.name || '<anonymous>');
    if (typeof v === 'object') return ' Received an instance of ' + (className(v) || 'Object');
    const shown = inspect(typeof v === 'string' && v.length > 28 ? v.slice(0, 25) + '...' : v);
    return ' Received type ' + typeof v + ' (' + shown + ')';
  }
  const custom = Symbol.for('nodejs.util.promisify.custom');
  function promisify(original) {
    if (typeof original !== 'function') {
      const err = new TypeError('The "original" argument must be of type function.' + received(original));
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    if (original[custom]) return original[custom];
    function fn(...args) {
      return new Promise((resolve, reject) => {
        original.call(this, ...args, (err, ...values) => (err ? reject(err) : resolve(values[0])));
      });
    }
    Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
    return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
  }
  promisify.custom = custom;
  function callbackify(original) {
    return function (...args) {
      const callback = args.pop();
      original.apply(this, args).then((v) => callback(null, v), (e) => callback(e || Object.assign(new Error('Promise was rejected with a falsy value'), { code: 'ERR_FALSY_VALUE_REJECTION', reason: e })));
    };
  }
  const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const types = {
    isDate: (v) => v instanceof Date, isRegExp: (v) => v instanceof RegExp, isPromise: (v) => v instanceof Promise,
    isMap: (v) => v instanceof Map, isSet: (v) => v instanceof Set,
    isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView), isUint8Array: (v) => v instanceof Uint8Array,
    isArrayBuffer: (v) => v instanceof ArrayBuffer, isAnyArrayBuffer: (v) => v instanceof ArrayBuffer,
    isNativeError: (v) => v instanceof Error && tag(v) === 'Error',
    isAsyncFunction: (v) => typeof v === 'function' && /^Async/.test(v.constructor && v.constructor.name),
    isGeneratorFunction: (v) => typeof v === 'function' && /GeneratorFunction$/.test(v.constructor && v.constructor.name),
  };
  host.registerModule('util', {
    format, formatWithOptions, inspect, promisify, callbackify, types, TextEncoder, TextDecoder,
    inherits(ctor, superCtor) { Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true }); Object.setPrototypeOf(ctor.prototype, superCtor.prototype); },
    isDeepStrictEqual: (a, b) => inspect(a, { depth: Infinity }) === inspect(b, { depth: Infinity }) && className(a) === className(b),
    isArray: Array.isArray,
  });
}
