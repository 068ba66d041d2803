import { describe, expect, it } from 'vitest';
import { cleanUpWorlds, containerWorld } from './helpers.js';

cleanUpWorlds();

/** Each of SPEC-8's layers alone (the others off): what it buys, within its bound. */
describe('SPEC-8 sync layers, one at a time', () => {
  it('layer 1: POST /sync refreshes the container and answers once the index holds the note', async () => {
    const world = await containerWorld({ layers: new Set(['sync']) });
    await world.notes();
    await world.writeLocal('layer1.md', '# Layer one\n');
    expect((await world.user.run(['cloud', 'bisync'])).exitCode).toBe(0);
    // The CLI's own notification is layer 3, off here: the container still shows the old state.
    expect((await world.notes()).notes.map((note) => note.path)).not.toContain('layer1.md');
    const reply = await world.api('POST', '/sync');
    expect(reply).toMatchObject({ status: 200, body: { status: 'refreshed', refreshed: true } });
    expect((await world.notes()).notes.find((note) => note.path === 'layer1.md')?.title).toBe('Layer one');
  });

  it('layer 1 with named paths: only those are refreshed', async () => {
    const world = await containerWorld({ layers: new Set(['sync']) });
    await world.notes();
    await world.writeCloud('named/a.md', '# A\n');
    await world.writeCloud('named/b.md', '# B\n');
    expect(await world.api('POST', '/sync', { json: { paths: ['named/a.md'] } })).toMatchObject({ status: 200, body: { refreshed: true } });
    const paths = (await world.notes()).notes.map((note) => note.path);
    expect(paths).toContain('named/a.md');
    expect(paths).not.toContain('named/b.md');
    expect((await world.api('POST', '/sync', { json: { paths: ['../etc/passwd'] } })).status).toBe(422);
  });

  it("layer 3: the CLI's notification after `cloud bisync` makes the note visible by the time the command returns", async () => {
    const world = await containerWorld({ layers: new Set(['cli']) });
    await world.notes();
    await world.writeLocal('layer3.md', '# Layer three\n');
    expect((await world.user.run(['cloud', 'bisync'])).exitCode).toBe(0);
    expect(await world.timeUntilVisible('layer3.md', 1_000)).toBeDefined();
    // A manual refresh is layer 1, off here.
    expect(await world.api('POST', '/sync')).toMatchObject({ status: 202, body: { refreshed: false } });
  });

  it("layer 2: the store's Tigris notification refreshes just the written key within 3 s", async () => {
    const world = await containerWorld({ layers: new Set(['webhook']), webhookAuth: { kind: 'token', token: 'dashboard-token' } });
    await world.notes();
    await world.writeCloud('hooked/layer2.md', '# Layer two\n');
    expect(await world.timeUntilVisible('hooked/layer2.md', 3_000)).toBeDefined();

    // Tigris retries: the same notification twice leaves one note; a forged one is refused.
    const hook = `/webhooks/tigris/${world.tenant.tenantId}`;
    const payload = { events: [{ eventVersion: '1', eventSource: 'tigris', eventName: 'OBJECT_CREATED_PUT', eventTime: new Date().toISOString(), bucket: world.tenant.bucketName, object: { key: 'hooked/layer2.md', size: 13, eTag: '"x"' } }] };
    for (let i = 0; i < 2; i++) expect(await world.api('POST', hook, { json: payload, headers: { authorization: 'Bearer dashboard-token' } })).toMatchObject({ status: 200, body: { keys: 1 } });
    expect((await world.api('POST', hook, { json: payload, headers: { authorization: 'Bearer guessed' } })).status).toBe(401);
    expect((await world.api('POST', hook, { json: { nope: true }, headers: { authorization: 'Bearer dashboard-token' } })).status).toBe(422);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await world.notes()).notes.filter((note) => note.path === 'hooked/layer2.md')).toHaveLength(1);

    await world.deleteCloud('hooked/layer2.md');
    const began = Date.now();
    while ((await world.notes()).notes.some((note) => note.path === 'hooked/layer2.md') && Date.now() - began < 3_000) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await world.notes()).notes.map((note) => note.path)).not.toContain('hooked/layer2.md');
  });

  it('layer 4: the periodic refresh shows a cloud write within 30 s', async () => {
    const world = await containerWorld({ layers: new Set(['periodic']) });
    await world.notes();
    await world.writeCloud('periodic.md', '# Periodic\n');
    expect(await world.timeUntilVisible('periodic.md', 32_000)).toBeDefined();
  }, 60_000);
});
