import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLocalPath, remoteNameFor, resolveStateDir, statePaths } from '../../../src/core/paths.js';

describe('state paths', () => {
  it('uses ~/.basic-memory unless BASIC_MEMORY_CONFIG_DIR says otherwise', () => {
    expect(resolveStateDir({}, '/home/ada')).toBe(path.join('/home/ada', '.basic-memory'));
    expect(resolveStateDir({ BASIC_MEMORY_CONFIG_DIR: '/srv/bm' }, '/home/ada')).toBe('/srv/bm');
    expect(resolveStateDir({ BASIC_MEMORY_CONFIG_DIR: '  ' }, '/home/ada')).toBe(path.join('/home/ada', '.basic-memory'));
  });

  it('names the remote and folder after the tenant as the contract says', () => {
    expect(remoteNameFor('t1')).toBe('basic-memory-t1');
    expect(defaultLocalPath('/home/ada', 't1')).toBe(path.join('/home/ada', 'basic-memory-t1'));
  });

  it('keeps every per-tenant file inside the state dir and apart from other tenants', () => {
    const paths = statePaths('/s');
    const files = [paths.bisyncState, paths.bisyncLock, paths.watchPid, paths.mountState, paths.mountLog, paths.bisyncWorkdir, paths.mountCacheDir];
    for (const file of files) {
      expect(file('a').startsWith('/s/')).toBe(true);
      expect(file('a')).not.toBe(file('b'));
    }
    expect(new Set(files.map((file) => file('a'))).size).toBe(files.length);
  });
});
