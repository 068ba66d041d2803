import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { KEY, runInPty, stripEscapes } from '../../support/pty.js';
import { useServer } from '../bisync/helpers.js';

const execFileAsync = promisify(execFile);
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

  it('says what it waits for within a few seconds when the storage does not answer', async () => {
    const pair = await newPair();
    await pair.writeLocal('start.md', 'start\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    // A storage that accepts connections and never answers.
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const deadEndpoint = `http://127.0.0.1:${port}`;
    await execFileAsync('rclone', ['config', 'update', pair.tenant.remoteName, `endpoint=${deadEndpoint}`], { env: { ...pair.user.env, RCLONE_CONFIG: pair.user.rcloneConfig } });
    const tenantFile = statePaths(pair.user.stateDir).tenant;
    const tenant = JSON.parse(await fs.readFile(tenantFile, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(tenantFile, JSON.stringify({ ...tenant, endpointUrl: deadEndpoint }));
    try {
      const run = runInPty(pair.user, ['cloud', 'bisync'], { columns: 120 });
      const started = Date.now();
      await run.waitFor(new RegExp(`Syncing: waiting for the cloud storage at 127\\.0\\.0\\.1:${port} to answer · \\d+ s`), { timeoutMs: 15_000 });
      expect(Date.now() - started).toBeLessThan(10_000);
      // The first Ctrl-C waits for rclone, which waits for the storage; the second stops it.
      run.type(KEY.ctrlC);
      await run.waitFor(/press Ctrl-C again to stop at once/);
      run.type(KEY.ctrlC);
      expect(await run.exit).toBe(130);
      expect(stripEscapes(run.screen())).not.toMatch(/Unexpected failure/);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});
