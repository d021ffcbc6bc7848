// setTimeout & co., driven by the session's clock through the bridge's timer queue.
{
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
