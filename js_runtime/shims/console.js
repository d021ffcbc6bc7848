// console.* captured into the job's logs (formatted roughly as Node's util.format does), within
// the job's log budget; the session enforces the budget again on its side.
{
  function describe(value, depth) {
    if (typeof value === 'string') return depth === 0 ? value : stringify(value);
    if (value === undefined) return 'undefined';
    if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value === 'bigint') return String(value) + 'n';
    if (typeof value === 'symbol') return value.toString();
    if (typeof value === 'function') return '[Function: ' + (value.name || '(anonymous)') + ']';
    if (value instanceof Error) return value.stack ? String(value.stack) : value.name + ': ' + value.message;
    if (depth > 2) return Array.isArray(value) ? '[Array]' : '[Object]';
    try {
      if (Array.isArray(value)) return '[ ' + value.map((v) => describe(v, depth + 1)).join(', ') + ' ]';
      const keys = objectKeys(value);
      if (keys.length === 0) return '{}';
      return '{ ' + keys.map((k) => k + ': ' + describe(value[k], depth + 1)).join(', ') + ' }';
    } catch (e) {
      return '[object]';
    }
  }

  function formatLogArgs(args) {
    const parts = [];
    for (let i = 0; i < args.length; i++) parts.push(describe(args[i], 0));
    return parts.join(' ');
  }

  host.log = function log(level, args) {
    if (state.logsTruncated) return;
    const message = formatLogArgs(args);
    if (state.logs.length >= state.logBudget.entries ||
        state.logBytes + message.length > state.logBudget.bytes) {
      state.logsTruncated = true;
      return;
    }
    state.logBytes += message.length;
    state.logs.push({ level, message });
  };

  const consoleObject = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    consoleObject[level] = function (...args) { host.log(level, args); };
  }
  consoleObject.dir = function (value) { host.log('log', [value]); };
  consoleObject.table = consoleObject.dir;
  host.defineGlobal('console', consoleObject);
}
