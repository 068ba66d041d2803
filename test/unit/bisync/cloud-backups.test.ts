import { describe, expect, it } from 'vitest';
import { cloudBackupDir, mayHaveBackups, newRunId, replacedCandidates, versionsNeverSeen, type BackedUpObject } from '../../../src/bisync/cloud-backups.js';
import type { BisyncOutcome } from '../../../src/bisync/outcome.js';
import { parseListing } from '../../../src/bisync/safety-net.js';

const md5 = (digit: string) => digit.repeat(32);
const backup = (file: string, hash: string | undefined, size = 10, modified = '2026-11-29T17:00:00Z'): BackedUpObject => ({ path: file, size, md5: hash, modifiedMs: Date.parse(modified) });

// rclone's listing lines: the checksum comparison records no time (year 1), the modtime one no hash.
const priorCloud = parseListing([
  '# bisync listing v1 from test',
  `- 10 md5:${md5('a')} - 0001-01-01T00:00:00.000000000+0000 "seen.md"`,
  `- 10 md5:${md5('a')} - 0001-01-01T00:00:00.000000000+0000 "changed-after-listing.md"`,
  '- 10 - - 2026-11-29T17:00:00.000000000+0000 "no-hash.md"',
  '',
].join('\n'));

describe('versionsNeverSeen: which versions rclone moved aside must be kept', () => {
  it.each([
    ['the version the prior listing recorded (the run replaced what it saw)', backup('seen.md', md5('a')), false],
    ['another machine\'s upload after the listing (hash differs)', backup('changed-after-listing.md', md5('b')), true],
    ['a note the prior listing did not have at all', backup('new-elsewhere.md', md5('c')), true],
    ['no hashes: same size and time as listed', backup('no-hash.md', undefined), false],
    ['no hashes: another time', backup('no-hash.md', undefined, 10, '2026-11-29T17:05:00Z'), true],
    ['no hash on the backup while the listing has one: cannot tell, so kept', backup('seen.md', undefined), true],
    ['the same content is in the folder (a conflict copy kept it already)', backup('kept-locally.md', md5('d')), false],
  ])('%s → kept %s', (_label, object, kept) => {
    const localHashes = new Map([['kept-locally.md', new Set([md5('d')])]]);
    expect(versionsNeverSeen([object], priorCloud, localHashes)).toEqual(kept ? [object] : []);
  });
});

describe('mayHaveBackups: when the backup dir is worth listing', () => {
  const changes = (toCloud: number) => ({ toCloud: Array.from({ length: toCloud }, (_, index) => ({ path: `n${index}.md`, action: 'changed' as const })), toLocal: [{ path: 'pulled.md', action: 'new' as const }] });
  it.each<[string, BisyncOutcome, boolean]>([
    ['a run that only pulled', { kind: 'ok', changes: changes(0), conflicts: [] }, false],
    ['a run that uploaded or deleted in the cloud', { kind: 'ok', changes: changes(1), conflicts: [] }, true],
    ['a run with a conflict', { kind: 'ok', changes: changes(0), conflicts: [{ path: 'x.md', copies: ['x.conflict-20261129-170000-1.md'], winner: 'local' }] }, true],
    ['a safety stop before any change', { kind: 'safety-stop', reasons: ['max-delete'], changes: changes(0), pendingDeletes: { local: 0, cloud: 3 } }, false],
    ['a failed run whose log cannot say what it did', { kind: 'failed', transient: true, detail: 'connection refused' }, true],
  ])('%s → %s', (_label, outcome, expected) => {
    expect(mayHaveBackups(outcome)).toBe(expected);
  });
});

describe('cloudBackupDir', () => {
  it('is a run-unique folder under the reserved prefix of the synced path', () => {
    const runId = newRunId(new Date('2026-11-29T17:44:00Z'));
    expect(runId).toMatch(/^20261129-174400-[0-9a-f]{8}$/);
    expect(cloudBackupDir('basic-memory-t1:bucket/', runId)).toBe(`basic-memory-t1:bucket/.basic-memory-backups/${runId}`);
    expect(newRunId()).not.toBe(newRunId());
  });
});

describe('replacedCandidates (rclone < 1.66: which notes may have a set-aside cloud object)', () => {
  it('names uploads other than deletions, and conflicts', () => {
    const outcome: BisyncOutcome = {
      kind: 'ok',
      changes: { toCloud: [{ path: 'a.md', action: 'changed' }, { path: 'b.md', action: 'new' }, { path: 'gone.md', action: 'deleted' }], toLocal: [{ path: 'pulled.md', action: 'changed' }] },
      conflicts: [{ path: 'c.md', copies: [], winner: undefined }],
    };
    expect(replacedCandidates(outcome)).toEqual(['a.md', 'b.md', 'c.md']);
  });

  it('asks for a listing of the whole bucket when the log could not say', () => {
    expect(replacedCandidates({ kind: 'needs-baseline', reason: 'critical-error', detail: 'out of sync' })).toBeUndefined();
  });
});
