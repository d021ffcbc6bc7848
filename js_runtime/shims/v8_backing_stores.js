// V8 only: a per-job budget for ArrayBuffer backing stores, which V8 keeps outside its heap and so
// outside the heap limit (QuickJS counts them in its allocator limit: this shim is not loaded there).
//
// It runs before every other shim and before connector code; on first use of a maker (below) it
// evaluates v8_backing_stores_install.js, which replaces each way JS can make a new backing store
// with a checked one: the ArrayBuffer and typed-array constructors (as Proxies of the
// originals, which are then reachable from nowhere: `constructor` properties point at the Proxies),
// ArrayBuffer#slice/transfer/transferToFixedLength, %TypedArray%#slice/map/filter/toReversed/
// toSorted/with and Uint8Array.fromBase64/fromHex (which make stores without calling a constructor).
// Everything else that makes one (Buffer, TextEncoder, structuredClone, crypto, fetch bodies, Blob)
// is a shim built on these. SharedArrayBuffer, Atomics and WebAssembly are deleted before this runs.
//
// Each store over ON_HEAP bytes is charged before it is made, when its size can be known without
// running the script's code (conversions of the script's arguments happen once, here, and the
// originals get the primitives); the bytes come back once V8 has collected the buffer (a WeakRef per
// buffer, swept when the budget would be exceeded, after a forced young-generation collection; a
// buffer that survived collections comes back after V8's next full one). A resizable
// ArrayBuffer is charged its maxByteLength. Past the budget the maker throws
// `RangeError: Array buffer allocation failed` (Node's words when its allocator refuses) and the job,
// if it fails, fails MEMORY_LIMIT (js_runtime.v8.engine reads `exceeded()` through the global lexical binding
// below, which connector code can read but not replace).
//
// Stores of at most ON_HEAP bytes are not charged: V8 keeps typed arrays that small on its heap, and
// the heap objects of small ArrayBuffers (which V8 counts) bound their stores to about the heap limit.
const __ceBackingStores = (() => {
  'use strict';
  const G = globalThis;
  const MAKERS = ['ArrayBuffer', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
    'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
  const originals = { __proto__: null };  // name -> [the original, its global property's descriptor]
  let accounts = null;

  // Everything below is set up on first use, when a script or shim first reads one of MAKERS (every
  // ArrayBuffer or typed array comes from one of them): most jobs never touch them and pay nothing.
  // The rest is compiled on first use too: it is kept as a string (V8 would otherwise parse it for
  // every job) and evaluated by the `eval` of this moment, before any other code could replace it.
  const evaluate = eval;
  const { apply, construct, defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Reflect;
  const builtins = {
    __proto__: null, globalThis: G, MAKERS, apply, construct, defineProperty, getOwnPropertyDescriptor, getPrototypeOf,
    NativeProxy: Proxy, NativeRangeError: RangeError,
    NativeTypeError: TypeError, iteratorSymbol: Symbol.iterator, trunc: Math.trunc, min: Math.min, max: Math.max,
    NativeWeakMap: WeakMap, weakGet: WeakMap.prototype.get, weakSet: WeakMap.prototype.set, NativeWeakRef: WeakRef,
    deref: WeakRef.prototype.deref,
  };
  const install = () => evaluate(__CE_BACKING_STORE_INSTALL__)(originals, builtins);

  // Until then each maker's global is an accessor that sets everything up and answers the wrapped one
  // (or, written first, becomes a plain property with the script's value, as assigning it would).
  for (const name of MAKERS) {
    const descriptor = getOwnPropertyDescriptor(G, name);
    if (descriptor === undefined) continue;
    originals[name] = [descriptor.value, { __proto__: null, ...descriptor }];
    defineProperty(G, name, {
      __proto__: null, configurable: true, enumerable: descriptor.enumerable,
      get() { if (accounts === null) accounts = install(); return G[name]; },
      set(value) {
        if (accounts === null) accounts = install();
        defineProperty(G, name, { __proto__: null, ...descriptor, value });
      },
    });
  }
  // For shims, which should not set the budget up at load by reading a maker's global: %TypedArray%
  // (the same whether the makers are checked or not), and the checked maker `name` on first use
  // (whatever a script has assigned to its global by then).
  const TypedArray = getPrototypeOf(originals.Uint8Array[0]);
  const maker = (name) => {
    if (accounts === null) accounts = install();
    return accounts.maker(name);
  };
  return Object.freeze({ exceeded: () => accounts !== null && accounts.exceeded(), TypedArray, maker });
})();
