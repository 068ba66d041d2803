import { describe, expect, it } from 'vitest';
import { spawnCli } from '../e2e/bisync/helpers.js';
import { VersionLedger } from '../support/versions.js';
import { useTwoMachines } from '../e2e/chaos/machines.js';

// Issue 8, L3: a note edited after rclone listed it and before it copied the cloud's version over
// it was silently replaced. Here a writer loop edits notes on machine A while A pulls another
// machine's edits of the same notes; every version must survive.
const newTenant = useTwoMachines();

const NOTES = 100;
const ROUNDS = 3;
const WRITER_MS = 3_000;
const note = (index: number) => `notes/n${index}.md`;
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T;

// A known gap (README, "What it does not cover"; issue 8 stays open for it): rclone before 1.63 writes
// downloads in place, so an edit made milliseconds before rclone writes over the note can be lost
// (6 of ~510 on 1.60.1); on 1.75.2 it lost 0 of 642 in most runs and 1 of ~600 in the last CI run.
// It runs with `npm run test:known-gaps`, not in `npm test`, until it holds on every run.
describe('L3: edits made while a pull runs', () => {
  it('a writer loop during pulls loses no version', async () => {
    const ledger = new VersionLedger();
    const tenant = await newTenant();
    const [a, b] = tenant.machines;
    const all = Array.from({ length: NOTES }, (_, index) => note(index));
    for (const file of all) await ledger.edit(a.folder, file, 'A');
    for (const machine of [a, b]) expect((await machine.bisync()).exitCode).toBe(0);

    let editsDuringPulls = 0;
    let abortedPulls = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const pulled = all.filter(() => Math.random() < 0.5);
      for (const file of pulled) await ledger.edit(b.folder, file, 'B');
      const push = await b.bisync();
      expect(push.exitCode, push.stderr).toBe(0);

      const pull = spawnCli(a.user, ['cloud', 'bisync']);
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
      expect([0, 6], pull.stderr()).toContain(code);
      if (code !== 0) abortedPulls += 1;
      // B takes A's edits before its next round, as a second machine would.
      for (const machine of [a, b]) expect((await machine.bisync()).exitCode).toBe(0);
    }
    for (const machine of [a, b, a, b]) {
      const settle = await machine.bisync();
      expect(settle.exitCode, settle.stderr).toBe(0);
    }
    const lost = await ledger.lost(tenant.places());
    console.log(`L3: ${ledger.count} versions written, ${editsDuringPulls} of them on A while it pulled (${abortedPulls} pulls aborted by rclone); lost ${lost.length}`);
    if (lost.length > 0) console.log(lost.slice(0, 8).join("\n"));
    expect(lost).toEqual([]);
  }, 170_000);
});
