// The budget itself (shims/v8_backing_stores.js sets it up on first use; read there first).
// A function of the originals (name -> [the original, its global property's descriptor]) and of the
// built-ins it uses, taken before any other code ran: it is evaluated later, when a script may have
// replaced any global or prototype. So it reads no global, iterates nothing (for-of would call the
// script's Array.prototype[Symbol.iterator]), and its objects have no prototype (a Proxy looks its
// traps up on the handler each time: a `get` on Object.prototype would be handed the original).
(originals, builtins) => {
  'use strict';
  const G = builtins.globalThis;
  const BUDGET = __CE_BACKING_STORE_BUDGET__;
  const ON_HEAP = 64;  // V8's --typed-array-max-size-in-heap
  const YOUNG_GARBAGE = 1 << 19;  // objects of ~32 bytes: 16 MiB, twice V8's largest semi-space
  const { apply, construct, defineProperty, getOwnPropertyDescriptor, getPrototypeOf, NativeProxy, NativeRangeError,
    NativeTypeError, iteratorSymbol, trunc, min, max, NativeWeakMap, weakGet, weakSet, NativeWeakRef, deref } = builtins;
  const NativeArrayBuffer = originals.ArrayBuffer[0];
  const NativeUint8Array = originals.Uint8Array[0];
  const TypedArray = getPrototypeOf(NativeUint8Array);
  const getterOf = (o, k) => getOwnPropertyDescriptor(o, k).get;
  const taLength = getterOf(TypedArray.prototype, 'length');
  const taByteLength = getterOf(TypedArray.prototype, 'byteLength');
  const taBuffer = getterOf(TypedArray.prototype, 'buffer');
  const abByteLength = getterOf(NativeArrayBuffer.prototype, 'byteLength');
  const abMaxByteLength = getterOf(NativeArrayBuffer.prototype, 'maxByteLength');
  const abResizable = getterOf(NativeArrayBuffer.prototype, 'resizable');


  const charged = new NativeWeakMap();  // buffer -> { bytes } still counted in `used`
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
    const wrapped = new NativeProxy(original, { __proto__: null, apply: (target, self, args) => around(original, self, args) });
    defineProperty(owner, name, { __proto__: null, ...getOwnPropertyDescriptor(owner, name), value: wrapped });
  };
  const checked = { __proto__: null };  // name -> the checked maker, whatever its global holds later
  const replaceConstructor = (name, Native, trap) => {
    const wrapped = new NativeProxy(Native, { __proto__: null, construct: trap });
    checked[name] = wrapped;
    defineProperty(Native.prototype, 'constructor',
      { __proto__: null, ...getOwnPropertyDescriptor(Native.prototype, 'constructor'), value: wrapped });
    defineProperty(G, name, { __proto__: null, ...originals[name][1], value: wrapped });
  };

  // Methods that make a store the size of their receiver's at most (species may pick a constructor of
  // ours, which charges it; the default one is the original, so the result is charged here).
  const viewBytes = (self) => (is(taByteLength, self) ? apply(taByteLength, self, []) : 0);
  const SAME_SIZE = ['map', 'filter', 'toReversed', 'toSorted', 'with'];
  for (let i = 0; i < SAME_SIZE.length; i++) {
    const name = SAME_SIZE[i];
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
  const TRANSFERS = [['transfer', true], ['transferToFixedLength', false]];
  for (let i = 0; i < TRANSFERS.length; i++) {
    const name = TRANSFERS[i][0], keepsResizable = TRANSFERS[i][1];
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
  const FROM_STRING = [['fromBase64', 3 / 4], ['fromHex', 1 / 2]];
  for (let i = 0; i < FROM_STRING.length; i++) {
    const name = FROM_STRING[i][0], ratio = FROM_STRING[i][1];
    if (typeof NativeUint8Array[name] !== 'function') continue;
    wrapMethod(NativeUint8Array, name, (original, self, args) => {
      if (typeof args[0] === 'string') precheck(trunc(args[0].length * ratio));
      const view = apply(original, self, args);
      chargeView(view);
      return view;
    });
  }

  replaceConstructor('ArrayBuffer', NativeArrayBuffer, arrayBufferTrap);
  const MAKERS = builtins.MAKERS;
  for (let i = 1; i < MAKERS.length; i++) {
    const name = MAKERS[i];
    if (originals[name] !== undefined) replaceConstructor(name, originals[name][0], typedArrayTrap(originals[name][0]));
  }
  return { exceeded: () => exceeded, maker: (name) => checked[name] };
}
