import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runServerBin, serverBin } from '../../support/server.js';
import { cleanUpWorlds, containerWorld, isMounted, rcloneServing } from './helpers.js';

cleanUpWorlds();

const NO_LAYERS = new Set<never>();

describe("the tenant container's view (SPEC-8: TigrisFS with a 30 s stat cache)", () => {
  it('starts on the first notes request within 5 s, indexes what the bucket holds, and unmounts when the server stops', async () => {
    const world = await containerWorld({ layers: NO_LAYERS });
    for (let i = 0; i < 100; i++) await world.writeLocal(`notes/note-${String(i).padStart(3, '0')}.md`, `---\ntitle: front matter\n---\n# Note ${i}\n\nbody ${i}\n`);
    await world.writeLocal('plain.md', 'no heading here\n');
    expect((await world.user.run(['cloud', 'bisync'])).exitCode).toBe(0);
    expect(await isMounted(world.mountPoint())).toBe(false);

    expect((await world.notes()).container.startup_ms).toBeLessThan(5_000);
    const view = await world.notesWithTitles();
    expect(view.notes.filter((note) => note.path.startsWith('notes/'))).toHaveLength(100);
    expect(view.notes.find((note) => note.path === 'notes/note-042.md')).toMatchObject({ title: 'Note 42', size: expect.any(Number) as number });
    expect(view.notes.find((note) => note.path === 'plain.md')?.title).toBeNull();
    const one = await world.api('GET', '/tenant/notes/notes/note-007.md');
    expect(one).toMatchObject({ status: 200, body: { path: 'notes/note-007.md', title: 'Note 7' } });
    expect((one.body as { content: string }).content).toContain('body 7');
    expect((await world.api('GET', '/tenant/notes/notes/missing.md')).status).toBe(404);
    expect((await world.api('GET', '/tenant/notes/notes%2F..%2F..%2Fx.md')).status).toBe(422);

    const mountPoint = world.mountPoint();
    expect(await isMounted(mountPoint)).toBe(true);
    expect(await rcloneServing(mountPoint)).toHaveLength(1);
    await world.close();
    expect(await isMounted(mountPoint)).toBe(false);
    expect(await rcloneServing(mountPoint)).toEqual([]);
  });

  it('stops an idle container and starts it again on the next request', async () => {
    const world = await containerWorld({ layers: NO_LAYERS, idleMs: 1_500 });
    const first = await world.notes();
    expect(await isMounted(world.mountPoint())).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await isMounted(world.mountPoint())).toBe(false);
    expect(await rcloneServing(world.mountPoint())).toEqual([]);
    const second = await world.notes();
    expect(second.container.started_at).not.toBe(first.container.started_at);
    expect(await isMounted(world.mountPoint())).toBe(true);
  });

  it('with every layer off, a note written through `cloud bisync` does not show within 20 s', async () => {
    const world = await containerWorld({ layers: NO_LAYERS });
    await world.notes();
    await world.writeLocal('late.md', '# Late\n');
    expect((await world.user.run(['cloud', 'bisync'])).exitCode).toBe(0);
    expect(await world.timeUntilVisible('late.md', 20_000)).toBeUndefined();
  }, 60_000);
});

describe('basic-memory-server start --container', () => {
  it('unmounts every container when it gets SIGTERM', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-server-'));
    try {
      const { stdout: token } = await runServerBin(['token', '--tenant', 'sigterm-tenant'], dataDir);
      const server = spawn(process.execPath, [serverBin, 'start', '--port', '0', '--s3-port', '0', '--data-dir', dataDir, '--container', '--container-layers', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      server.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      server.stderr.resume();
      const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
      const began = Date.now();
      while (!/API listening on (\S+)/.test(stdout) && Date.now() - began < 15_000) await new Promise((resolve) => setTimeout(resolve, 50));
      const apiUrl = /API listening on (\S+)/.exec(stdout)?.[1] ?? '';
      const reply = await fetch(`${apiUrl}/tenant/notes`, { headers: { authorization: `Bearer ${token.trim()}` } });
      expect(reply.status).toBe(200);
      const mountPoint = path.join(dataDir, 'containers', 'sigterm-tenant', 'mnt');
      expect(await isMounted(mountPoint)).toBe(true);
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await isMounted(mountPoint)).toBe(false);
      expect(await rcloneServing(mountPoint)).toEqual([]);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
