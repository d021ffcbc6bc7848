// The `util` module (Node 20), basics: format, inspect (single-line and Node's multi-line layout for
// plain values, depth 2, circular refs; no colors, getters or showHidden), promisify, callbackify,
// inherits, isDeepStrictEqual (via inspect of plain data), TextEncoder, TextDecoder, and `types`
// (isDate, isRegExp, isPromise, isMap, isSet, isTypedArray, isUint8Array, isArrayBuffer,
// isAnyArrayBuffer, isNativeError, isAsyncFunction, isGeneratorFunction).
// Differs from Node: arrays of more than 6 items are not grouped in columns when they are too long
// for one line (one item per line instead).
{
  const BREAK = 80;
  const quote = (s) => {
    const q = !s.includes("'") ? "'" : !s.includes('"') ? '"' : !s.includes('`') ? '`' : "'";
    const body = s.replace(/[\\\n\t\r\b\f\v\x00-\x1f\x7f]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' }[c]
      || '\\x' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')));
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  };
  const keyText = (k) => typeof k === 'symbol' ? '[' + k.toString() + ']' : /^[a-zA-Z_][a-zA-Z_0-9]*$/.test(k) ? k : quote(k);
  const className = (v) => { try { const c = Object.getPrototypeOf(v); return c === null ? null : (c.constructor && c.constructor.name) || ''; } catch (e) { return ''; } };
  function fnText(v) {
    const src = Function.prototype.toString.call(v);
    if (src.startsWith('class')) return '[class ' + (v.name || '(anonymous)') + ']';
    const kind = v.constructor && v.constructor.name === 'AsyncFunction' ? 'AsyncFunction'
      : v.constructor && v.constructor.name === 'GeneratorFunction' ? 'GeneratorFunction'
      : v.constructor && v.constructor.name === 'AsyncGeneratorFunction' ? 'AsyncGeneratorFunction' : 'Function';
    return '[' + kind + (v.name ? ': ' + v.name : ' (anonymous)') + ']';
  }
  function primitive(v) {
    if (typeof v === 'string') return quote(v);
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'bigint') return String(v) + 'n';
    if (typeof v === 'symbol') return v.toString();
    return String(v);
  }
  function inspect(value, opts) {
    const options = typeof opts === 'object' && opts !== null ? opts : {};
    const ctx = { depth: options.depth === undefined ? 2 : options.depth === null ? Infinity : options.depth,
      seen: [], circular: new Map(), indent: 0, currentDepth: 0, breakLength: options.breakLength || BREAK };
    let out = formatValue(ctx, value, 0);
    if (ctx.circular.size) out = out;  // ref markers are added where the cycle starts
    return out;
  }
  function formatValue(ctx, v, level) {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return primitive(v);
    if (ctx.seen.includes(v)) {
      if (!ctx.circular.has(v)) ctx.circular.set(v, ctx.circular.size + 1);
      return '[Circular *' + ctx.circular.get(v) + ']';
    }
    return formatRaw(ctx, v, level);
  }
  function formatRaw(ctx, v, level) {
    let base = '';
    let braces;
    let entries = [];
    const keys = Object.keys(v);
    const cls = className(v);
    const prefix = (name, fallback) => (name === fallback ? '' : (name === null ? '[' + fallback + ': null prototype] ' : name + ' '));
    if (typeof v === 'function') {
      base = fnText(v);
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (Array.isArray(v)) {
      braces = [(cls === 'Array' ? '' : prefix(cls, 'Array')) + '[', ']'];
      if (v.length === 0 && keys.length === 0) return braces[0] + ']';
    } else if (v instanceof Map) {
      braces = [(cls || 'Map') + '(' + v.size + ') {', '}'];
      if (v.size === 0 && keys.length === 0) return braces[0] + '}';
    } else if (v instanceof Set) {
      braces = [(cls || 'Set') + '(' + v.size + ') {', '}'];
      if (v.size === 0 && keys.length === 0) return braces[0] + '}';
    } else if (v instanceof Date) {
      base = Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (v instanceof RegExp) {
      base = RegExp.prototype.toString.call(v);
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (v instanceof Error) {
      base = v.stack && String(v.stack).startsWith(v.name) ? String(v.stack) : '[' + String(v) + ']';
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      braces = [cls + '(' + v.length + ') [', ']'];
      if (v.length === 0 && keys.length === 0) return braces[0] + ']';
    } else if (typeof v.then === 'function' && v instanceof Promise) {
      return 'Promise { <unknown> }';
    } else {
      braces = [prefix(cls, 'Object') + '{', '}'];
      if (keys.length === 0 && !Object.getOwnPropertySymbols(v).some((s) => Object.prototype.propertyIsEnumerable.call(v, s))) return braces[0] + '}';
    }
    if (level > ctx.depth) return Array.isArray(v) ? '[Array]' : '[' + (cls || 'Object') + ']';
    ctx.seen.push(v);
    ctx.currentDepth = level;
    const inner = (x) => formatValue(ctx, x, level + 1);
    ctx.indent += 2;
    if (Array.isArray(v)) {
      let holes = 0;
      for (let i = 0; i < v.length; i++) {
        if (!Object.prototype.hasOwnProperty.call(v, i)) { holes++; continue; }
        if (holes) { entries.push('<' + holes + ' empty item' + (holes > 1 ? 's' : '') + '>'); holes = 0; }
        entries.push(inner(v[i]));
      }
      if (holes) entries.push('<' + holes + ' empty item' + (holes > 1 ? 's' : '') + '>');
    } else if (v instanceof Map) {
      for (const [k, x] of v) entries.push(inner(k) + ' => ' + inner(x));
    } else if (v instanceof Set) {
      for (const x of v) entries.push(inner(x));
    } else if (ArrayBuffer.isView(v)) {
      for (let i = 0; i < v.length; i++) entries.push(primitive(v[i]));
    }
    const arrayLike = Array.isArray(v) || ArrayBuffer.isView(v);
    for (const k of keys) {
      if (arrayLike && /^(0|[1-9][0-9]*)$/.test(k)) continue;
      entries.push(keyText(k) + ': ' + inner(v[k]));
    }
    for (const s of Object.getOwnPropertySymbols(v)) {
      if (Object.prototype.propertyIsEnumerable.call(v, s)) entries.push(keyText(s) + ': ' + inner(v[s]));
    }
    ctx.indent -= 2;
    ctx.seen.pop();
    let ref = '';
    if (ctx.circular.has(v)) ref = '<ref *' + ctx.circular.get(v) + '> ';
    return ref + reduce(ctx, entries, base, braces, level);
  }
  function reduce(ctx, output, base, braces, level) {
    if (ctx.currentDepth - level < 3) {
      const start = output.length + ctx.indent + braces[0].length + base.length + 10;
      let total = output.length + start;
      for (const o of output) total += o.length;
      if (total <= ctx.breakLength && (base === '' || !base.includes('\n'))) {
        const joined = output.join(', ');
        if (!joined.includes('\n')) return (base ? base + ' ' : '') + braces[0] + ' ' + joined + ' ' + braces[1];
      }
    }
    const ind = '\n' + ' '.repeat(ctx.indent);
    return (base ? base + ' ' : '') + braces[0] + ind + '  ' + output.join(',' + ind + '  ') + ind + braces[1];
  }
  function formatWithOptions(inspectOptions, ...all) {
    if (all.length === 0) return '';
    const [first, ...args] = all;
    if (typeof first !== 'string') return [first, ...args].map((a) => typeof a === 'string' ? a : inspect(a, inspectOptions)).join(' ');
    let i = 0;
    let out = '';
    let last = 0;
    for (let p = 0; p < first.length - 1; p++) {
      if (first[p] !== '%') continue;
      const c = first[p + 1];
      if (c === '%') { out += first.slice(last, p) + '%'; last = p + 2; p++; continue; }
      if (i >= args.length || !'sdifjoOc'.includes(c)) continue;
      const a = args[i++];
      let text;
      if (c === 's') {
        text = typeof a === 'bigint' ? a + 'n' : typeof a === 'number' && Object.is(a, -0) ? '-0'
          : typeof a === 'object' && a !== null ? (builtInToString(a) ? inspect(a, { depth: 0 }) : String(a))
          : typeof a === 'symbol' ? a.toString() : String(a);
      } else if (c === 'd') {
        text = typeof a === 'bigint' ? a + 'n' : typeof a === 'symbol' ? 'NaN' : typeof a === 'object' && a !== null && !(a instanceof Number) ? 'NaN' : primitive(Number(a));
      } else if (c === 'i') {
        text = typeof a === 'bigint' ? a + 'n' : typeof a === 'symbol' ? 'NaN' : primitive(parseInt(a));
      } else if (c === 'f') {
        text = typeof a === 'symbol' ? 'NaN' : primitive(parseFloat(a));
      } else if (c === 'j') {
        try { text = JSON.stringify(a); } catch (e) { text = '[Circular]'; }
      } else if (c === 'o' || c === 'O') {
        text = inspect(a, inspectOptions);
      } else {
        text = '';
      }
      out += first.slice(last, p) + text;
      last = p + 2;
      p++;
    }
    out += first.slice(last);
    for (; i < args.length; i++) out += ' ' + (typeof args[i] === 'string' ? args[i] : inspect(args[i], inspectOptions));
    return out;
  }
  // Node's hasBuiltInToString: a toString found on a built-in constructor's prototype (or none at all).
  const BUILT_INS = new Set(['Object', 'Array', 'Function', 'Error', 'TypeError', 'RangeError', 'SyntaxError',
    'ReferenceError', 'EvalError', 'URIError', 'AggregateError', 'Date', 'RegExp', 'Map', 'Set', 'WeakMap', 'WeakSet',
    'Number', 'String', 'Boolean', 'Symbol', 'BigInt', 'Promise', 'ArrayBuffer', 'DataView', 'Uint8Array', 'Int8Array',
    'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array',
    'BigUint64Array', 'Uint8ClampedArray', 'Proxy', 'WeakRef', 'FinalizationRegistry']);
  function builtInToString(value) {
    if (typeof value.toString !== 'function') return true;
    if (Object.prototype.hasOwnProperty.call(value, 'toString')) return false;
    let pointer = value;
    do { pointer = Object.getPrototypeOf(pointer); } while (!Object.prototype.hasOwnProperty.call(pointer, 'toString'));
    const descriptor = Object.getOwnPropertyDescriptor(pointer, 'constructor');
    return descriptor !== undefined && typeof descriptor.value === 'function' && BUILT_INS.has(descriptor.value.name);
  }
  function received(v) {
    if (v === null || v === undefined) return ' Received ' + v;
    if (typeof v === 'function') return ' Received function ' + (v.name || '<anonymous>');
    if (typeof v === 'object') return ' Received an instance of ' + (className(v) || 'Object');
    let shown = typeof v === 'string' ? inspect(v.length > 28 ? v.slice(0, 25) + '...' : v) : primitive(v);
    return ' Received type ' + typeof v + ' (' + shown + ')';
  }
  const format = (...args) => formatWithOptions(undefined, ...args);
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
  inspect.custom = Symbol.for('nodejs.util.inspect.custom');
  host.registerModule('util', {
    format, formatWithOptions, inspect, promisify, callbackify, types, TextEncoder, TextDecoder,
    inherits(ctor, superCtor) { Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true }); Object.setPrototypeOf(ctor.prototype, superCtor.prototype); },
    isDeepStrictEqual: (a, b) => inspect(a, { depth: Infinity }) === inspect(b, { depth: Infinity }) && className(a) === className(b),
    isArray: Array.isArray,
  });
}
