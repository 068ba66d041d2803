import { describe, expect, it } from 'vitest';
import { isBisyncCli, isBisyncRclone, orphanedRclones, splitCommandLine, stillHoldsLock } from '../../../src/bisync/orphans.js';
import { describeReport } from '../../../src/bisync/report.js';

const rcloneOn = (workdir: string) => ['/usr/bin/rclone', '--ca-cert', '/c.pem', 'bisync', '/home/me/notes', 'bm:bucket', '--workdir', workdir, '--verbose'];
const cli = ['/usr/bin/node', '/usr/lib/node_modules/basic-memory-cloud/bin/basic-memory.js', 'cloud', 'bisync', '--watch'];

describe('whose process is it (B1, B7)', () => {
  it.each([
    ['our CLI running bisync', 'cli', cli, true],
    ['the CLI through its shim', 'cli', ['basic-memory', 'cloud', 'bisync'], true],
    ['a reused pid: sleep', 'cli', ['sleep', '120'], false],
    ['our CLI doing something else', 'cli', ['node', '/x/bin/basic-memory.js', 'cloud', 'mount'], false],
    ['rclone bisync holding rclone\'s lock', 'rclone', rcloneOn('/w'), true],
    ['rclone mount on a reused pid', 'rclone', ['rclone', 'mount', 'bm:bucket', '/mnt'], false],
    ['an unreadable command line counts as holding', 'rclone', undefined, true],
  ] as const)('%s', (_name, owner, args, holds) => {
    expect(stillHoldsLock(owner, args === undefined ? undefined : [...args])).toBe(holds);
  });

  it('orphans are rclone bisyncs on our workdir only, never ourselves', () => {
    const processes = [
      { pid: 10, args: rcloneOn('/state/bisync/t1') },
      { pid: 11, args: rcloneOn('/state/bisync/t2') },
      { pid: 12, args: ['rclone', 'bisync', 'a', 'b', '--workdir=/state/bisync/t1'] },
      { pid: 13, args: cli },
    ];
    expect(orphanedRclones(processes, '/state/bisync/t1', 12)).toEqual([10]);
    expect(isBisyncRclone(['C:\\rclone\\rclone.exe', 'bisync', 'a', 'b'])).toBe(true);
    expect(isBisyncCli(['node', 'x.js', 'bisync'])).toBe(false);
  });

  it('splits ps and Windows command lines, keeping quoted paths whole', () => {
    expect(splitCommandLine('"C:\\Program Files\\rclone.exe" bisync --workdir "C:\\my dir"')).toEqual(['C:\\Program Files\\rclone.exe', 'bisync', '--workdir', 'C:\\my dir']);
  });
});

describe('a conflict rclone named no copy for (B6)', () => {
  it('never prints "kept:" with nothing after it', () => {
    const outcome = { kind: 'ok' as const, changes: { toCloud: [], toLocal: [] }, conflicts: [{ path: 'café.md', copies: [], winner: undefined }] };
    const lines = describeReport({
      plan: { mode: 'sync' }, outcome, interrupted: false, notes: [],
      record: { startedAt: 'a', finishedAt: 'b', durationMs: 1, profile: 'balanced', localPath: '/n', mode: 'sync', why: undefined, result: 'ok', safetyReasons: [], detail: undefined, changes: outcome.changes, conflicts: outcome.conflicts },
    }, { dryRun: false, maxDeletePercent: 25 });
    expect(lines.conflicts.join('\n')).not.toMatch(/kept:\s*$/m);
  });
});
