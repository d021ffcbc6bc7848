// One job in a fresh Node.js process: read {"source", "context"} as JSON on stdin, run the method,
// print its output as JSON. Spawned once per job by bench/node.py ("a Node process per job").
'use strict';
const vm = require('vm');

let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { text += chunk; });
process.stdin.on('end', async () => {
  const job = JSON.parse(text);
  const method = vm.runInThisContext(job.source);
  const output = await method(job.context);
  process.stdout.write(JSON.stringify(output) + '\n');
});
