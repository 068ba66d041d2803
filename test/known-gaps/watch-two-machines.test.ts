import { describe, it } from 'vitest';
import { useTwoMachines } from '../e2e/chaos/machines.js';
import { twoMachinesWatching } from '../e2e/chaos/two-machines-watching.js';

// Issue 8, L3 under --watch: two machines watching one tenant while notes are edited at random on
// both; the issue saw 22–37 edits lost on rclone 1.60 and 2–4 on 1.75 in 60 s. Every version must
// survive and both folders must end equal to the bucket. With the bucket's lease (cloud-lease.ts)
// the two machines take turns writing to the bucket: on rclone 1.75.2 it lost 0 in 8 of 9 runs here
// (1–4 in about half the runs before the lease) and 1 of 180 once in CI, where machine A's edit, saved
// while A's own run uploaded the note's previous version, was then replaced by a pull with no change
// seen on A's side (a trace is written on each loss). On rclone 1.60.1 the two folders once ended
// apart after the settle runs. Known gap (README, "What it does not cover"); issue 8 stays open.
const newTenant = useTwoMachines();

describe('two machines in watch mode with random edits', () => {
  it('converge and lose no version', () => twoMachinesWatching(newTenant), 170_000);
});
