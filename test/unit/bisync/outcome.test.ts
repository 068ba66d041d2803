import { describe, expect, it } from 'vitest';
import { parseBisyncOutcome, type RunFacts } from '../../../src/bisync/outcome.js';

// Log lines recorded from rclone 1.60.1 on this machine, and in 1.66+'s format from
// cmd/bisync/*.go (`N modified`, `!WARNING`, `.conflictN`, `The winner is`).
const facts = (log: string, overrides: Partial<RunFacts> = {}): RunFacts => ({
  exitCode: 0,
  signal: undefined,
  log,
  listings: 'present',
  localRoot: '/tmp/bx/a',
  remoteRoot: 'remote:bucket',
  ...overrides,
});

const SYNC_160 = `2026/11/28 05:47:26 NOTICE: bisync is EXPERIMENTAL. Don't use in production!
2026/11/28 05:47:26 INFO  : Synching Path1 "/tmp/bx/a/" with Path2 "remote:bucket/"
2026/11/28 05:47:26 INFO  : Path1 checking for diffs
2026/11/28 05:47:26 INFO  : - Path1    File is newer                       - n1.md
2026/11/28 05:47:26 INFO  : - Path1    File was deleted                    - n2.md
2026/11/28 05:47:26 INFO  : - Path1    File is new                         - a b/ü ?#&+.md
2026/11/28 05:47:26 INFO  : Path1:    3 changes:    1 new,    1 newer,    0 older,    1 deleted
2026/11/28 05:47:26 INFO  : Path2 checking for diffs
2026/11/28 05:47:26 INFO  : - Path2    File is new                         - n3.md
2026/11/28 05:47:26 INFO  : Path2:    1 changes:    1 new,    0 newer,    0 older,    0 deleted
2026/11/28 05:47:26 INFO  : Bisync successful`;

const CONFLICT_160 = `2026/11/28 05:47:44 INFO  : - Path1    File is newer                       - n1.md
2026/11/28 05:47:44 INFO  : - Path2    File is newer                       - n1.md
2026/11/28 05:47:44 INFO  : Applying changes
2026/11/28 05:47:44 NOTICE: - WARNING  New or changed in both paths        - n1.md
2026/11/28 05:47:44 NOTICE: - Path1    Renaming Path1 copy                 - /tmp/bx/a/n1.md..path1
2026/11/28 05:47:44 INFO  : n1.md: Moved (server-side) to: n1.md..path1
2026/11/28 05:47:44 NOTICE: - Path1    Queue copy to Path2                 - remote:bucket/n1.md..path1
2026/11/28 05:47:44 NOTICE: - Path2    Renaming Path2 copy                 - remote:bucket/n1.md..path2
2026/11/28 05:47:44 NOTICE: - Path2    Queue copy to Path1                 - /tmp/bx/a/n1.md..path2
2026/11/28 05:47:44 INFO  : Bisync successful`;

const CONFLICT_166 = `INFO  : - Path1    File changed: time (newer)          - n1.md
INFO  : - Path2    File changed: time (newer)          - n1.md
INFO  : Path1:    1 changes:    0 new,    1 modified,    0 deleted
NOTICE: - WARNING  New or changed in both paths        - n1.md
INFO  : n1.md: The winner is: Path2
NOTICE: - Path1    Renaming Path1 copy                 - /tmp/bx/a/n1.md.conflict1
NOTICE: - Path1    Queue copy to Path2                 - remote:bucket/n1.md.conflict1
NOTICE: - Path2    Not renaming Path2 copy, as it was determined the winner - remote:bucket/n1.md
INFO  : Bisync successful`;

const BASELINE_160 = `INFO  : Copying unique Path2 files to Path1
INFO  : - Path2    Resync will copy to Path1           - cloud.md
INFO  : - Path2    Resync is doing queued copies to    - Path1
INFO  : cloud.md: Copied (new)
INFO  : Resynching Path1 to Path2
INFO  : local.md: Copied (new)
INFO  : Resync updating listings
INFO  : Bisync successful`;

