// inspect.js: util.inspect and util.formatWithOptions as Node 20 lays values out (no colors, getters,
// showHidden or proxies), shared by console.js (console.log is formatWithOptions) and mod_util.js through
// host.inspect. Node's layout: single line when the entries fit in breakLength (80) within `compact` (3)
// inner levels, else one entry per line; arrays and typed arrays of more than 6 entries grouped in aligned
// columns (groupArrayElements: numbers right-aligned); more than maxArrayLength (100) items of an array,
// typed array, Set or Map end in "... n more items"; long strings split after their line breaks; depth 2,
// circular references marked <ref *n>, getters shown as [Getter] (not called), nesting past the engine's
// stack cut with Node's "Inspection interrupted prematurely" marker. Differs from Node: named properties
// of arrays and typed arrays of more than 100,000 items are not shown; a Proxy is inspected through its
// traps (one that throws shows as [Object]). Uses nothing but the language (no other shim).
{
  const BREAK = 80;
  const MIN_LINE = 16;
  const LONG = 100000;
  const ESCAPES = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };
  const escapeChar = (c) => {
    const code = c.charCodeAt(0);
    if (c.length === 1 && code >= 0xd800 && code <= 0xdfff) return '\\u' + code.toString(16);
    return ESCAPES[code] || '\\x' + code.toString(16).toUpperCase().padStart(2, '0');
  };
  // regex literals, compiled with the prelude's bytecode (a `new RegExp` would compile in every job)
  const ESCAPE_ALL = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  const NEEDS_ESCAPE = /[\x00-\x1f\x27\x5c\x7f-\x9f\ud800-\udfff]/;
  const ESCAPE_NO_QUOTE = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  /** Node's strEscape: single quotes unless the string holds one, then double quotes or backticks. */
  function quote(s) {
    let q = "'";
    if (s.includes("'")) {
      if (!s.includes('"')) q = '"';
      else if (!s.includes('`') && !s.includes('${')) q = '`';
    }
    if (!NEEDS_ESCAPE.test(s)) return q + s + q;  // the common case, without the slower replace
    return q + s.replace(q === "'" ? ESCAPE_ALL : ESCAPE_NO_QUOTE, escapeChar) + q;
  }
  const keyText = (k) => (typeof k === 'symbol' ? '[' + k.toString() + ']'
    : /^[a-zA-Z_][a-zA-Z_0-9]*$/.test(k) ? k : quote(k));
  const className = (v) => {
    try {
      for (let o = v; o; o = Object.getPrototypeOf(o)) {
        const d = Object.getOwnPropertyDescriptor(o, 'constructor');
        if (d && typeof d.value === 'function' && d.value.name !== '') return d.value.name;
      }
      return Object.getPrototypeOf(v) === null ? null : '';
    } catch (e) {
      return '';
    }
  };
  function fnText(v) {
    const src = Function.prototype.toString.call(v);
    if (src.startsWith('class')) return '[class ' + (v.name || '(anonymous)') + ']';
    const ctor = v.constructor && v.constructor.name;
    const kind = ['AsyncFunction', 'GeneratorFunction', 'AsyncGeneratorFunction'].includes(ctor) ? ctor : 'Function';
    return '[' + kind + (v.name ? ': ' + v.name : ' (anonymous)') + ']';
  }
  const numberText = (n) => (Object.is(n, -0) ? '-0' : String(n));

  function primitive(ctx, v) {
    if (typeof v === 'string') {
      if (ctx.compact !== true && v.length > MIN_LINE && v.length > ctx.breakLength - ctx.indent - 4) {
        return v.split(/(?<=\n)/).map(quote).join(' +\n' + ' '.repeat(ctx.indent + 2));
      }
      return quote(v);
    }
    if (typeof v === 'number') return numberText(v);
    if (typeof v === 'bigint') return String(v) + 'n';
    if (typeof v === 'symbol') return v.toString();
    return String(v);
  }

  function inspect(value, opts) {
    const options = typeof opts === 'object' && opts !== null ? opts : {};
    const pick = (name, fallback) => (options[name] === undefined ? fallback : options[name]);
    const maxArrayLength = pick('maxArrayLength', 100);
    const ctx = {
      depth: options.depth === undefined ? 2 : options.depth === null ? Infinity : options.depth,
      breakLength: pick('breakLength', BREAK),
      compact: pick('compact', 3),
      maxArrayLength: maxArrayLength === null ? Infinity : Math.max(0, maxArrayLength),
      seen: [], circular: new Map(), indent: 0, currentDepth: 0,
    };
    return formatValue(ctx, value, 0);
  }

  function formatValue(ctx, v, level) {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return primitive(ctx, v);
    if (ctx.seen.includes(v)) {
      if (!ctx.circular.has(v)) ctx.circular.set(v, ctx.circular.size + 1);
      return '[Circular *' + ctx.circular.get(v) + ']';
    }
    const seen = ctx.seen.length;
    const indent = ctx.indent;
    try {
      return formatRaw(ctx, v, level);
    } catch (e) {
      ctx.seen.length = seen;
      ctx.indent = indent;
      // Node stops at the engine's stack limit with this marker; a proxy trap that throws (Node never calls
      // traps, it shows the target) gives the class name instead of failing the whole console.log
      let name = 'Object';
      try { name = Array.isArray(v) ? 'Array' : className(v) || 'Object'; } catch (ignored) { /* a revoked proxy */ }
      if (isStackOverflow(e)) return '[' + name + ': Inspection interrupted prematurely. Maximum call stack size exceeded.]';
      return '[' + name + ']';
    }
  }
  const isStackOverflow = (e) => e !== null && typeof e === 'object'
    && ((e instanceof RangeError && /call stack/.test(e.message)) || (e.name === 'InternalError' && /stack overflow/.test(e.message)));

  const moreItems = (n) => '... ' + n + ' more item' + (n > 1 ? 's' : '');

  function formatRaw(ctx, v, level) {
    let base = '';
    let braces;
    let grouped = false;
    let fill = null;  // pushes the entries (elements, members) into the output
    // Named properties of an array or typed array longer than LONG are not looked up: Object.keys would make
    // a string per index (Node asks V8 for the non-index ones only), too much for the heap limit.
    const long = (Array.isArray(v) || ArrayBuffer.isView(v)) && v.length > LONG;
    const keys = (long ? [] : Object.keys(v)).concat(Object.getOwnPropertySymbols(v)
      .filter((s) => Object.prototype.propertyIsEnumerable.call(v, s)));
    const cls = className(v);
    const prefix = (fallback) => (cls === fallback ? '' : cls === null ? '[' + fallback + ': null prototype] ' : cls + ' ');
    if (typeof v === 'function') {
      base = fnText(v);
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (Array.isArray(v)) {
      braces = [prefix('Array') + '[', ']'];
      if (v.length === 0 && keys.length === 0) return braces[0] + ']';
      grouped = true;
      fill = (out, inner) => {  // Node's formatArray, and formatSpecialArray from the first hole on
        const empty = (n) => '<' + n + ' empty item' + (n > 1 ? 's' : '') + '>';
        const maxLength = Math.min(ctx.maxArrayLength, v.length);
        let index = 0;
        for (; index < maxLength && Object.prototype.hasOwnProperty.call(v, index); index++) out.push(inner(v[index]));
        if (index === maxLength) {
          if (v.length > maxLength) out.push(moreItems(v.length - maxLength));
          return;
        }
        const indexKeys = Object.keys(v);
        for (let k = index; k < indexKeys.length && out.length < maxLength; k++) {
          const key = indexKeys[k];
          if (+key > 2 ** 32 - 2) break;
          if (String(index) !== key) {
            if (!/^(0|[1-9][0-9]*)$/.test(key)) break;
            out.push(empty(+key - index));
            index = +key;
            if (out.length === maxLength) break;
          }
          out.push(inner(v[key]));
          index++;
        }
        const remaining = v.length - index;
        if (out.length !== maxLength) {
          if (remaining > 0) out.push(empty(remaining));
        } else if (remaining > 0) {
          out.push(moreItems(remaining));
        }
      };
    } else if (v instanceof Map) {
      braces = [(cls || 'Map') + '(' + v.size + ') {', '}'];
      if (v.size === 0 && keys.length === 0) return braces[0] + '}';
      fill = (out, inner) => {
        for (const [k, x] of v) {
          if (out.length >= ctx.maxArrayLength) break;
          out.push(inner(k) + ' => ' + inner(x));
        }
        if (v.size > ctx.maxArrayLength) out.push(moreItems(v.size - ctx.maxArrayLength));
      };
    } else if (v instanceof Set) {
      braces = [(cls || 'Set') + '(' + v.size + ') {', '}'];
      if (v.size === 0 && keys.length === 0) return braces[0] + '}';
      fill = (out, inner) => {
        for (const x of v) {
          if (out.length >= ctx.maxArrayLength) break;
          out.push(inner(x));
        }
        if (v.size > ctx.maxArrayLength) out.push(moreItems(v.size - ctx.maxArrayLength));
      };
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
      grouped = true;
      fill = (out) => {
        const shown = Math.min(v.length, ctx.maxArrayLength);
        for (let i = 0; i < shown; i++) out.push(typeof v[i] === 'bigint' ? v[i] + 'n' : numberText(v[i]));
        if (v.length > shown) out.push(moreItems(v.length - shown));
      };
    } else if (typeof v.then === 'function' && v instanceof Promise) {
      return 'Promise { <unknown> }';
    } else {
      braces = [prefix('Object') + '{', '}'];
      if (keys.length === 0) return braces[0] + '}';
    }
    if (level > ctx.depth) {
      const fallback = Array.isArray(v) ? 'Array' : 'Object';
      return '[' + (cls === null ? fallback + ': null prototype' : cls || fallback) + ']';
    }
    ctx.seen.push(v);
    ctx.currentDepth = level;
    const inner = (x) => formatValue(ctx, x, level + 1);
    const entries = [];
    ctx.indent += 2;
    if (fill) fill(entries, inner);
    const arrayLike = grouped;
    for (const k of keys) {
      if (arrayLike && typeof k === 'string' && /^(0|[1-9][0-9]*)$/.test(k)) continue;
      const d = Object.getOwnPropertyDescriptor(v, k);  // getters are not called, as in Node
      const shown = !d || !('get' in d || 'set' in d) ? inner(v[k])
        : d.get && d.set ? '[Getter/Setter]' : d.get ? '[Getter]' : d.set ? '[Setter]' : 'undefined';
      entries.push(keyText(k) + ': ' + shown);
    }
    ctx.indent -= 2;
    ctx.seen.pop();
    const ref = ctx.circular.has(v) ? '<ref *' + ctx.circular.get(v) + '> ' : '';
    return ref + reduce(ctx, entries, base, braces, level, grouped ? v : undefined, grouped);
  }

  // Node's groupArrayElements: long arrays of short entries in aligned columns.
  function groupElements(ctx, output, value) {
    let total = 0;
    let maxLength = 0;
    let count = output.length;
    if (ctx.maxArrayLength < output.length) count--;  // the "... more items" entry stays on its own
    const sep = 2;
    const lengths = [];
    for (let i = 0; i < count; i++) {
      const len = output[i].length;
      lengths.push(len);
      total += len + sep;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + sep;
    if (!(actualMax * 3 + ctx.indent < ctx.breakLength && (total / actualMax > 5 || maxLength <= 6))) return output;
    const bias = Math.sqrt(actualMax - total / output.length);
    const biasedMax = Math.max(actualMax - 3 - bias, 1);
    const columns = Math.min(Math.round(Math.sqrt(2.5 * biasedMax * count) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indent) / actualMax), ctx.compact * 4, 15);
    if (columns <= 1) return output;
    const widths = [];
    for (let i = 0; i < columns; i++) {
      let width = 0;
      for (let j = i; j < output.length; j += columns) if (lengths[j] > width) width = lengths[j];
      widths.push(width + sep);
    }
    let padStart = value !== undefined;
    if (padStart) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') { padStart = false; break; }
      }
    }
    const rows = [];
    for (let i = 0; i < count; i += columns) {
      const max = Math.min(i + columns, count);
      let line = '';
      let j = i;
      for (; j < max - 1; j++) {
        const cell = output[j] + ', ';
        line += padStart ? cell.padStart(widths[j - i], ' ') : cell.padEnd(widths[j - i], ' ');
      }
      line += padStart ? output[j].padStart(widths[j - i] - sep, ' ') : output[j];
      rows.push(line);
    }
    if (ctx.maxArrayLength < output.length) rows.push(output[count]);
    return rows;
  }

  function reduce(ctx, output, base, braces, level, value, grouped) {
    if (ctx.compact !== true) {
      if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
        const entries = output.length;
        if (grouped && entries > 6) output = groupElements(ctx, output, value);
        if (ctx.currentDepth - level < ctx.compact && entries === output.length) {
          const start = output.length + ctx.indent + braces[0].length + base.length + 10;
          let total = output.length + start;
          let fits = total + output.length <= ctx.breakLength;
          for (let i = 0; fits && i < output.length; i++) {
            total += output[i].length;
            if (total > ctx.breakLength) fits = false;
          }
          if (fits && (base === '' || !base.includes('\n'))) {
            const joined = output.join(', ');
            if (!joined.includes('\n')) return (base ? base + ' ' : '') + braces[0] + ' ' + joined + ' ' + braces[1];
          }
        }
      }
      const ind = '\n' + ' '.repeat(ctx.indent);
      return (base ? base + ' ' : '') + braces[0] + ind + '  ' + output.join(',' + ind + '  ') + ind + braces[1];
    }
    // compact: true (Node's older layout; object properties are not re-indented as Node does there)
    let total = output.length * 2;
    for (const o of output) total += o.length;
    if (total <= ctx.breakLength && (base === '' || !base.includes('\n'))) {
      return braces[0] + (base ? ' ' + base : '') + ' ' + output.join(', ') + ' ' + braces[1];
    }
    const ind = ' '.repeat(ctx.indent);
    const ln = base === '' && braces[0].length === 1 ? ' ' : (base ? ' ' + base : '') + '\n' + ind + '  ';
    return braces[0] + ln + output.join(',\n' + ind + '  ') + ' ' + braces[1];
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

  /** Node's formatWithOptions: printf-like directives in a first string argument, the rest inspected. */
  function formatWithOptions(inspectOptions, ...args) {
    const first = args[0];
    let a = 0;
    let str = '';
    let join = '';
    if (typeof first === 'string') {
      if (args.length === 1) return first;
      let last = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue;
        const c = first[++i];
        if (a + 1 !== args.length) {
          let text;
          if (c === 's') {
            const arg = args[++a];
            text = typeof arg === 'number' ? numberText(arg) : typeof arg === 'bigint' ? arg + 'n'
              : typeof arg !== 'object' || arg === null || !builtInToString(arg) ? String(arg)
                : inspect(arg, Object.assign({}, inspectOptions, { depth: 0, compact: 3 }));
          } else if (c === 'j') {
            try { text = JSON.stringify(args[++a]); } catch (e) { text = '[Circular]'; }
            if (text === undefined) text = 'undefined';
          } else if (c === 'd') {
            const arg = args[++a];
            text = typeof arg === 'bigint' ? arg + 'n' : typeof arg === 'symbol' ? 'NaN' : numberText(Number(arg));
          } else if (c === 'O' || c === 'o') {
            text = inspect(args[++a], c === 'o' ? Object.assign({}, inspectOptions, { depth: 4 }) : inspectOptions);
          } else if (c === 'i') {
            const arg = args[++a];
            text = typeof arg === 'bigint' ? arg + 'n' : typeof arg === 'symbol' ? 'NaN' : numberText(parseInt(arg));
          } else if (c === 'f') {
            const arg = args[++a];
            text = typeof arg === 'symbol' ? 'NaN' : numberText(parseFloat(arg));
          } else if (c === 'c') {
            a += 1;
            text = '';
          } else if (c === '%') {
            str += first.slice(last, i);
            last = i + 1;
            continue;
          } else {
            continue;
          }
          if (last !== i - 1) str += first.slice(last, i - 1);
          str += text;
          last = i + 1;
        } else if (c === '%') {
          str += first.slice(last, i);
          last = i + 1;
        }
      }
      if (last !== 0) {
        a++;
        join = ' ';
        if (last < first.length) str += first.slice(last);
      }
    }
    for (; a < args.length; a++) {
      const value = args[a];
      str += join + (typeof value !== 'string' ? inspect(value, inspectOptions) : value);
      join = ' ';
    }
    return str;
  }

  inspect.custom = Symbol.for('nodejs.util.inspect.custom');
  host.inspect = { inspect, formatWithOptions, format: (...args) => formatWithOptions(undefined, ...args), className };
}
