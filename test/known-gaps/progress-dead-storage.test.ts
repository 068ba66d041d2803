import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../src/core/paths.js';
import { KEY, runInPty, stripEscapes } from '../support/pty.js';
import { useServer } from '../e2e/bisync/helpers.js';

const execFileAsync = promisify(execFile);
const { newPair } = useServer();

// Issue 13, Why 4 (silence on long work) with a storage that never answers. Passes on rclone 1.60.1;
// on rclone 1.66+ it stopped passing once the "nothing to sync" check (issue 11) and the run's cloud
// backup dir (issue 8) came in: the check's bucket listing waits in silence, and the first Ctrl-C
// during it or during rclone's opening of the backup dir does not get its "press Ctrl-C again"
// answer. A known gap until both are bounded and interruptible.
describe('progress of a sync in a terminal (storage that does not answer)', () => {
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
