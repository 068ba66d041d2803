import { describe, expect, it } from 'vitest';
import { keysChangedInCloud, MAX_NAMED_KEYS } from '../../../src/bisync/run.js';

const up = (...paths: string[]) => paths.map((path) => ({ path, action: 'changed' as const }));

describe("the keys a run names to the cloud's POST /sync", () => {
  it.each([
    ['uploads and deletes, each once, sorted', { toCloud: [...up('b.md', 'a/x.md', 'b.md'), { path: 'gone.md', action: 'deleted' as const }], toLocal: [] }, [], ['a/x.md', 'b.md', 'gone.md']],
    ['downloads only: the bucket did not change, a full refresh', { toCloud: [], toLocal: up('c.md') }, [], undefined],
    ['a conflict: copies rclone named, a full refresh', { toCloud: up('a.md'), toLocal: [] }, [{ path: 'a.md', copies: ['a.conflict1.md'], winner: undefined }], undefined],
    ['more than the cap: a full refresh', { toCloud: up(...Array.from({ length: MAX_NAMED_KEYS + 1 }, (_, i) => `n-${i}.md`)), toLocal: [] }, [], undefined],
  ])('%s', (_name, changes, conflicts, keys) => {
    expect(keysChangedInCloud({ changes, conflicts })).toEqual(keys);
  });
});
