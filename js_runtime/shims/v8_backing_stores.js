// V8 only: a per-job budget for ArrayBuffer backing stores, which V8 keeps outside its heap and so
// outside the heap limit (QuickJS counts them in its allocator limit: this shim is not loaded there).
//
// It runs before every other shim and before connector code, and replaces each way JS can make a new
// backing store with a checked one: the ArrayBuffer and typed-array constructors (as Proxies of the
// originals, which are then reachable from nowhere: `constructor` properties point at the Proxies),
// ArrayBuffer#slice/transfer/transferToFixedLength, %TypedArray%#slice/map/filter/toReversed/
// toSorted/with and Uint8Array.fromBase64/fromHex (which make stores without calling a constructor).
// Everything else that makes one (Buffer, TextEncoder, structuredClone, crypto, fetch bodies, Blob)
// is a shim built on these. SharedArrayBuffer, Atomics and WebAssembly are deleted before this runs.
//
// Each store over ON_HEAP bytes is charged before it is made, when its size can be known without
// running the script's code (conversions of the script's arguments happen once, here, and the
// originals get the primitives); the bytes come back once V8 has collected the buffer (a WeakRef per
// buffer, swept when the budget would be exceeded, after a full collection). A resizable
// ArrayBuffer is charged its maxByteLength. Past the budget the maker throws
// `RangeError: Array buffer allocation failed` (Node's words when its allocator refuses) and the job,
// if it fails, fails MEMORY_LIMIT (js_runtime.v8.engine reads `exceeded()` through the global lexical binding
// below, which connector code can read but not replace).
//
// Stores of at most ON_HEAP bytes are not charged: V8 keeps typed arrays that small on its heap, and
// the heap objects of small ArrayBuffers (which V8 counts) bound their stores to about the heap limit.
const __ceBackingStores = (() => {
  'use strict';
  const BUDGET = __CE_BACKING_STORE_BUDGET__;
  const ON_HEAP = 64;  // V8's --typed-array-max-size-in-heap
  const YOUNG_GARBAGE = 1 << 19;  // objects of ~32 bytes: 16 MiB, twice V8's largest semi-space
  const { apply, construct, defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Reflect;
  const G = globalThis;
  const ObjectFreeze = Object.freeze;
  const NativeProxy = Proxy, NativeRangeError = RangeError, NativeTypeError = TypeError;
  const iteratorSymbol = Symbol.iterator;
  const { trunc, min, max } = Math;
  const weakGet = WeakMap.prototype.get, weakSet = WeakMap.prototype.set;
  const NativeArrayBuffer = ArrayBuffer;
  const TypedArray = getPrototypeOf(Uint8Array);
  const getterOf = (o, k) => getOwnPropertyDescriptor(o, k).get;
  const taLength = getterOf(TypedArray.prototype, 'length');
  const taByteLength = getterOf(TypedArray.prototype, 'byteLength');
  const taBuffer = getterOf(TypedArray.prototype, 'buffer');
  const abByteLength = getterOf(NativeArrayBuffer.prototype, 'byteLength');
  const abMaxByteLength = getterOf(NativeArrayBuffer.prototype, 'maxByteLength');
  const abResizable = getterOf(NativeArrayBuffer.prototype, 'resizable');

  const NativeWeakRef = WeakRef;
  const deref = WeakRef.prototype.deref;

  const charged = new WeakMap();  // buffer -> { bytes } still counted in `used`
  // Every charged buffer, to give its bytes back once V8 has collected it. Null-prototype storage:
  // no setter the script puts on Array.prototype or Object.prototype sees these entries.
  const tracked = { __proto__: null };
  let count = 0;
  let keptAtLastSweep = 0;
  let used = 0;
  let exceeded = false;

  // No `gc` here (--expose-gc makes a non-configurable global): filling the young generation with
  // garbage makes V8 scavenge it, which frees the young buffers the job has dropped. Those made in
  // the current synchronous run are kept alive by their WeakRefs until it ends (WeakRef semantics).
  const collectYoung = () => {
    let junk;
    for (let i = 0; i < YOUNG_GARBAGE; i++) junk = { __proto__: null, i };
    return junk;
  };
  // A sweep collects first: `deref` keeps a live target alive until the synchronous run ends.
  const sweep = () => {
    collectYoung();
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const entry = tracked[i];
      tracked[i] = undefined;
      if (apply(deref, entry.ref, []) === undefined) {
        used -= entry.holder.bytes;
        entry.holder.bytes = 0;
      } else if (entry.holder.bytes > 0) {
        tracked[kept++] = entry;
      }
    }
    count = kept;
    keptAtLastSweep = kept;
  };
  // Whether `bytes` more fit, after giving back what V8 has collected (collecting first if needed).
  // Buffers made in the current synchronous run stay alive until it ends (WeakRef semantics), so
  // a loop that drops its buffers as it goes is counted in full until it yields.
  const fits = (bytes) => {
    if (used + bytes <= BUDGET) return true;
    sweep();
    return used + bytes <= BUDGET;
  };

  const refuse = () => {
    exceeded = true;
    return new NativeRangeError('Array buffer allocation failed');
  };
  // Throws unless `bytes` more fit in the budget.
  const precheck = (bytes) => {
    if (bytes > ON_HEAP && !fits(bytes)) throw refuse();
  };
  // Count `buffer`'s store (once), given back when the buffer is collected.
  const charge = (buffer, bytes) => {
    if (bytes <= ON_HEAP || apply(weakGet, charged, [buffer]) !== undefined) return;
    if (!fits(bytes)) throw refuse();
    used += bytes;
    const holder = { __proto__: null, bytes };
    apply(weakSet, charged, [buffer, holder]);
    tracked[count++] = { __proto__: null, ref: construct(NativeWeakRef, [buffer]), holder };
    if (count > 2 * keptAtLastSweep + 1024) sweep();
  };
  const refund = (buffer) => {
    const holder = apply(weakGet, charged, [buffer]);
    if (holder !== undefined) { used -= holder.bytes; holder.bytes = 0; }
  };
  const storeBytes = (buffer) => (apply(abResizable, buffer, []) ? max(apply(abMaxByteLength, buffer, []), apply(abByteLength, buffer, [])) : apply(abByteLength, buffer, []));
  const chargeBuffer = (buffer) => { charge(buffer, storeBytes(buffer)); };
  const chargeView = (view) => {
    if (apply(taByteLength, view, []) > ON_HEAP) chargeBuffer(apply(taBuffer, view, []));
  };
  const is = (getter, value) => {
    try { apply(getter, value, []); return true; } catch (e) { return false; }
  };
  // ToIntegerOrInfinity, the script's valueOf/toString called once (BigInt and Symbol throw TypeError).
  const toInteger = (value) => {
    const number = +value;
    return number !== number ? 0 : trunc(number);  // NaN -> 0; -0 -> 0 below
  };
  const relative = (value, length, fallback) => {
    if (value === undefined) return fallback;
    const n = toInteger(value);
    return n < 0 ? max(length + n, 0) : min(n, length);
  };

  // new TypedArray(...): the length is known before the store is made, in every form.
  const typedArrayTrap = (Native) => {
    const bpe = Native.BYTES_PER_ELEMENT;
    const made = (length, newTarget) => {
      precheck(length * bpe);
      const view = construct(Native, [length], newTarget);
      chargeView(view);
      return view;
    };
    return (target, args, newTarget) => {
      const source = args[0];
      if (source === null || (typeof source !== 'object' && typeof source !== 'function')) {
        if (typeof source === 'symbol' || typeof source === 'bigint' || source === undefined) {
          return construct(Native, args, newTarget);  // throws, or length 0
        }
        const length = toInteger(source);
        if (length < 0 || length > 2 ** 53 - 1) return construct(Native, [length], newTarget);  // RangeError
        return made(length, newTarget);
      }
      if (is(abByteLength, source)) return construct(Native, args, newTarget);  // a view: no new store
      if (is(taLength, source)) {
        precheck(apply(taLength, source, []) * bpe);
        const view = construct(Native, [source], newTarget);
        chargeView(view);
        return view;
      }
      // An iterable is read to a list first (as the spec does), an array-like through its length.
      const using = source[iteratorSymbol];
      let values = source;
      let length;
      if (using !== undefined && using !== null) {
        if (typeof using !== 'function') return construct(Native, [source], newTarget);  // TypeError
        const iterator = apply(using, source, []);
        if (iterator === null || (typeof iterator !== 'object' && typeof iterator !== 'function')) {
          throw new NativeTypeError('Result of the Symbol.iterator method is not an object');
        }
        const next = iterator.next;
        values = { __proto__: null };
        length = 0;
        for (;;) {
          const step = apply(next, iterator, []);
          if (step === null || (typeof step !== 'object' && typeof step !== 'function')) {
            throw new NativeTypeError(`Iterator result ${step} is not an object`);
          }
          if (step.done) break;
          values[length++] = step.value;
        }
      } else {
        const n = toInteger(source.length);
        length = n <= 0 ? 0 : min(n, 2 ** 53 - 1);
      }
      const view = made(length, newTarget);
      for (let k = 0; k < length; k++) view[k] = values[k];
      return view;
    };
  };

  // new ArrayBuffer(length, { maxByteLength }): both read once, here.
  const arrayBufferTrap = (target, args, newTarget) => {
    const length = toInteger(args[0]);
    const options = args[1];
    let limit;
    if (options !== null && (typeof options === 'object' || typeof options === 'function')) {
      const given = options.maxByteLength;
      if (given !== undefined) limit = toInteger(given);
    }
    const rest = limit === undefined ? [length] : [length, { maxByteLength: limit }];
    const valid = (n) => n >= 0 && n <= 2 ** 53 - 1;
    if (valid(length) && (limit === undefined || valid(limit))) precheck(limit === undefined ? length : max(length, limit));
    const buffer = construct(NativeArrayBuffer, rest, newTarget);
    chargeBuffer(buffer);
    return buffer;
  };

  const wrapMethod = (owner, name, around) => {
    const original = owner[name];
    const wrapped = new NativeProxy(original, { apply: (target, self, args) => around(original, self, args) });
    defineProperty(owner, name, { ...getOwnPropertyDescriptor(owner, name), value: wrapped });
  };
  const replaceConstructor = (name, Native, trap) => {
    const wrapped = new NativeProxy(Native, { construct: trap });
    defineProperty(Native.prototype, 'constructor', { ...getOwnPropertyDescriptor(Native.prototype, 'constructor'), value: wrapped });
    defineProperty(G, name, { ...getOwnPropertyDescriptor(G, name), value: wrapped });
  };

  // Methods that make a store the size of their receiver's at most (species may pick a constructor of
  // ours, which charges it; the default one is the original, so the result is charged here).
  const viewBytes = (self) => (is(taByteLength, self) ? apply(taByteLength, self, []) : 0);
  for (const name of ['map', 'filter', 'toReversed', 'toSorted', 'with']) {
    wrapMethod(TypedArray.prototype, name, (original, self, args) => {
      precheck(viewBytes(self));
      const view = apply(original, self, args);
      chargeView(view);
      return view;
    });
  }
  wrapMethod(TypedArray.prototype, 'slice', (original, self, args) => {
    if (!is(taLength, self)) return apply(original, self, args);  // TypeError
    const length = apply(taLength, self, []);
    const start = relative(args[0], length, 0);
    const end = relative(args[1], length, length);
    precheck(max(end - start, 0) * (apply(taByteLength, self, []) / (length || 1)));
    const view = apply(original, self, [start, end]);
    chargeView(view);
    return view;
  });
  wrapMethod(NativeArrayBuffer.prototype, 'slice', (original, self, args) => {
    if (!is(abByteLength, self)) return apply(original, self, args);  // TypeError
    const length = apply(abByteLength, self, []);
    const start = relative(args[0], length, 0);
    const end = relative(args[1], length, length);
    precheck(max(end - start, 0));
    const buffer = apply(original, self, [start, end]);
    chargeBuffer(buffer);
    return buffer;
  });
  for (const [name, keepsResizable] of [['transfer', true], ['transferToFixedLength', false]]) {
    wrapMethod(NativeArrayBuffer.prototype, name, (original, self, args) => {
      if (!is(abByteLength, self)) return apply(original, self, args);  // TypeError
      const length = args[0] === undefined ? apply(abByteLength, self, []) : toInteger(args[0]);
      const resizable = keepsResizable && apply(abResizable, self, []);
      if (length >= 0 && length <= 2 ** 53 - 1) {
        precheck(resizable ? max(length, apply(abMaxByteLength, self, [])) : length);
      }
      const buffer = apply(original, self, [length]);
      refund(self);  // detached: its store is freed or moved to `buffer`
      chargeBuffer(buffer);
      return buffer;
    });
  }
  for (const [name, ratio] of [['fromBase64', 3 / 4], ['fromHex', 1 / 2]]) {
    if (typeof Uint8Array[name] !== 'function') continue;
    wrapMethod(Uint8Array, name, (original, self, args) => {
      if (typeof args[0] === 'string') precheck(trunc(args[0].length * ratio));
      const view = apply(original, self, args);
      chargeView(view);
      return view;
    });
  }

  replaceConstructor('ArrayBuffer', NativeArrayBuffer, arrayBufferTrap);
  for (const name of ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
    'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
    const Native = G[name];
    if (typeof Native === 'function') replaceConstructor(name, Native, typedArrayTrap(Native));
  }

  return ObjectFreeze({ exceeded: () => exceeded, used: () => used });
})();
