import { describe, expect, it } from 'vitest';
import { copiesBySide } from '../../../src/bisync/conflicts.js';

describe('copiesBySide', () => {
  it.each([
    ['rclone < 1.66 names', { path: 'a.md', copies: ['a.md..path1', 'a.md..path2'], winner: undefined }, { local: 'a.md..path1', cloud: 'a.md..path2' }],
    ['rclone < 1.66, copies not listed', { path: 'a.md', copies: [], winner: undefined }, { local: 'a.md..path1', cloud: 'a.md..path2' }],
    ['rclone 1.66+ with no winner: Path1 first', { path: 'a.md', copies: ['a.conflict-20261129-160000-1.md', 'a.conflict-20261129-160000-2.md'], winner: undefined }, { local: 'a.conflict-20261129-160000-1.md', cloud: 'a.conflict-20261129-160000-2.md' }],
    ['a conflict rclone already settled', { path: 'a.md', copies: ['a.conflict-20261129-160000-1.md'], winner: 'cloud' as const }, { local: 'a.md..path1', cloud: 'a.md..path2' }],
  ])('%s', (_case, conflict, expected) => {
    expect(copiesBySide(conflict)).toEqual(expected);
  });
});
