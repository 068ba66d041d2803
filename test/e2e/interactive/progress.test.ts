import { describe, expect, it } from 'vitest';
import { runInPty } from '../../support/pty.js';
import { useServer } from '../bisync/helpers.js';

const { newPair } = useServer();

describe('progress of a sync in a terminal', () => {
  it('shows counts and bytes while a first sync runs, and leaves no escape codes off a terminal', async () => {
    const pair = await newPair();
    for (let index = 0; index < 40; index += 1) await pair.writeLocal(`note-${index}.md`, `${index}\n${'x'.repeat(40_000)}`);
    // rclone reads any flag from RCLONE_<FLAG>: a bandwidth limit makes the copy last a few seconds.
    const run = runInPty(pair.user, ['cloud', 'bisync'], { columns: 100, env: { RCLONE_BWLIMIT: '400k' } });
    expect(await run.exit, run.text()).toBe(0);
    expect(run.text()).toMatch(/First sync: \d+ of 4[01] files, [\d.]+ [KM]iB of [\d.]+ [KM]iB \(\d+%\)/);
    expect(run.text()).toMatch(/✓ Baseline made: 40 to the cloud/);

    const piped = await pair.bisync();
    expect(piped.exitCode).toBe(0);
    expect(piped.stderr).not.toContain('\x1b');
    expect(piped.stderr).not.toMatch(/Syncing:|First sync:/);
  });

});
