// console.* captured into the job's logs, printed as Node 20 prints them: util.format's %s %d %i %f %j
// %o %O %c %% directives, group indentation, count/time labels, assert, table (Node's box layout),
// dir, trace ("Trace: ..."), and Node's process warnings for unknown labels (level 'warn').
// Values are described as util.inspect does (inspect.js); the session enforces the log budget again.
// Each line is a LogLine of the bridge protocol (js_runtime/bridge.py), polled with the snapshot.
{
  const { inspect, formatWithOptions } = host.inspect;  // inspect.js: Node's util.inspect layout
  const formatLogArgs = (args) => formatWithOptions(undefined, ...args);

  let indent = '';
  host.log = function log(level, args, formatted) {
    if (state.logsTruncated) return;
    let message = formatted === undefined ? formatLogArgs(args) : formatted;
    if (indent) message = indent + message.split('\n').join('\n' + indent);
    if (state.logs.length >= state.logBudget.entries ||
        state.logBytes + message.length > state.logBudget.bytes) {
      state.logsTruncated = true;
      return;
    }
    state.logBytes += message.length;
    state.logs.push({ level, message });
  };
  const warning = (text) => host.log('warn', [], 'Warning: ' + text);

  const consoleObject = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    consoleObject[level] = function (...args) { host.log(level, args); };
  }
  consoleObject.trace = function (...args) {
    host.log('trace', [], 'Trace' + (args.length ? ': ' + formatLogArgs(args) : ''));
  };
  consoleObject.dir = function (value, options) { host.log('log', [], inspect(value, options)); };
  consoleObject.dirxml = function (...args) { host.log('log', args); };
  consoleObject.assert = function (ok, ...args) {
    if (ok) return;
    args[0] = 'Assertion failed' + (args.length === 0 ? '' : ': ' + args[0]);
    host.log('warn', args);
  };
  consoleObject.group = function (...args) {
    if (args.length) host.log('log', args);
    indent += '  ';
  };
  consoleObject.groupCollapsed = consoleObject.group;
  consoleObject.groupEnd = function () { indent = indent.slice(0, -2); };

  const counts = new Map();
  consoleObject.count = function (label = 'default') {
    label = `${label}`;
    const n = (counts.get(label) || 0) + 1;
    counts.set(label, n);
    host.log('info', [], label + ': ' + n);
  };
  consoleObject.countReset = function (label = 'default') {
    label = `${label}`;
    if (counts.has(label)) counts.set(label, 0);
    else warning("Count for '" + label + "' does not exist");
  };

  const timers = new Map();
  const elapsed = (label) => {
    const ms = Date.now() - timers.get(label);
    if (ms < 1000) return ms.toFixed(3) + 'ms';
    if (ms < 60000) return (ms / 1000).toFixed(3) + 's';
    return (ms / 60000).toFixed(3) + 'min';
  };
  consoleObject.time = function (label = 'default') {
    label = `${label}`;
    if (timers.has(label)) warning("Label '" + label + "' already exists for console.time()");
    else timers.set(label, Date.now());
  };
  const timeReport = (name, label, args, end) => {
    label = `${label}`;
    if (!timers.has(label)) {
      warning("No such label '" + label + "' for console." + name + '()');
      return;
    }
    host.log('info', ['%s: %s', label, elapsed(label), ...args]);
    if (end) timers.delete(label);
  };
  consoleObject.timeEnd = function (label = 'default') { timeReport('timeEnd', label, [], true); };
  consoleObject.timeLog = function (label = 'default', ...args) { timeReport('timeLog', label, args, false); };

  // console.table: Node's layout (columns in first-seen order, integer-like keys first, 'Values' last).
  const cell = (v) => inspect(v, {  // Node's table cells: shallow, at most 3 array items, one line
    depth: typeof v === 'object' && v !== null && !Array.isArray(v) && objectKeys(v).length > 2 ? -1 : 0,
    maxArrayLength: 3, breakLength: Infinity });
  function renderTable(head, columns) {
    const widths = head.map((h, i) => Math.max(h.length, ...columns[i].map((c) => c.length)) + 2);
    const line = (l, m, r) => l + widths.map((w) => '─'.repeat(w)).join(m) + r;
    const row = (cells) => '│' + cells.map((c, i) => ' ' + c + ' '.repeat(widths[i] - c.length - 1)).join('│') + '│';
    const rows = [line('┌', '┬', '┐'), row(head), line('├', '┼', '┤')];
    const height = columns[0].length;
    for (let r = 0; r < height; r++) rows.push(row(columns.map((c) => c[r])));
    rows.push(line('└', '┴', '┘'));
    return rows.join('\n');
  }
  consoleObject.table = function (data, properties) {
    if (properties !== undefined && !Array.isArray(properties)) {
      const err = new TypeError('The "properties" argument must be an instance of Array. Received '
        + (typeof properties === 'string' ? "type string ('" + properties + "')" : 'type ' + typeof properties));
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    if (data === null || typeof data !== 'object') return host.log('log', [data]);
    const isMap = data instanceof Map, isSet = data instanceof Set;
    const entries = isMap ? Array.from(data.entries()) : isSet
      ? Array.from(data.values()).map((v, i) => [i, v]) : objectKeys(data).map((k) => [k, data[k]]);
    const index = entries.map(([k], i) => (isMap ? String(i) : String(k)));
    const keyColumn = isMap ? entries.map(([k]) => cell(k)) : null;
    const map = {};
    let hasValues = false;
    const valuesColumn = [];
    entries.forEach(([, row], r) => {
      const primitive = isMap || isSet || row === null || (typeof row !== 'function' && typeof row !== 'object');
      if (primitive) {
        hasValues = true;
        valuesColumn[r] = cell(row);
        return;
      }
      valuesColumn[r] = '';
      for (const key of properties || objectKeys(row)) {
        if (!map[key]) map[key] = [];
        if (properties === undefined || Object.prototype.hasOwnProperty.call(row, key)) map[key][r] = cell(row[key]);
      }
    });
    const head = [isMap || isSet ? '(iteration index)' : '(index)'];
    const columns = [index];
    if (keyColumn) {
      head.push('Key');
      columns.push(keyColumn);
    }
    for (const key of objectKeys(map)) {
      head.push(key);
      columns.push(entries.map((_, r) => (map[key][r] === undefined ? '' : map[key][r])));
    }
    if (hasValues) {
      head.push('Values');
      columns.push(valuesColumn);
    }
    host.log('log', [], renderTable(head, columns));
  };
  host.defineGlobal('console', consoleObject);
}
