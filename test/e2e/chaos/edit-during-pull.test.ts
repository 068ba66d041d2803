import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { VersionLedger } from '../../support/versions.js';
import { spawnCli } from '../bisync/helpers.js';
import { useTwoMachines } from './machines.js';

// Issue 8, L3: a note edited after rclone listed it and before it copied the cloud's version over
// it was silently replaced. Here a writer loop edits notes on machine A while A pulls another
// machine's edits of the same notes; every version must survive.
const newTenant = useTwoMachines();

const NOTES = 100;
const ROUNDS = 3;
const WRITER_MS = 3_000;
const note = (index: number) => `notes/n${index}.md`;
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T;

// rclone 1.63+ writes a download to a partial file renamed over the note: lost = 0. Before 1.63 it
// writes into the file that has the note's name when it opens it; the CLI has it set the note aside
// first (`--suffix`, which keeps every edit saved until then), but an edit that finds the note absent
// in the moment between and creates a new file is written over: the one loss README states for
// rclone < 1.63. There, every other edit must survive (an edit of an existing note, as editors make).
/** A lost version's story: every write of its note, and each run's lines that name the note. */
function lossTrail(version: string, ledger: VersionLedger, logs: string[]): string {
  const file = /^\w+:(\S+):/.exec(version)?.[1] ?? '';
  const lines = logs.flatMap((log) => {
    const [head = '', ...rest] = log.split('\n');
    const about = rest.filter((line) => line.includes(`${path.basename(file, '.md')}.`));
    return about.length > 0 ? [`-- ${head}`, ...about] : [];
  });
  return [`lost ${version}`, ...ledger.trail(file), ...lines].join('\n');
}

describe('L3: edits made while a pull runs', () => {
  it(rcloneAtLeast('1.63') ? 'a writer loop during pulls loses no version' : 'a writer loop during pulls loses no version but one written where rclone < 1.63 had just set the note aside', async () => {
    const ledger = new VersionLedger();
    const tenant = await newTenant();
    const [a, b] = tenant.machines;
    // Every CLI run's output (--verbose: rclone's own lines too), for the trail of a lost version.
    const logs: string[] = [];
    const sync = async (machine: typeof a) => {
      const result = await machine.bisync('--verbose');
      logs.push(`${machine.name} exit ${result.exitCode}\n${result.stdout}${result.stderr}`);
      return result;
    };
    const all = Array.from({ length: NOTES }, (_, index) => note(index));
    for (const file of all) await ledger.edit(a.folder, file, 'A');
    for (const machine of [a, b]) expect((await sync(machine)).exitCode).toBe(0);

    const pullsBegan = new Date().toISOString();
    let editsDuringPulls = 0;
    let abortedPulls = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const pulled = all.filter(() => Math.random() < 0.5);
      for (const file of pulled) await ledger.edit(b.folder, file, 'B');
      const push = await sync(b);
      expect(push.exitCode, push.stderr).toBe(0);

      const pull = spawnCli(a.user, ['cloud', 'bisync', '--verbose']);
      let running = true;
      void pull.exit.then(() => (running = false));
      // The writer stops after a few seconds: a pull must not be chased forever by new edits.
      const writerEnds = Date.now() + WRITER_MS;
      while (running && Date.now() < writerEnds) {
        await ledger.edit(a.folder, Math.random() < 0.8 ? pick(pulled) : pick(all), 'A');
        editsDuringPulls += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // rclone 1.60 aborts a run in which a file it uploads keeps changing (exit 6); the next run
      // recovers with a baseline that keeps both versions. Either way, nothing may be lost.
      const code = await pull.exit;
      logs.push(`A's pull exit ${code}\n${pull.stderr()}`);
      expect([0, 6], pull.stderr()).toContain(code);
      if (code !== 0) abortedPulls += 1;
      // B takes A's edits before its next round, as a second machine would.
      for (const machine of [a, b]) expect((await sync(machine)).exitCode).toBe(0);
    }
    for (const machine of [a, b, a, b]) {
      const settle = await sync(machine);
      expect(settle.exitCode, settle.stderr).toBe(0);
    }
    const lost = await ledger.lost(tenant.places());
    const setAsideWindow = (text: string) => !rcloneAtLeast('1.63') && ledger.wroteWhereAbsent(text, pullsBegan);
    console.log(`L3: ${ledger.count} versions written, ${editsDuringPulls} of them on A while it pulled (${abortedPulls} pulls aborted by rclone); lost ${lost.length}`);
    const unexpected = await ledger.lost(tenant.places(), setAsideWindow);
    expect(unexpected, unexpected.slice(0, 2).map((version) => lossTrail(version, ledger, logs)).join('\n')).toEqual([]);
  }, 170_000);
});
