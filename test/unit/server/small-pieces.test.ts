import { describe, expect, it } from 'vitest';
import { normalizeUserCode } from '../../../src/server/auth/device-flow.js';
import { parseDurationSeconds } from '../../../src/server/duration.js';
import { bucketScopedPolicy } from '../../../src/server/storage/bucket-policy.js';
import { lastUsedRecorder } from '../../../src/server/tenants/last-used.js';
import type { CredentialRepository } from '../../../src/server/db/credentials.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    ['7d', 604800],
    ['0', undefined],
    ['1.5h', undefined],
    ['soon', undefined],
  ])('%s → %s', (input, expected) => {
    expect(parseDurationSeconds(input)).toBe(expected);
  });
});

describe('normalizeUserCode', () => {
  it.each([
    ['BCDF-GHJK', 'BCDF-GHJK'],
    ['bcdfghjk', 'BCDF-GHJK'],
    [' bcdf ghjk ', 'BCDF-GHJK'],
    ['BCD', 'BCD'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeUserCode(input)).toBe(expected);
  });
});

describe('bucketScopedPolicy', () => {
  it('grants the four actions on the bucket and its objects only', () => {
    expect(JSON.parse(bucketScopedPolicy('basic-memory-t1'))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'],
          Resource: ['arn:aws:s3:::basic-memory-t1', 'arn:aws:s3:::basic-memory-t1/*'],
        },
      ],
    });
  });
});

describe('lastUsedRecorder', () => {
  it('writes a key’s last use at most once a minute', () => {
    const writes: [string, string][] = [];
    const repository = { touchLastUsed: (key: string, at: string) => writes.push([key, at]) } as unknown as CredentialRepository;
    let now = Date.parse('2025-01-01T00:00:00Z');
    const record = lastUsedRecorder(repository, () => now);
    record('tid_a');
    record('tid_a');
    record('tid_b');
    now += 60_000;
    record('tid_a');
    expect(writes).toEqual([
      ['tid_a', '2025-01-01T00:00:00.000Z'],
      ['tid_b', '2025-01-01T00:00:00.000Z'],
      ['tid_a', '2025-01-01T00:01:00.000Z'],
    ]);
  });
});