describe('parseBisyncOutcome', () => {
  it("a refused key on rclone 1.66+ shows first as the backup dir being 'a file' (S3 reads the 403 of its HEAD so): the key is refused", () => {
    const log = `2026/11/29 20:22:04 ERROR : Bisync critical error: failed to make fs for --backup-dir "remote:bucket/.basic-memory-backups/20261129-202203-3e0458da": is a file not a directory
2026/11/29 20:22:04 ERROR : Bisync aborted. Error is retryable without --resync due to --resilient mode.
2026/11/29 20:22:04 NOTICE: Failed to bisync: bisync aborted`;
    expect(parseBisyncOutcome(facts(log, { exitCode: 1 }))).toMatchObject({ kind: 'failed', keyRefused: true });
    expect(parseBisyncOutcome(facts('2026/11/29 20:22:04 ERROR : Bisync critical error: connection refused', { exitCode: 1 }))).not.toHaveProperty('keyRefused');
  });

  it('reads the changes each way of a 1.60 run (Path1 is the folder)', () => {
    expect(parseBisyncOutcome(facts(SYNC_160))).toEqual({
      kind: 'ok',
      conflicts: [],
      changes: {
        toCloud: [{ path: 'n1.md', action: 'changed' }, { path: 'n2.md', action: 'deleted' }, { path: 'a b/ü ?#&+.md', action: 'new' }],
        toLocal: [{ path: 'n3.md', action: 'new' }],
      },
    });
  });

  it('reads a baseline\'s copies by phase', () => {
    expect(parseBisyncOutcome(facts(BASELINE_160))).toMatchObject({
      kind: 'ok',
      changes: { toLocal: [{ path: 'cloud.md', action: 'new' }], toCloud: [{ path: 'local.md', action: 'new' }] },
    });
  });

  it.each([
    ['1.60 (..path1/..path2, no winner)', CONFLICT_160, { path: 'n1.md', copies: ['n1.md..path1', 'n1.md..path2'], winner: undefined }],
    ['1.66+ (.conflictN, a winner)', CONFLICT_166, { path: 'n1.md', copies: ['n1.md.conflict1'], winner: 'cloud' }],
  ])('reads conflicts of %s, leaving them out of the plain changes', (_label, log, conflict) => {
    const outcome = parseBisyncOutcome(facts(log));
    expect(outcome).toEqual({ kind: 'ok', conflicts: [conflict], changes: { toCloud: [], toLocal: [] } });
  });

  it.each([
    ['too many deletes (1.60, exit 1)', 1, `INFO  : - Path1    File was deleted                    - a.md
ERROR : Safety abort: too many deletes (>25%, 6 of 10) on Path1 "/tmp/bx/a/". Run with --force if desired.
NOTICE: Bisync aborted. Please try again.`, ['max-delete'], { local: 0, cloud: 1 }],
    ['all files changed (1.60, exit 1)', 1, `INFO  : - Path1    File is newer                       - only.md
ERROR : Safety abort: all files were changed on Path1 "/tmp/bx/a/". Run with --force if desired.
NOTICE: Bisync aborted. Please try again.`, ['all-files-changed'], { local: 0, cloud: 0 }],
  ])('a safety stop: %s', (_label, exitCode, log, reasons, pendingDeletes) => {
    expect(parseBisyncOutcome(facts(log, { exitCode }))).toMatchObject({ kind: 'safety-stop', reasons, pendingDeletes });
  });

  it('a check-access failure is a safety stop even though rclone also dropped its listings', () => {
    const log = `ERROR : Access test failed: Path1 count 0, Path2 count 0 - RCLONE_TEST
ERROR : Bisync critical error: check file check failed
ERROR : Bisync aborted. Must run --resync to recover.`;
    expect(parseBisyncOutcome(facts(log, { exitCode: 2, listings: 'failed' }))).toMatchObject({ kind: 'safety-stop', reasons: ['check-access'] });
  });

  it.each([
    ['1.60 Ctrl-C', 2, 'NOTICE: Bisync interrupted. Must run --resync to recover.', 'failed', 'interrupted'],
    ['empty listing', 2, 'ERROR : Empty prior Path1 listing. Cannot sync to an empty directory: /w/x.path1.lst\nERROR : Bisync aborted. Must run --resync to recover.', 'failed', 'empty-listing'],
    ['filters changed', 2, 'ERROR : Bisync critical error: filters file has changed (must run --resync)', 'failed', 'filters-changed'],
    ['1.69+ critical abort (exit 7)', 7, 'ERROR : Bisync critical error: something broke\nERROR : Bisync aborted. Must run --resync to recover.', 'failed', 'critical-error'],
    ['no listings at all', 2, 'ERROR : Bisync critical error: cannot find prior Path1 or Path2 listings, likely due to critical error on prior run', 'missing', 'missing-listings'],
  ] as const)('needs a baseline after %s, read from the listings', (_label, exitCode, log, listings, reason) => {
    expect(parseBisyncOutcome(facts(log, { exitCode, listings }))).toMatchObject({ kind: 'needs-baseline', reason });
  });

  it('a critical exit with listings intact (--resilient) is a retryable failure, not a lockout', () => {
    const log = 'ERROR : Bisync critical error: connection refused\nERROR : Bisync aborted. Error is retryable without --resync due to --resilient mode.';
    expect(parseBisyncOutcome(facts(log, { exitCode: 7 }))).toEqual({ kind: 'failed', transient: true, detail: 'Bisync aborted. Error is retryable without --resync due to --resilient mode.' });
  });

  it('a lock held by another rclone', () => {
    const log = '2026/11/28 05:48:30 Failed to bisync: prior lock file found: /tmp/bx/w/tmp_bx_a..tmp_bx_b.lck';
    expect(parseBisyncOutcome(facts(log, { exitCode: 1 }))).toEqual({ kind: 'lock-held', detail: 'prior lock file found: /tmp/bx/w/tmp_bx_a..tmp_bx_b.lck' });
  });

  it('ignores terminal colours', () => {
    const coloured = SYNC_160.replace('File is new ', '\x1b[32mFile is new\x1b[0m ');
    expect(parseBisyncOutcome(facts(coloured))).toEqual(parseBisyncOutcome(facts(SYNC_160)));
  });
});

