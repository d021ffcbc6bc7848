// The timer queue (host.setTimer/clearTimer, used by fetch and axios too) and setTimeout & co.,
// driven by the session's clock: poll reports the next due time, deliver fires what is due.
{
  const timers = new Map();
  let nextTimerId = 1;

  host.setTimer = function setTimer(callback, delay, args, repeat) {
    const id = nextTimerId++;
    const ms = Math.max(0, Number(delay) || 0);
    timers.set(id, { callback, args, due: Date.now() + ms, ms, repeat });
    return id;
  };

  host.clearTimer = function clearTimer(id) {
    timers.delete(id);
  };

  host.fireDueTimers = function fireDueTimers() {
    const now = Date.now();
    const due = [];
    for (const [id, t] of timers) if (t.due <= now) due.push([id, t]);
    due.sort((a, b) => a[1].due - b[1].due || a[0] - b[0]);
    for (const [id, t] of due) {
      if (!timers.has(id)) continue;
      if (t.repeat) t.due = now + Math.max(1, t.ms); else timers.delete(id);
      try { t.callback.apply(undefined, t.args); } catch (e) { settle(false, e); }
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
  host.defineGlobal('setTimeout', function setTimeout(callback, delay, ...args) {
    needFunction(callback);
    return host.setTimer(callback, delay, args, false);
  });
  host.defineGlobal('setInterval', function setInterval(callback, delay, ...args) {
    needFunction(callback);
    return host.setTimer(callback, delay, args, true);
  });
  host.defineGlobal('setImmediate', function setImmediate(callback, ...args) {
    needFunction(callback);
    return host.setTimer(callback, 0, args, false);
  });
  host.defineGlobal('clearTimeout', function clearTimeout(id) { host.clearTimer(id); });
  host.defineGlobal('clearInterval', function clearInterval(id) { host.clearTimer(id); });
  host.defineGlobal('clearImmediate', function clearImmediate(id) { host.clearTimer(id); });
  if (typeof globalThis.queueMicrotask !== 'function') {
    host.defineGlobal('queueMicrotask', function queueMicrotask(callback) {
      Promise.resolve().then(() => callback());
    });
  }
}
