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
const isArray = Array.isArray;
const objectCreate = Object.create;
const setPrototypeOf = Object.setPrototypeOf;

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
  maxOutputBytes: 1048576,  // configured by the session (Limits.max_output_bytes)
  maxQueuedChars: 16777216,  // configured by the session (Limits.max_queued_request_bytes)
};

// `makers`: context-object makers registered by shim units (see ContextObject in session.py).
const host = { makers: Object.create(null) };

// ---- strict output serialisation: JSON or a clear reason why not ----

class NotJson extends Error {}
class TooLarge extends Error {}

// Deeper output would overflow QuickJS's stack here, or the session's JSON parser.
const MAX_OUTPUT_DEPTH = 100;

// The output is measured while it is copied, before anything is serialised or leaves the engine:
// `budget.left` is charged the fewest characters each part takes in compact JSON (a string's UTF-16
// units and quotes, a key's quotes, colon and comma, one per number, brackets and commas), which
// the session's exact measure (JSON with spaces and ASCII escapes) never undercuts, and the copy
// stops as soon as it is spent. So an oversized output is refused without a copy of it (a 256 MiB string
// was copied several times, 1.4 GB of RSS, before the session's check), and what does leave the
// engine is a few times the limit at most (escapes); the session then checks the exact size.
function charge(budget, chars) {
  budget.left -= chars;
  if (budget.left < 0) throw new TooLarge();
}

function toJsonValue(value, path, seen, budget) {
  if (value === null) { charge(budget, 4); return value; }
  if (typeof value === 'string') { charge(budget, value.length + 2); return value; }
  if (typeof value === 'boolean') { charge(budget, 4); return value; }
  if (typeof value === 'number') { charge(budget, 1); return Number.isFinite(value) ? value : null; }
  if (typeof value === 'bigint') throw new NotJson('a BigInt at ' + path);
  if (typeof value === 'function') throw new NotJson('a function at ' + path);
  if (typeof value === 'symbol') throw new NotJson('a symbol at ' + path);
  if (typeof value.toJSON === 'function') return toJsonValue(value.toJSON(), path, seen, budget);
  if (seen.indexOf(value) !== -1) throw new NotJson('a circular reference at ' + path);
  if (seen.length >= MAX_OUTPUT_DEPTH) throw new NotJson('a value nested more than ' + MAX_OUTPUT_DEPTH + ' levels deep');
  seen.push(value);
  let out;
  if (isArray(value)) {
    const length = value.length;
    charge(budget, 1 + length);  // brackets and commas: 2 + (length - 1)
    // The copy has no prototype: a script's accessors on Array.prototype/Object.prototype can neither
    // swallow a part of it nor add one after it was measured (nor can a `__proto__` key go missing).
    out = setPrototypeOf([], null);
    for (let i = 0; i < length; i++) {
      const v = value[i];
      out[i] = v === undefined ? null : toJsonValue(v, path + '[' + i + ']', seen, budget);
    }
  } else {
    charge(budget, 1);  // braces, less the comma the last key does not have
    out = objectCreate(null);
    const keys = objectKeys(value);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      const v = value[key];
      if (v === undefined) continue;
      charge(budget, key.length + 4);  // quotes, colon, comma (the key's UTF-16 units: never more than JSON's)
      out[key] = toJsonValue(v, path + '.' + key, seen, budget);
    }
  }
  seen.pop();
  return out;
}

// Whether `value` needs more than `chars` characters as JSON, by the same lower bounds as
// toJsonValue, copying nothing (what a script queues to send). Iterative, so any nesting is measured;
// a part referred to twice is counted twice, as JSON repeats it (a cycle, which is not JSON, runs
// the budget out). It runs in poll(), so it uses only built-ins captured before any script ran.
function largerThan(value, chars) {
  let left = chars;
  const stack = objectCreate(null);  // no prototype: a script's accessors on Array.prototype cannot skew it
  stack[0] = value;
  let depth = 1;
  while (depth > 0) {
    const v = stack[--depth];
    if (typeof v === 'string') {
      left -= v.length + 2;
    } else if (v === null || typeof v !== 'object') {
      left -= 1;
    } else if (isArray(v)) {
      const length = v.length;
      left -= 1 + length;
      for (let i = 0; i < length && left >= 0; i++) stack[depth++] = v[i];
    } else {
      const keys = objectKeys(v);
      left -= 1;
      for (let i = 0; i < keys.length && left >= 0; i++) {
        left -= keys[i].length + 4;
        stack[depth++] = v[keys[i]];
      }
    }
    if (left < 0) return true;
  }
  return false;
}

// A JSON copy of `value` within `chars` (at least), or `fallback` when it is not JSON or larger.
function boundedJson(value, chars, fallback) {
  try {
    return toJsonValue(value, 'value', [], { left: chars });
  } catch (e) {
    return fallback;
  }
}

// An error's name and message leave the engine cut to this many characters (the job result keeps
// far fewer, after redaction); what a script attaches for the executor, to at least this many.
const MAX_ERROR_CHARS = 65536;
const MAX_ERROR_PARTS_CHARS = 8192;

function cut(text) {
  return text.length > MAX_ERROR_CHARS ? text.slice(0, MAX_ERROR_CHARS) + '\u2026' : text;
}

// The contract error a shim (or a script) attached: its code, and its message cut; its details only
// within MAX_ERROR_PARTS_CHARS (see _script_failure in session.py).
function executorError(carried) {
  const out = { code: String(carried.code).slice(0, 100) };
  if (carried.message !== undefined) out.message = cut(String(carried.message));
  if (carried.details !== undefined) out.details = boundedJson(carried.details, MAX_ERROR_PARTS_CHARS, undefined);
  return out;
}

function describeError(reason) {
  if (reason instanceof Error || (reason && typeof reason === 'object' && 'message' in reason)) {
    const out = { name: cut(String(reason.name || 'Error')), message: cut(String(reason.message)) };
    if (reason.__ceError) out.executorError = executorError(reason.__ceError);
    if (reason.__ceNetwork) out.network = boundedJson(reason.__ceNetwork, MAX_ERROR_PARTS_CHARS, undefined);
    state.failure = reason;  // where it happened is asked for apart (__ce.where), once memory is known to be fine
    return out;
  }
  const out = { name: 'Error', message: cut(typeof reason === 'string' ? reason : plain(reason)) };
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
    if (value === null || typeof value !== 'object') return String(value);
    const copy = boundedJson(value, MAX_ERROR_CHARS, plain);  // (plain: the marker of "not JSON or larger")
    return copy === plain ? Object.prototype.toString.call(value) : stringify(copy);
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
    const json = value === undefined ? null : toJsonValue(value, 'output', [], { left: state.maxOutputBytes });
    state.settled = { ok: true, value: json };
  } catch (e) {
    if (e instanceof TooLarge) {
      state.settled = { ok: false, invalidOutput: "the method's output exceeds " + state.maxOutputBytes + ' bytes' };
    } else {
      state.settled = e instanceof NotJson
        ? { ok: false, invalidOutput: 'the method returned ' + e.message + ', which is not JSON' }
        : { ok: false, error: describeError(e) };
    }
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
