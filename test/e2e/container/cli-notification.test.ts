import { describe, expect, it } from 'vitest';
import { cleanUpWorlds, containerWorld } from './helpers.js';

cleanUpWorlds();

describe("the CLI's notification after a sync (SPEC-8 layer 3) names what it uploaded", () => {
  it('refreshes just the uploaded keys, not the whole bucket', async () => {
    const world = await containerWorld({ layers: new Set(['cli']) });
    await world.notes();
    // Written by another machine: the container does not see it yet (no layer refreshes for it).
    await world.writeCloud('elsewhere.md', '# Elsewhere\n');
    await world.writeLocal('here.md', '# Here\n');
    expect((await world.user.run(['cloud', 'bisync'])).exitCode).toBe(0);

    const paths = (await world.notes()).notes.map((note) => note.path);
    expect(paths).toContain('here.md');
    // A full refresh would have shown the other machine's note too: the run downloaded it, it uploaded only here.md.
    expect(paths).not.toContain('elsewhere.md');
  });
});
