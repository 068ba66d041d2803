import { describe, expect, it } from 'vitest';
import { CLOUD_BACKUPS_EXCLUDE, RESERVED_EXCLUDE_ARGS } from '../../../src/bisync/reserved-names.js';
import { CLOUD_BACKUPS_DIR, isReservedKey, REPLACED_SUFFIX } from '../../../src/core/reserved-names.js';

describe("the bucket's reserved names", () => {
  it.each([
    ['.basic-memory-backups/run-1/notes/a.md', true],
    ['.basic-memory-backups', true],
    ['.basic-memory-backups-not/a.md', false],
    ['notes/.basic-memory-backups/a.md', false],
    ['notes/a.md', false],
    ['notes/a.md.bm-replaced', true],
    ['a.bm-replaced.md', false],
  ])('%j is reserved: %s', (key, reserved) => {
    expect(isReservedKey(key)).toBe(reserved);
  });

  it("are the ones the CLI's syncs exclude", () => {
    expect(CLOUD_BACKUPS_EXCLUDE).toBe(`/${CLOUD_BACKUPS_DIR}/**`);
    expect(RESERVED_EXCLUDE_ARGS).toEqual(['--exclude', CLOUD_BACKUPS_EXCLUDE, '--exclude', `*${REPLACED_SUFFIX}`]);
  });
});
