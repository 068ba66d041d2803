import { describe, expect, it } from 'vitest';
import { shortTenantId } from '../../../src/core/tenant-state.js';

describe('shortTenantId (tenant ids as people read them)', () => {
  it.each([
    ['8e34d184-7a3d-4763-a9f6-bbd63bcae620', '8e34d184'],
    ['8E34D184-7A3D-4763-A9F6-BBD63BCAE620', '8E34D184'],
    ['t1', 't1'],
    ['acme-notes', 'acme-notes'],
  ])('%s → %s', (id, short) => {
    expect(shortTenantId(id)).toBe(short);
  });
});
