#!/usr/bin/env node
// The main job, end to end, on one machine and with no account: starts the bundled reference
// server, logs in with the device flow, runs `cloud setup` (bisync mode), writes notes, syncs,
// edits a note on the cloud side, syncs again, and prints the status commands.
// Everything lives in a temporary HOME, so your real ~/.basic-memory and rclone.conf are untouched.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'bin', 'basic-memory.js');
const serverBin = path.join(root, 'bin', 'basic-memory-server.js');
const keep = process.argv.includes('--keep');

const { startServer } = await import(path.join(root, 'dist', 'server', 'index.js'));

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'basic-memory-demo-'));
const home = path.join(work, 'home');
await fs.mkdir(home, { recursive: true });
const env = {
  ...process.env,
  HOME: home,
  USERPROFILE: home,
  XDG_CONFIG_HOME: path.join(home, '.config'),
  XDG_CACHE_HOME: path.join(home, '.cache'),
};
for (const key of Object.keys(env)) if (key.startsWith('BASIC_MEMORY_') || key === 'RCLONE_CONFIG') delete env[key];

// Bold on a terminal only, as the CLI does: NO_COLOR turns it off, FORCE_COLOR on (piped to a file or CI log).
const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0';
const bold = forced || (Boolean(process.stderr.isTTY) && process.env.NO_COLOR === undefined);
const title = (text) => process.stderr.write(bold ? `\n\x1b[1m== ${text}\x1b[0m\n` : `\n== ${text}\n`);
const serverDataDir = path.join(work, 'server');
const server = await startServer({ dataDir: serverDataDir, port: 0, s3Port: 0, log: () => {} });
const ports = { api: new URL(server.apiUrl).port, s3: new URL(server.s3Url).port };
env.BASIC_MEMORY_CLOUD_URL = server.apiUrl;

try {
  title(`Reference server: API ${server.apiUrl}, object store ${server.s3Url}`);
  const { tenantId } = await server.mintToken('new');
  process.stderr.write(`A tenant for this demo: ${tenantId}\n`);

  title('basic-memory cloud login --no-browser   (the demo approves the code as the operator: basic-memory-server device approve)');
  await login(tenantId);

  title('basic-memory cloud setup --mode bisync --yes');
  await run(['cloud', 'setup', '--mode', 'bisync', '--yes']);

  const folder = path.join(home, `basic-memory-${tenantId}`);
  title(`Writing three notes in ${folder}`);
  await fs.mkdir(path.join(folder, 'projects'), { recursive: true });
  await fs.writeFile(path.join(folder, 'welcome.md'), '# Welcome\n\nWritten on this laptop.\n');
  await fs.writeFile(path.join(folder, 'projects', 'ideas.md'), '# Ideas\n\n- sync my notes\n');
  await fs.writeFile(path.join(folder, 'reading list.md'), '# Reading list\n\n- Gödel, Escher, Bach\n');

  title('basic-memory cloud bisync');
  await run(['cloud', 'bisync']);

  title('Meanwhile, in the cloud: projects/ideas.md is edited there');
  const remote = `basic-memory-${tenantId}:${(await tenantState()).bucketName}/projects/ideas.md`;
  await rclone(['rcat', remote], '# Ideas\n\n- sync my notes\n- edited in the cloud\n');

  title('basic-memory cloud bisync');
  await run(['cloud', 'bisync']);
  const ideas = await fs.readFile(path.join(folder, 'projects', 'ideas.md'), 'utf8');
  process.stderr.write(`Local projects/ideas.md now reads:\n${ideas}`);
  if (!ideas.includes('edited in the cloud')) throw new Error('the cloud edit did not arrive');

  title('basic-memory cloud bisync-status');
  await run(['cloud', 'bisync-status']);

  title('basic-memory cloud mount-status');
  await run(['cloud', 'mount-status']);

  title('Done');
  process.stderr.write(`Everything above ran against the local reference server.\n`);
  if (keep) {
    // The kept login and rclone remote name these ports: the server must come back on them.
    process.stderr.write(`Kept the demo files in ${work} (HOME=${home}). The demo's server stops now; to look around, start it again on the same ports:\n`
      + `  ${restartCommand()}\n`
      + `then, in another terminal:\n`
      + `  HOME=${home} XDG_CONFIG_HOME=${env.XDG_CONFIG_HOME} node ${cli} cloud status\n`);
  } else {
    process.stderr.write('Run `npm run demo -- --keep` to keep the folder, the login and the server data for a look around.\n');
  }
} catch (error) {
  process.stderr.write(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await server.close();
  if (!keep) await fs.rm(work, { recursive: true, force: true });
}

function restartCommand() {
  return `node ${serverBin} start --port ${ports.api} --s3-port ${ports.s3} --data-dir ${serverDataDir}`;
}

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`basic-memory ${args.join(' ')} exited with ${code}`))));
  });
}

/** Runs the real device flow; the code is approved from the server's command line, as an operator would. */
function login(tenantId) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'cloud', 'login', '--no-browser'], { env, stdio: ['ignore', 'inherit', 'pipe'] });
    let approved = false;
    let text = '';
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      text += chunk.toString();
      const code = /\b([A-Z0-9]{4}-[A-Z0-9]{4})\b/.exec(text)?.[1];
      if (code && !approved) {
        approved = true;
        execFileAsync(process.execPath, [serverBin, 'device', 'approve', code, '--tenant', tenantId, '--data-dir', serverDataDir]).catch(reject);
      }
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`login exited with ${code}`))));
  });
}

async function tenantState() {
  return JSON.parse(await fs.readFile(path.join(home, '.basic-memory', 'tenant.json'), 'utf8'));
}

async function rclone(args, input) {
  const childEnv = { ...env };
  delete childEnv.AWS_CA_BUNDLE;
  const child = execFileAsync('rclone', args, { env: childEnv });
  child.child.stdin.end(input);
  await child;
}