// 1.66+ (cmd/bisync/deltas.go): a file changed on both sides is compared before any rename.
const EQUAL_175 = `NOTICE: - !WARNING  New or changed in both paths       - same.md
INFO  : Files are equal! Skipping: same.md
NOTICE: - !WARNING  New or changed in both paths       - touched.md
INFO  : touched.md: Files are equal but will copy anyway to update modtime (will not rename)
NOTICE: - Path2    Queue copy to Path1                 - /tmp/bx/a/touched.md
NOTICE: - !WARNING  New or changed in both paths       - dir
INFO  : This is a directory, not a file. Skipping equality check and will not rename: dir
NOTICE: - !WARNING  New or changed in both paths       - real.md
INFO  : real.md: The winner is: Path2
NOTICE: - Path1    Renaming Path1 copy                 - /tmp/bx/a/real.md.conflict1
INFO  : Bisync successful`;

describe('parseBisyncOutcome: what counts as a conflict (B2, B6)', () => {
  it('"files are equal (will not rename)" and directories are not conflicts; only the renamed one is', () => {
    expect(parseBisyncOutcome(facts(EQUAL_175))).toMatchObject({ kind: 'ok', conflicts: [{ path: 'real.md', copies: ['real.md.conflict1'], winner: 'cloud' }] });
  });

  it('a note new on both sides with equal content (1.75 after a conflict it resolved) is neither a conflict nor a change', () => {
    const log = `INFO  : - Path1    File is new               - plan.md
INFO  : - Path2    File is new               - plan.md
INFO  : - Path2    File is new               - other.md
NOTICE: - WARNING  New or changed in both paths       - plan.md
INFO  : Files are equal! Skipping: plan.md
INFO  : Bisync successful`;
    expect(parseBisyncOutcome(facts(log))).toEqual({ kind: 'ok', conflicts: [], changes: { toCloud: [], toLocal: [{ path: 'other.md', action: 'new' }] } });
  });

  it('copies named with the extension last (1.66+ with --suffix-keep-extension) belong to the conflict logged before them', () => {
    const log = `NOTICE: - !WARNING  New or changed in both paths       - notes/plan.md
NOTICE: - Path1    Renaming Path1 copy                 - /tmp/bx/a/notes/plan.conflict-20261129-134601-1.md
NOTICE: - Path1    Queue copy to Path2                 - remote:bucket/notes/plan.conflict-20261129-134601-1.md
NOTICE: - Path2    Renaming Path2 copy                 - remote:bucket/notes/plan.conflict-20261129-134601-2.md
NOTICE: - Path2    Queue copy to Path1                 - /tmp/bx/a/notes/plan.conflict-20261129-134601-2.md
NOTICE: - !WARNING  New or changed in both paths       - todo.md
INFO  : todo.md: The winner is: Path1
NOTICE: - Path2    Renaming Path2 copy                 - remote:bucket/todo.conflict-20261129-134601-1.md
INFO  : Bisync successful`;
    expect(parseBisyncOutcome(facts(log))).toMatchObject({
      kind: 'ok',
      conflicts: [
        { path: 'notes/plan.md', copies: ['notes/plan.conflict-20261129-134601-1.md', 'notes/plan.conflict-20261129-134601-2.md'], winner: undefined },
        { path: 'todo.md', copies: ['todo.conflict-20261129-134601-1.md'], winner: 'local' },
      ],
    });
  });

  it('an NFC name and its NFD copy are one conflict with its copy named', () => {
    const nfc = 'café.md'.normalize('NFC');
    const nfd = 'café.md'.normalize('NFD');
    const log = `NOTICE: - !WARNING  New or changed in both paths       - ${nfc}
INFO  : ${nfd}: The winner is: Path2
NOTICE: - Path1    Renaming Path1 copy                 - /tmp/bx/a/${nfd}.conflict1
INFO  : Bisync successful`;
    expect(parseBisyncOutcome(facts(log))).toMatchObject({ kind: 'ok', conflicts: [{ path: nfc, copies: [`${nfd}.conflict1`], winner: 'cloud' }] });
  });
});

it('B5: an empty side with listings kept (1.64+ --resilient) is a safety stop (exit 5), not a retryable failure', () => {
  const log = 'ERROR : Empty current Path2 listing. Cannot sync to an empty directory: remote:bucket\nNOTICE: Failed to bisync: bisync aborted';
  expect(parseBisyncOutcome(facts(log, { exitCode: 1 }))).toMatchObject({ kind: 'safety-stop', reasons: ['empty-side'] });
});
