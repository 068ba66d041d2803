import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { KEY, runInPty, type PtyRun } from '../../support/pty.js';
import { startTestServer, type TestServer } from '../../support/server.js';

// `cloud setup` typed at by a person in a terminal (a pseudo-terminal from @lydell/node-pty).

let server: TestServer;
let user: TestUser;
let token: string;
let tenantId: string;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.cleanup();
});
beforeEach(async () => {
  ({ token, tenantId } = await server.mintToken('new'));
  user = await makeTestUser({ BASIC_MEMORY_CLOUD_URL: server.apiUrl, BASIC_MEMORY_TOKEN: token });
});
afterEach(async () => {
  await user.cleanup();
});

const MODE_QUESTION = /How should your notes appear on this computer\?/;
const FOLDER_QUESTION = /Local folder/;

async function liveCredentials(): Promise<unknown[]> {
  const response = await fetch(`${server.apiUrl}/tenant/mount/credentials`, { headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { credentials: unknown[] }).credentials;
}

const exists = (file: string) => fs.access(file).then(() => true, () => false);

/** What a cancelled setup must not have left: a remote, a credential, tenant state, a folder. */
async function expectNothingChanged(run: PtyRun): Promise<void> {
  expect(await exists(user.rcloneConfig)).toBe(false);
  expect(await exists(path.join(user.stateDir, 'tenant.json'))).toBe(false);
  expect(await liveCredentials()).toEqual([]);
  const leftInHome = (await fs.readdir(user.home)).filter((name) => name.startsWith('basic-memory-') || name === '~');
  expect(leftInHome).toEqual([]);
  expect(run.text()).not.toMatch(/Unexpected failure|report it/);
}

describe('cloud setup in a terminal', () => {
  it('stores `~/My Notes` typed at the folder prompt as $HOME/My Notes, and bisync uses that folder', async () => {
    const run = runInPty(user, ['cloud', 'setup']);
    await run.waitFor(MODE_QUESTION);
    run.type(KEY.enter);
    await run.waitFor(FOLDER_QUESTION);
    run.type('~/My Notes');
    run.type(KEY.enter);
    expect(await run.exit, run.text()).toBe(0);

    const expected = path.join(user.home, 'My Notes');
    const state = JSON.parse(await fs.readFile(path.join(user.stateDir, 'tenant.json'), 'utf8')) as { localPath: string };
    expect(state.localPath).toBe(expected);
    expect((await fs.stat(expected)).isDirectory()).toBe(true);
    // No literal `~` folder next to where setup ran (the home folder here).
    expect(await exists(path.join(user.home, '~'))).toBe(false);
    expect(run.text()).toContain(`folder  ${expected}`);
    // People read the tenant's short id; the full one is for JSON and files.
    expect(run.text()).toContain(`tenant  ${tenantId.slice(0, 8)}\r\n`);
    expect(run.text()).not.toContain(`Tenant ${tenantId}`);
    expect(run.text()).not.toMatch(/✔/);

    await fs.writeFile(path.join(expected, 'typed.md'), 'hello\n');
    const sync = await user.run(['cloud', 'bisync', '--json']);
    expect(sync.exitCode, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ changes: { toCloud: [{ path: 'typed.md', action: 'new' }] } });
    const status = JSON.parse((await user.run(['cloud', 'bisync-status', '--json'])).stdout) as { localPath: string };
    expect(status.localPath).toBe(expected);
  });

  it('goes back from the folder question to the mode question with Escape', async () => {
    const run = runInPty(user, ['cloud', 'setup']);
    await run.waitFor(MODE_QUESTION);
    run.type(KEY.enter);
    await run.waitFor(FOLDER_QUESTION);
    const before = run.text().length;
    run.type(KEY.escape);
    await run.waitFor(MODE_QUESTION, { from: before });
    run.type(KEY.enter);
    await run.waitFor(FOLDER_QUESTION, { from: before });
    run.type('notes-after-escape');
    run.type(KEY.enter);
    expect(await run.exit, run.text()).toBe(0);
    const state = JSON.parse(await fs.readFile(path.join(user.stateDir, 'tenant.json'), 'utf8')) as { localPath: string };
    // Relative to where setup ran, stored absolute.
    expect(state.localPath).toBe(path.join(user.home, 'notes-after-escape'));
  });

  it.each([
    ['the mode question', async (run: PtyRun) => run.waitFor(MODE_QUESTION)],
    ['the folder question', async (run: PtyRun) => {
      await run.waitFor(MODE_QUESTION);
      run.type(KEY.enter);
      await run.waitFor(FOLDER_QUESTION);
      run.type('~/half typed');
    }],
  ])('Ctrl-C at %s exits 130 with one line and changes nothing', async (_label, reachPrompt) => {
    const run = runInPty(user, ['cloud', 'setup']);
    await reachPrompt(run);
    const before = run.text().length;
    run.type(KEY.ctrlC);
    expect(await run.exit).toBe(130);
    const after = run.text().slice(before).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !MODE_QUESTION.test(line) && !FOLDER_QUESTION.test(line));
    expect(after).toEqual(['Error: Setup cancelled: nothing was changed (no credentials, no rclone remote, no folder).']);
    await expectNothingChanged(run);
  });
});
