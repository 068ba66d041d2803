import { describe, it } from 'vitest';
import { useTwoMachines } from './machines.js';
import { twoMachinesWatching } from './two-machines-watching.js';

// Issue 8, L3 under --watch: two machines watching one tenant while notes are edited at random on
// both; the issue saw 22–37 edits lost on rclone 1.60 and 2–4 on 1.75 in 60 s. Every version must
// survive and both folders must end equal to the bucket (the bucket's lease, the safety net, the
// listing repair; a trace is written on each loss).
const newTenant = useTwoMachines();

describe('two machines in watch mode with random edits', () => {
  it('converge and lose no version', () => twoMachinesWatching(newTenant), 170_000);
});
