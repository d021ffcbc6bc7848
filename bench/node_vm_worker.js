// A long-lived Node.js worker: one job per stdin line, {"id", "source", "context"}; each job gets a
// fresh `vm` context in which the method is compiled and called; one line out per job,
// {"id", "output"} or {"id", "error"}. Exits when stdin closes.
'use strict';
const readline = require('readline');
const vm = require('vm');

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', async (line) => {
  const job = JSON.parse(line);
  try {
    const context = vm.createContext({});
    const code = `(${job.source})(JSON.parse(${JSON.stringify(JSON.stringify(job.context))}))` +
      '.then((value) => JSON.stringify(value))';
    const output = JSON.parse(await vm.runInContext(code, context, { timeout: 30000 }));
    process.stdout.write(JSON.stringify({ id: job.id, output }) + '\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ id: job.id, error: String(error) }) + '\n');
  }
});
