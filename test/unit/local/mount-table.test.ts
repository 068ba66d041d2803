import { describe, expect, it } from 'vitest';
import { parseMacMountOutput, parseMountinfo } from '../../../src/local/mount-table.js';

describe('mount tables', () => {
  it('reads /proc/self/mountinfo: mount point (escapes decoded) and fs type after the separator', () => {
    const text = [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '612 22 0:57 / /home/u/basic-memory-t1 rw,nosuid,nodev,relatime shared:300 - fuse.rclone basic-memory-t1:bucket rw,user_id=0,group_id=0',
      '613 22 0:58 / /home/u/my\\040notes rw - fuse.rclone other:b rw',
    ].join('\n');
    expect(parseMountinfo(text)).toEqual([
      { mountPoint: '/', fsType: 'ext4' },
      { mountPoint: '/home/u/basic-memory-t1', fsType: 'fuse.rclone' },
      { mountPoint: '/home/u/my notes', fsType: 'fuse.rclone' },
    ]);
  });

  it('reads macOS `mount` output', () => {
    const text = [
      '/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)',
      'localhost:/basic-memory-t1 on /Users/u/basic-memory t1 (nfs, nodev, nosuid, mounted by u)',
    ].join('\n');
    expect(parseMacMountOutput(text)).toEqual([
      { mountPoint: '/', fsType: 'apfs' },
      { mountPoint: '/Users/u/basic-memory t1', fsType: 'nfs' },
    ]);
  });
});
