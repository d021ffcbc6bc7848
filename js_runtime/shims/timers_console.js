// console.* captured into the job's logs; setTimeout & co. driven by the session's clock.
{
  const levels = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
  const consoleObject = {};
  for (const level of levels) {
    consoleObject[level] = function (...args) { host.log(level, args); };
  }
  consoleObject.dir = function (value) { host.log('log', [value]); };
  consoleObject.table = consoleObject.dir;
  host.defineGlobal('console', consoleObject);

  host.defineGlobal('setTimeout', function setTimeout(callback, delay, ...args) {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
    return host.setTimer(callback, delay, args, false);
  });
  host.defineGlobal('setInterval', function setInterval(callback, delay, ...args) {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
    return host.setTimer(callback, delay, args, true);
  });
  host.defineGlobal('setImmediate', function setImmediate(callback, ...args) {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
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
  host.defineGlobal('require', host.require);
}
