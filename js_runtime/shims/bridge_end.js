// The last part of the prelude: the entry points the Python session calls (bridge protocol:
// js_runtime/bridge.py names each call and the shapes of its argument and answer).

function pickExport(moduleObject, exportName) {
  const exp = moduleObject.exports;
  if (exp && typeof exp.default === 'function') return exp.default;
  if (typeof exp === 'function') return exp;
  if (exp && typeof exp[exportName] === 'function') return exp[exportName];
  const functions = exp && typeof exp === 'object'
    ? Object.keys(exp).filter((k) => typeof exp[k] === 'function') : [];
  if (functions.length === 1) return exp[functions[0]];
  return null;
}

Object.defineProperty(globalThis, '__ce', {
  enumerable: false,
  configurable: false,
  writable: false,
  value: Object.freeze({
    configure(optionsJson) {
      if (state.configured) return;  // once, by the session: a script cannot raise its own budget
      state.configured = true;
      const options = parseJson(optionsJson);
      state.logBudget = { bytes: options.maxLogBytes, entries: options.maxLogEntries };
      state.maxOutputBytes = options.maxOutputBytes;
      state.maxQueuedChars = options.maxQueuedRequestBytes;
      if (options.entropy && host.seedRandom) host.seedRandom(options.entropy);  // crypto.js's CSPRNG key
    },
    start(factory, exportName, contextJson, objectsJson) {
      const moduleObject = { exports: {} };
      try {
        factory(moduleObject, moduleObject.exports, host.require, host.dynamicImport, host.where);
        const fn = pickExport(moduleObject, exportName);
        if (!fn) {
          state.settled = { ok: false, noExport: true };
          return;
        }
        const context = parseJson(contextJson);
        // Objects the session asks for (e.g. the apiClient): made by the maker a shim unit registered.
        for (const object of parseJson(objectsJson || '[]')) {
          const made = host.makers[object.maker](object.config, object.options);
          for (const key of object.keys) context[key] = made;
        }
        state.method = Promise.resolve(fn(context));
        state.method.then((v) => settle(true, v), (e) => settle(false, e));
      } catch (e) {
        settle(false, e);
      }
    },
    // Out of memory, QuickJS can drop a promise reaction (the method's rejection among them): the
    // session asks once more before concluding that the method's promise can never settle.
    resettle() {
      if (state.method && !state.settled) state.method.then((v) => settle(true, v), (e) => settle(false, e));
    },
    // Where the method's error happened (see whereFrom in bridge.js), as JSON; asked only after a failure.
    where() {
      return stringify(host.whereFailed());
    },
    poll() {
      // What the script queued to send is measured before it is serialised: too much at once ends
      // the job (the session refuses it) without a copy of it leaving the engine.
      const tooLarge = state.outbox.length > 0 && largerThan(state.outbox, state.maxQueuedChars);
      const snapshot = {
        settled: state.settled,
        requests: tooLarge ? [] : state.outbox,
        requestsTooLarge: tooLarge,
        logs: state.logs,
        logsTruncated: state.logsTruncated,
        nextTimer: host.nextTimerDelay(),
      };
      state.outbox = [];
      state.logs = [];
      return stringify(snapshot);
    },
    deliver(deliveryJson) {
      const delivery = parseJson(deliveryJson);
      for (const item of delivery.responses || []) {
        const waiter = state.pending.get(item.id);
        if (!waiter) continue;
        state.pending.delete(item.id);
        if (item.error) waiter.reject(item.error); else waiter.resolve(item.response);
      }
      if (delivery.fireTimers) host.fireDueTimers();
    },
  }),
});
