#!/usr/bin/env node
// A scripted rclone for the command-level tests (test/support/fake-rclone.ts writes its scenario).
// Replay: answers each call with the next recorded run of a real rclone (stdout, stderr, exit code,
// and the files that run changed in the test's folder, cloud folder and bisync workdir).
// Record: runs the real rclone named in the scenario and appends what it did to the recording.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.FAKE_RCLONE_DIR;
if (!dir) {
  process.stderr.write('fake rclone: FAKE_RCLONE_DIR is not set\n');
  process.exit(97);
}
const scenario = JSON.parse(fs.readFileSync(path.join(dir, 'scenario.json'), 'utf8'));
const args = process.argv.slice(2);
/** [what this run calls it, the placeholder the recording uses], longest first. */
const substitutions = scenario.substitutions;
const toPlaceholders = (text) => substitutions.reduce((out, [actual, placeholder]) => out.split(actual).join(placeholder), text);
const fromPlaceholders = (text) => substitutions.reduce((out, [actual, placeholder]) => out.split(placeholder).join(actual), text);
const subcommand = (argv) => argv.find((arg) => !arg.startsWith('-'));

/** When each file of the last snapshot was modified: a replayed rclone sets the times the real one did. */
const modified = new Map();

/** Every file under the watched folders (recursively) and the workdir's own files, with contents. */
function snapshot() {
  const files = new Map();
  const walk = (folder, recursive) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true, recursive: false })) {
      const file = path.join(folder, entry.name);
      if (entry.isFile()) {
        files.set(file, fs.readFileSync(file, 'utf8'));
        modified.set(file, fs.statSync(file).mtimeMs);
      }
      else if (entry.isDirectory() && recursive) walk(file, true);
    }
  };
  for (const folder of scenario.watched) if (fs.existsSync(folder)) walk(folder, true);
  const workdirAt = args.indexOf('--workdir');
  const workdir = workdirAt >= 0 ? args[workdirAt + 1] : undefined;
  if (workdir && fs.existsSync(workdir)) walk(workdir, false);
  return files;
}

function changedFiles(before, after) {
  const changed = {};
  for (const [file, content] of after) if (before.get(file) !== content) changed[toPlaceholders(file)] = toPlaceholders(content);
  for (const file of before.keys()) if (!after.has(file)) changed[toPlaceholders(file)] = null;
  return changed;
}

/** The modification times of the files a run wrote (rclone sets them; a rename keeps them). */
function changedTimes(changed) {
  const times = {};
  for (const [file, content] of Object.entries(changed)) if (content !== null) times[file] = modified.get(fromPlaceholders(file));
  return times;
}

function record() {
  const { binary, out } = scenario.record;
  const recording = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : { calls: [] };
  const before = snapshot();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    process.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });
  let stoppedByCaller = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      stoppedByCaller = true;
      child.kill(signal);
    });
  }
  child.on('close', (code) => {
    const exitCode = code ?? 1;
    if (subcommand(args) === 'version') recording.version = stdout;
    else {
      const files = changedFiles(before, snapshot());
      // A call the CLI stopped (a listing it no longer needed) may not happen at all in a replay.
      const stopped = stoppedByCaller ? { stopped: true } : {};
      recording.calls.push({ args: args.map(toPlaceholders), exitCode, stdout: toPlaceholders(stdout), stderr: toPlaceholders(stderr), files, times: changedTimes(files), ...stopped });
    }
    fs.writeFileSync(out, `${JSON.stringify(recording, null, 1)}\n`);
    process.exit(exitCode);
  });
}

function replay() {
  const recording = JSON.parse(fs.readFileSync(scenario.recording, 'utf8'));
  fs.appendFileSync(path.join(dir, 'calls.jsonl'), `${JSON.stringify(args.map(toPlaceholders))}\n`);
  if (subcommand(args) === 'version') {
    process.stdout.write(scenario.versionStdout ?? recording.version);
    return;
  }
  const cursorFile = path.join(dir, 'cursor');
  let cursor = fs.existsSync(cursorFile) ? Number(fs.readFileSync(cursorFile, 'utf8')) : 0;
  // The CLI stopped that call when it was recorded; in this replay it stopped it before it began.
  while (recording.calls[cursor]?.stopped && subcommand(recording.calls[cursor].args) !== subcommand(args)) cursor += 1;
  const call = recording.calls[cursor];
  if (!call || subcommand(call.args) !== subcommand(args)) {
    process.stderr.write(`fake rclone: call ${cursor + 1} is \`rclone ${args.join(' ')}\`, but the recording has ${call ? `\`rclone ${call.args.join(' ')}\`` : 'no more calls'}\n`);
    process.exit(97);
  }
  fs.writeFileSync(cursorFile, String(cursor + 1));
  for (const [file, content] of Object.entries(call.files)) {
    const target = fromPlaceholders(file);
    if (content === null) fs.rmSync(target, { force: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, fromPlaceholders(content));
      const time = call.times?.[file];
      if (time !== undefined) fs.utimesSync(target, new Date(time), new Date(time));
    }
  }
  process.stdout.write(fromPlaceholders(call.stdout));
  process.stderr.write(fromPlaceholders(call.stderr));
  process.exitCode = call.exitCode;
}

if (scenario.record) record();
else replay();
