import { describe, expect, it } from 'vitest';
import type { CredentialSummary } from '../../../src/api/types.js';
import { writeTenantState } from '../../../src/core/tenant-state.js';
import { listCredentials, revokeCredential } from '../../../src/credentials/commands.js';
import { capturedOutput } from '../../support/captured-output.js';
import { fixtureFile } from '../../support/fake-rclone.js';
import { useReplayedWorlds } from '../../support/replayed-world.js';

/** "This machine's credential" is one rule: the list's `*` and revoke's warning always agree. */
const worlds = useReplayedWorlds();

const credential = (id: string, accessKey: string): CredentialSummary => ({ id, access_key: accessKey, description: null, created_at: '2026-01-01T00:00:00', last_used_at: null });

describe.each([
  ['the recorded id and the key agree', 'c2'],
  ['the recorded id is stale (the key names another credential)', 'c1'],
  ['no id recorded (the real cloud does not return one)', null],
])('credentials, %s', (_label, credentialId) => {
  const listed = [credential('c1', 'tid_other_laptop'), credential('c2', 'tid_this_machine')];

  async function setUp() {
    const world = await worlds.create({ replay: fixtureFile('1.75.2', 'first-sync') });
    // c1 can only be "ours" by a stale id; the remote's key is c2's.
    await writeTenantState(world.paths, { ...world.tenant, credentialId: credentialId === 'c1' ? 'c-gone' : credentialId });
    const revoked: string[] = [];
    const api = { listCredentials: () => Promise.resolve(listed.filter((item) => !revoked.includes(item.id))), revokeCredential: (id: string) => Promise.resolve(void revoked.push(id)) };
    return { world, api, revoked };
  }

  it('list marks the credential whose key the remote holds', async () => {
    const { world, api } = await setUp();
    const { output, stdout } = capturedOutput({ json: true });
    await listCredentials({ json: true }, world.context(output, api));
    const rows = (JSON.parse(stdout()) as { credentials: { id: string; thisMachine: boolean }[] }).credentials;
    expect(rows.filter((row) => row.thisMachine).map((row) => row.id)).toEqual(['c2']);
  });

  it('revoking it warns that this machine\'s remote stops working; revoking another does not', async () => {
    const { world, api, revoked } = await setUp();
    const mine = capturedOutput();
    await revokeCredential('c2', { yes: true }, world.context(mine.output, api));
    expect(mine.stderr()).toContain("That was this machine's credential: the rclone remote fakecloud stops working now.");
    const other = capturedOutput();
    await revokeCredential('c1', { yes: false }, world.context(other.output, api));
    expect(other.stderr()).not.toContain("this machine's credential");
    expect(revoked).toEqual(['c2', 'c1']);
  });

  it('asks before revoking this machine\'s own credential: declined, nothing is revoked; without a terminal, exit 2', async () => {
    const { world, api, revoked } = await setUp();
    const questions: string[] = [];
    const declined = capturedOutput();
    await revokeCredential('c2', { yes: false }, { ...world.context(declined.output, api), canPrompt: true }, (question) => Promise.resolve(void questions.push(question)).then(() => false));
    expect(questions).toHaveLength(1);
    expect(questions[0]).toMatch(/this machine's credential/);
    expect(declined.stderr()).toContain('Nothing revoked.');
    await expect(revokeCredential('c2', { yes: false }, { ...world.context(capturedOutput().output, api), canPrompt: false })).rejects.toMatchObject({ exitCode: 2, message: /pass --yes/ });
    expect(revoked).toEqual([]);
    // Another machine's credential is not asked about.
    await revokeCredential('c1', { yes: false }, { ...world.context(capturedOutput().output, api), canPrompt: false });
    expect(revoked).toEqual(['c1']);
  });
});
