#!/usr/bin/env node
// Start-up cost of the CLI: `basic-memory --version` and `basic-memory cloud --help` against a bare
// `node -e ''`, interleaved in one run (target: within the bare start plus 100 ms). Run
// `npm run build` first. Usage: node scripts/bench/cli-startup.js [runs]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 15);
const cli = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'basic-memory.js');
const cases = {
  "node -e ''": ['-e', ''],
  'basic-memory --version': [cli, '--version'],
  'basic-memory cloud --help': [cli, 'cloud', '--help'],
};
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < runs + 1; round++) {
  for (const [name, args] of Object.entries(cases)) {
    const started = process.hrtime.bigint();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    // The first round warms the file cache and is not counted.
    if (round > 0) times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const bare = median(times["node -e ''"]);
console.log(`${runs} runs each, medians:`);
for (const [name, values] of Object.entries(times)) {
  const value = median(values);
  const extra = value - bare;
  console.log(`  ${name.padEnd(28)} ${value.toFixed(0).padStart(5)} ms${name.startsWith('node') ? '' : `  (+${extra.toFixed(0)} ms over bare node; target +100 ms: ${extra <= 100 ? 'ok' : 'OVER'})`}`);
}
