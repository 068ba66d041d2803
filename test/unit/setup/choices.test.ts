import { describe, expect, it } from 'vitest';
import { credentialIdFor, credentialsReplacedBy, defaultChoices } from '../../../src/setup/choices.js';
import type { TenantState } from '../../../src/core/tenant-state.js';
import type { CredentialSummary } from '../../../src/api/types.js';

const settings = { mountProfile: 'fast', bisyncProfile: 'safe' } as const;
const previous = { tenantId: 't1', mode: 'mount', localPath: '/notes/t1' } as TenantState;
const base = { previous: undefined, tenantId: 't1', settings, platform: 'linux' as const, homeDir: '/home/ada', cwd: '/work' };

describe('defaultChoices', () => {
  it.each([
    { name: 'nothing given: bisync in ~/basic-memory-<tenant> with the bisync profile', input: { ...base, flags: {} }, expected: { mode: 'bisync', profile: 'safe', localPath: '/home/ada/basic-memory-t1' } },
    { name: 'mount mode takes the mount profile', input: { ...base, flags: { mode: 'mount' as const } }, expected: { mode: 'mount', profile: 'fast', localPath: '/home/ada/basic-memory-t1' } },
    { name: 'a re-run keeps the earlier mode and folder', input: { ...base, previous, flags: {} }, expected: { mode: 'mount', profile: 'fast', localPath: '/notes/t1' } },
    { name: 'flags beat the earlier setup', input: { ...base, previous, flags: { mode: 'bisync' as const, profile: 'balanced', path: '~/n' } }, expected: { mode: 'bisync', profile: 'balanced', localPath: '/home/ada/n' } },
    { name: 'another tenant\'s earlier setup is not reused', input: { ...base, previous: { ...previous, tenantId: 't0' }, flags: {} }, expected: { mode: 'bisync', profile: 'safe', localPath: '/home/ada/basic-memory-t1' } },
  ])('$name', ({ input, expected }) => {
    expect(defaultChoices(input)).toEqual(expected);
  });

  it('rejects an unknown profile as bad usage', () => {
    expect(() => defaultChoices({ ...base, flags: { profile: 'turbo' } })).toThrow(/Unknown profile/);
  });
});

describe('credentials a re-run replaces', () => {
  const listed: CredentialSummary[] = [
    { id: 'a', access_key: 'tid_old', description: null, created_at: '', last_used_at: null },
    { id: 'b', access_key: 'tid_new', description: null, created_at: '', last_used_at: null },
    { id: 'c', access_key: 'tid_laptop2', description: null, created_at: '', last_used_at: null },
  ];

  it('revokes only the key the old remote held', () => {
    expect(credentialsReplacedBy(listed, 'tid_new', 'tid_old').map((c) => c.id)).toEqual(['a']);
  });

  it('revokes nothing on a first setup or when the key did not change', () => {
    expect(credentialsReplacedBy(listed, 'tid_new', undefined)).toEqual([]);
    expect(credentialsReplacedBy(listed, 'tid_new', 'tid_new')).toEqual([]);
  });

  it('finds a credential id by its access key, since the create answer has none', () => {
    expect(credentialIdFor(listed, 'tid_new')).toBe('b');
    expect(credentialIdFor(listed, 'tid_gone')).toBeNull();
  });
});
