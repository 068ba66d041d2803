import { describe, expect, it } from 'vitest';
import { echoesOf } from '../../../src/bisync/watch.js';

describe('echoesOf (what a run wrote itself, for the watcher)', () => {
  const isEcho = echoesOf({
    changes: { toCloud: [{ path: 'mine.md', action: 'new' }], toLocal: [{ path: 'sub/dir/down.md', action: 'new' }, { path: 'gone.md', action: 'deleted' }] },
    conflicts: [{ path: 'plan.md', copies: ['plan.md..path1'], winner: 'cloud' }],
  });
  it.each([
    ['sub/dir/down.md', true],
    ['sub/dir', true],
    ['sub', true],
    ['gone.md', true],
    ['plan.md', true],
    ['plan.md..path2', true],
    ['.basic-memory-bisync', true],
    ['mine.md', false],
    ['sub/other.md', false],
  ])('%s → %s', (file, echo) => {
    expect(isEcho(file)).toBe(echo);
  });
});
