import { describe, it } from 'vitest';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { useTwoMachines } from './machines.js';
import { twoMachinesWatching } from './two-machines-watching.js';

// Issue 8, L3 under --watch: two machines watching one tenant while notes are edited at random on
// both; the issue saw 22–37 edits lost on rclone 1.60 and 2–4 on 1.75 in 60 s. Every version must survive.
// On rclone 1.66+ the safety net keeps local versions rclone replaced, and the bucket's lease
// (cloud-lease.ts) makes the two machines take turns writing to the bucket: rclone backs an object up
// by moving it (copy, then delete) before uploading the new one, and the other machine's run that
// listed the bucket in that moment uploaded over the new one unseen (1–4 of 180 lost in half the runs
// before the lease; 0 in 8 of 8 after). Before 1.66 rclone writes downloads in place (before 1.63)
// and has no backup dir, and the two folders once ended apart after the settles (README, "What it does
// not cover"): that version runs in test/known-gaps/watch-two-machines-before-1.66.test.ts.
const newTenant = useTwoMachines();

describe('two machines in watch mode with random edits', () => {
  it.runIf(rcloneAtLeast('1.66'))('converge and lose no version (rclone 1.66+)', () => twoMachinesWatching(newTenant), 170_000);
});
