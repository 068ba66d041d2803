import { describe, expect, it } from 'vitest';
import { parseBisyncOutcome } from '../../../src/bisync/outcome.js';
import { loadBisyncProfiles } from '../../../src/bisync/profiles.js';
import { deleteStopAdvice, deletesToApply, profileAllowing } from '../../../src/bisync/safety-advice.js';

const profiles = loadBisyncProfiles();
const roots = { localPath: '/home/me/notes', remotePath: 'bm:bucket' };

describe('safety-stop advice names a command that allows the deletion', () => {
  it.each([
    [5, 'safe'],
    [10, 'safe'],
    [20, 'balanced'],
    [50, 'fast'],
    [51, undefined],
    [90, undefined],
  ])('%i%% → %s', (percent, name) => {
    expect(profileAllowing(percent, profiles)?.name).toBe(name);
  });

  it('reads the share per side from rclone\'s safety abort', () => {
    const log = `INFO  : - Path1    File was deleted                    - a.md
ERROR : Safety abort: too many deletes (>25%, 9 of 10) on Path1 "/tmp/bx/a/". Run with --force if desired.`;
    expect(parseBisyncOutcome({ exitCode: 1, signal: undefined, log, listings: 'present', localRoot: '/tmp/bx/a', remoteRoot: 'r:b' })).toMatchObject({ deleteShares: [{ deletedOn: 'local', percent: 90 }] });
  });

  it('30% of the folder deleted under balanced: the fast profile, which allows 50%', () => {
    expect(deleteStopAdvice({ shares: [{ deletedOn: 'local', percent: 30 }], profiles, apply: [], rclone: ['rclone'] })).toContain('`basic-memory cloud bisync --profile fast` (it allows 50%)');
  });

  it('90% of the folder deleted: no profile allows it, so rclone deletes the listed files in the cloud, then a baseline', () => {
    const changes = { toCloud: [{ path: 'a b.md', action: 'deleted' as const }, { path: 'kept.md', action: 'changed' as const }], toLocal: [] };
    const apply = deletesToApply([{ deletedOn: 'local', percent: 90 }], changes, roots, '/state/w');
    expect(apply).toEqual([{ deletedOn: 'local', otherSide: 'bm:bucket', listFile: '/state/w/deleted-here.txt', files: ['a b.md'] }]);
    const advice = deleteStopAdvice({ shares: [{ deletedOn: 'local', percent: 90 }], profiles, apply, rclone: ['/usr/bin/rclone', '--ca-cert', '/etc/my ca.pem'] });
    expect(advice).toContain("`/usr/bin/rclone --ca-cert '/etc/my ca.pem' delete bm:bucket --files-from /state/w/deleted-here.txt`");
    expect(advice).toContain('then run `basic-memory cloud bisync --resync`');
    expect(advice).not.toContain('--profile');
  });

  it('90% deleted in the cloud: the listed files are deleted in the folder', () => {
    const changes = { toCloud: [], toLocal: [{ path: 'x.md', action: 'deleted' as const }] };
    const apply = deletesToApply([{ deletedOn: 'cloud', percent: 90 }], changes, roots, '/state/w');
    expect(deleteStopAdvice({ shares: [{ deletedOn: 'cloud', percent: 90 }], profiles, apply, rclone: ['rclone'] })).toContain('`rclone delete /home/me/notes --files-from /state/w/deleted-in-the-cloud.txt`');
  });
});
