import { describe, expect, it } from 'vitest';
import { summarizeUploads } from '../../../src/mount/rc.js';
import type { MountState } from '../../../src/mount/state.js';
import { describeMountStatus, formatMountStatus, formatUptime, type StatusInputs } from '../../../src/mount/status.js';

const tenant = { tenantId: 't1', bucketName: 'bucket-t1', remoteName: 'basic-memory-t1', remotePath: 'basic-memory-t1:bucket-t1', localPath: '/home/u/bm' };
const state: MountState = {
  pid: 5150,
  mountPoint: '/home/u/bm',
  remotePath: tenant.remotePath,
  profile: 'fast',
  rcloneVersion: 'v1.60.1-DEV',
  startedAt: '2026-01-01T00:00:00.000Z',
  logPath: '/state/mount-t1.log',
  rcAddr: '127.0.0.1:40123',
  rcUser: 'basic-memory',
  rcPass: 'secret-secret-secret',
};
const base: StatusInputs = { tenant, state, osState: 'mounted', processAlive: true, uploads: undefined, now: Date.parse('2026-01-01T01:02:03.000Z') };

describe('describeMountStatus', () => {
  it.each([
    ['mounted and running', { osState: 'mounted', processAlive: true }, 'mounted', null],
    ['nothing recorded, nothing mounted', { state: undefined, osState: 'absent', processAlive: false }, 'not-mounted', null],
    ['rclone killed, mount point left dead', { osState: 'dead', processAlive: false }, 'process-dead', /cloud mount/],
    ['rclone killed, mount gone', { osState: 'absent', processAlive: false }, 'process-dead', /cloud mount/],
    ['rclone runs, mount point does not answer', { osState: 'dead', processAlive: true }, 'mount-dead', /unmount --force/],
    ['rclone runs, nothing mounted', { osState: 'absent', processAlive: true }, 'mount-missing', /cloud unmount/],
  ] as const)('%s → %s', (_label, facts, condition, fix) => {
    const report = describeMountStatus({ ...base, ...facts });
    expect(report.condition).toBe(condition);
    if (fix === null) expect(report.fix).toBeNull();
    else expect(report.fix).toMatch(fix);
  });

  it('reports uptime, profile and version only for a live process, never the rc secret', () => {
    const report = describeMountStatus(base);
    expect(report).toMatchObject({ uptimeSeconds: 3723, profile: 'fast', rcloneVersion: 'v1.60.1-DEV', pid: 5150 });
    expect(JSON.stringify(report)).not.toContain(state.rcPass);
    expect(describeMountStatus({ ...base, processAlive: false, osState: 'absent' }).uptimeSeconds).toBeNull();
    expect(formatMountStatus(report)[2]).toBe('Mounted (rclone pid 5150, v1.60.1-DEV, profile fast, up 1h 2m)');
  });

  it('summarizes rc answers: vfs/stats everywhere, vfs/queue on 1.68+', () => {
    const uploads = summarizeUploads(
      { diskCache: { uploadsQueued: 2, uploadsInProgress: 1, erroredFiles: 0 } },
      { errors: 3, lastError: 'AccessDenied' },
      { queue: [{ name: 'a.md' }, { name: 'b.md' }] },
    );
    expect(uploads).toEqual({ queued: 2, inProgress: 1, erroredFiles: 0, errors: 3, lastError: 'AccessDenied', pending: ['a.md', 'b.md'] });
    expect(summarizeUploads({}, undefined, undefined)).toEqual({ queued: 0, inProgress: 0, erroredFiles: 0, errors: 0, lastError: null, pending: null });
    const lines = formatMountStatus(describeMountStatus({ ...base, uploads }));
    expect(lines).toContain('Uploads: 2 queued, 1 in progress; errors: 3 (last: AccessDenied)');
    expect(lines).toContain('Waiting to upload: a.md, b.md');
  });

  it.each([
    [null, '?'],
    [42, '42s'],
    [125, '2m 5s'],
    [7322, '2h 2m'],
  ])('uptime %s → %s', (seconds, text) => expect(formatUptime(seconds)).toBe(text));
});
