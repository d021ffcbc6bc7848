// The bridge between a job's script and the Python session driving it. Every message that crosses it
// (configure/start/deliver/poll and what poll returns) is typed and documented in js_runtime/bridge.py,
// the bridge protocol; change both together.
//
// Nothing here calls into Python: requests, timers and log lines are queued in `state`, and the
// session collects them with __ce.poll() between evaluation steps, then hands results back with
// __ce.deliver(). `host` is the private API the other shims are given; scripts never see it.
// This file is the first part of the prelude: `const host` is in scope for every later shim.
// It is the part every job compiles, so it holds only what every job needs: queuing requests
// (net.js), console.js and timers.js are units of their own, evaluated when a module needs them.
'use strict';

// Captured before any script runs: a script that replaces JSON or Object.keys breaks only itself.
const stringify = JSON.stringify;
const parseJson = JSON.parse;
const objectKeys = Object.keys;

const state = {
  outbox: [],
  pending: new Map(),
  nextRequestId: 1,
  logs: [],
  logBytes: 0,
  logBudget: { bytes: 65536, entries: 1000 },
  logsTruncated: false,
  settled: null,
  method: null,  // the method's promise (see __ce.resettle)
  configured: false,
  files: [],  // [file, lines, probe] per connector file run (see host.where)
  failure: null,  // the method's error object, for __ce.where
};

// `makers`: context-object makers registered by shim units (see ContextObject in session.py).
const host = { makers: Object.create(null) };

// ---- strict output serialisation: JSON or a clear reason why not ----

class NotJson extends Error {}

// Deeper output would overflow QuickJS's stack here, or the session's JSON parser.
const MAX_OUTPUT_DEPTH = 100;

function toJsonValue(value, path, seen) {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') throw new NotJson('a BigInt at ' + path);
  if (typeof value === 'function') throw new NotJson('a function at ' + path);
  if (typeof value === 'symbol') throw new NotJson('a symbol at ' + path);
  if (typeof value.toJSON === 'function') return toJsonValue(value.toJSON(), path, seen);
  if (seen.indexOf(value) !== -1) throw new NotJson('a circular reference at ' + path);
  if (seen.length >= MAX_OUTPUT_DEPTH) throw new NotJson('a value nested more than ' + MAX_OUTPUT_DEPTH + ' levels deep');
  seen.push(value);
  let out;
  if (Array.isArray(value)) {
    out = value.map((v, i) => (v === undefined ? null : toJsonValue(v, path + '[' + i + ']', seen)));
  } else {
    out = {};
    for (const key of objectKeys(value)) {
      if (value[key] !== undefined) out[key] = toJsonValue(value[key], path + '.' + key, seen);
    }
  }
  seen.pop();
  return out;
}

function describeError(reason) {
  if (reason instanceof Error || (reason && typeof reason === 'object' && 'message' in reason)) {
    const out = { name: String(reason.name || 'Error'), message: String(reason.message) };
    if (reason.__ceError) out.executorError = reason.__ceError;
    if (reason.__ceNetwork) out.network = reason.__ceNetwork;
    state.failure = reason;  // where it happened is asked for apart (__ce.where), once memory is known to be fine
    return out;
  }
  const out = { name: 'Error', message: typeof reason === 'string' ? reason : plain(reason) };
  if (reason === null || reason === undefined) out.nullish = true;
  return out;
}

// Where an error happened, for the session to map back to connector files (js_runtime/stacks.py):
// the error's stack and, per connector file, a stack taken on the line just above its first line.
// Computed only for a failed method, in a step of its own (an isolate out of memory is never asked),
// so a job that succeeds pays one push per file it runs.
const MAX_STACK_CHARS = 8192;
host.whereFailed = () => (state.failure ? whereFrom(state.failure) : null);
function whereFrom(reason) {
  try {
    const stack = reason.stack;
    if (typeof stack !== 'string') return null;
    const files = state.files.map(([file, lines, probe]) => [file, lines, String(probe().stack)]);
    return { stack: stack.slice(0, MAX_STACK_CHARS), files };
  } catch (e) {
    return null;
  }
}
host.where = (file, lines, probe) => {
  if (state.files.length < 1000 && typeof probe === 'function') state.files.push([String(file), Number(lines), probe]);
};

function plain(value) {
  try {
    return value !== null && typeof value === 'object' ? stringify(value) : String(value);
  } catch (e) {
    return Object.prototype.toString.call(value);
  }
}

function settle(ok, value) {
  if (state.settled) return;
  if (!ok) {
    state.settled = { ok: false, error: describeError(value) };
    return;
  }
  try {
    const json = value === undefined ? null : toJsonValue(value, 'output', []);
    state.settled = { ok: true, value: json };
  } catch (e) {
    state.settled = e instanceof NotJson
      ? { ok: false, invalidOutput: 'the method returned ' + e.message + ', which is not JSON' }
      : { ok: false, error: describeError(e) };
  }
}

// The timer queue lives in timers.js; without it there is nothing to fire.
host.fireDueTimers = () => {};
host.nextTimerDelay = () => null;

const modules = { axios: null };

function requireModule(name) {
  if (Object.prototype.hasOwnProperty.call(modules, name) && modules[name]) return modules[name];
  const err = new Error("Cannot find module '" + String(name) + "': connector code may import the connector's own files (by a literal path) and the built-in modules");
  err.code = 'MODULE_NOT_FOUND';
  throw err;
}
host.defineGlobal = (name, value) => {
  const existing = Object.getOwnPropertyDescriptor(globalThis, name);
  if (existing && !existing.configurable) {
    globalThis[name] = value;  // an engine's own `var` global (mini-racer's setTimeout): replace its value
  } else {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
};
host.registerModule = (name, value) => { modules[name] = value; };
host.require = requireModule;
host.dynamicImport = (name) => new Promise((resolve) => {
  const value = requireModule(name);
  resolve(Object.assign(Object.create(null), value, { default: value }));
});
