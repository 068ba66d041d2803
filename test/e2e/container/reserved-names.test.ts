import { describe, expect, it } from 'vitest';
import { CLOUD_BACKUPS_DIR } from '../../../src/core/reserved-names.js';
import { cleanUpWorlds, containerWorld } from './helpers.js';

cleanUpWorlds();

/** Another machine's transient run backups sit in the bucket; the container's notes must not show them. */
describe("the container view and the bucket's reserved names", () => {
  const backup = `${CLOUD_BACKUPS_DIR}/run-elsewhere/notes/draft.md`;

  it('lists no object under the run backups prefix, at start-up or after a refresh, and serves none', async () => {
    const world = await containerWorld({ layers: new Set(['sync', 'webhook']), webhookAuth: { kind: 'token', token: 'dashboard-token' } });
    await world.writeCloud(backup, '# A backup another machine made\n');
    await world.writeCloud('notes/kept.md', '# Kept\n');

    const atStart = (await world.notes()).notes.map((note) => note.path);
    expect(atStart).toContain('notes/kept.md');
    expect(atStart.filter((key) => key.startsWith(CLOUD_BACKUPS_DIR))).toEqual([]);

    // A second backup while the container runs: named refresh, full refresh and the webhook all pass it over.
    const later = `${CLOUD_BACKUPS_DIR}/run-later/notes/other.md`;
    await world.writeCloud(later, '# Another backup\n');
    await world.writeCloud('notes/later.md', '# Later\n');
    expect(await world.api('POST', '/sync', { json: { paths: [later, 'notes/later.md'] } })).toMatchObject({ status: 200, body: { refreshed: true } });
    expect(await world.api('POST', '/sync')).toMatchObject({ status: 200, body: { refreshed: true } });
    const afterRefresh = (await world.notes()).notes.map((note) => note.path);
    expect(afterRefresh).toContain('notes/later.md');
    expect(afterRefresh.filter((key) => key.startsWith(CLOUD_BACKUPS_DIR))).toEqual([]);

    expect((await world.api('GET', `/tenant/notes/${backup}`)).status).toBe(404);
    expect((await world.api('GET', '/tenant/notes/notes/kept.md')).status).toBe(200);
  });
});
