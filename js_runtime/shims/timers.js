// The timer queue (host.setTimer/clearTimer, used by fetch and axios too) and setTimeout & co.,
// driven by the session's clock: poll reports the next due time, deliver fires what is due (the
// snapshot's nextTimer and the delivery's fireTimers: bridge protocol, js_runtime/bridge.py).
{
  const timers = new Map();
  let nextTimerId = 1;

  const NO_ARGS = Object.freeze([]);
  host.setTimer = function setTimer(callback, delay, args, repeat) {
    const id = nextTimerId++;
    const ms = Math.max(0, Number(delay) || 0);
    // handle: the Timeout object, if setTimeout made one (a Node callback's `this`); ref: its flag
    timers.set(id, { id, callback, args: args.length ? args : NO_ARGS, due: Date.now() + ms, ms, repeat,
      handle: undefined, ref: true });
    return id;
  };

  host.clearTimer = function clearTimer(id) {
    timers.delete(id);
  };

  host.fireDueTimers = function fireDueTimers() {
    const now = Date.now();
    const due = [];
    for (const t of timers.values()) if (t.due <= now) due.push(t);
    due.sort((a, b) => a.due - b.due || a.id - b.id);
    for (const t of due) {
      if (timers.get(t.id) !== t) continue;
      if (t.repeat) t.due = now + Math.max(1, t.ms); else timers.delete(t.id);
      try { t.callback.apply(t.handle, t.args); } catch (e) { settle(false, e); }
    }
  };

  host.nextTimerDelay = function nextTimerDelay() {
    let next = null;
    for (const t of timers.values()) if (next === null || t.due < next) next = t.due;
    return next === null ? null : Math.max(0, next - Date.now());
  };

  const needFunction = (callback) => {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
  };
  // Node hands out Timeout and Immediate objects, not numbers: connector code calls .unref() on them.
  // An unref'd timer still fires here (a job ends when its method settles, whatever is pending).
  const TIMER = Symbol('timer');
  class Immediate {
    constructor(id) {
      const timer = timers.get(id);  // the queue's own record: no second object per timer
      timer.handle = this;
      this[TIMER] = timer;
    }
    ref() { this[TIMER].ref = true; return this; }
    unref() { this[TIMER].ref = false; return this; }
    hasRef() { return this[TIMER].ref; }
  }
  class Timeout extends Immediate {
    refresh() {
      const t = this[TIMER];
      if (timers.get(t.id) === t) t.due = Date.now() + t.ms;
      return this;
    }
    close() { host.clearTimer(this[TIMER].id); return this; }
    [Symbol.toPrimitive]() { return this[TIMER].id; }
  }
  const timerId = (handle) => (handle instanceof Immediate ? handle[TIMER].id : handle);
  host.defineGlobal('setTimeout', function setTimeout(callback, delay, ...args) {
    needFunction(callback);
    return new Timeout(host.setTimer(callback, delay, args, false));
  });
  host.defineGlobal('setInterval', function setInterval(callback, delay, ...args) {
    needFunction(callback);
    return new Timeout(host.setTimer(callback, delay, args, true));
  });
  host.defineGlobal('setImmediate', function setImmediate(callback, ...args) {
    needFunction(callback);
    return new Immediate(host.setTimer(callback, 0, args, false));
  });
  const clear = (handle) => { host.clearTimer(typeof handle === 'string' ? Number(handle) : timerId(handle)); };
  host.defineGlobal('clearTimeout', function clearTimeout(handle) { clear(handle); });
  host.defineGlobal('clearInterval', function clearInterval(handle) { clear(handle); });
  host.defineGlobal('clearImmediate', function clearImmediate(handle) { clear(handle); });
  if (typeof globalThis.queueMicrotask !== 'function') {
    host.defineGlobal('queueMicrotask', function queueMicrotask(callback) {
      Promise.resolve().then(() => callback());
    });
  }
}
