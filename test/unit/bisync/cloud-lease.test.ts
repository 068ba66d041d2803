import { describe, expect, it, vi } from 'vitest';
import { CliError } from '../../../src/core/errors.js';
import { acquireCloudLease, holderHost, LEASE_TTL_MS, leaseHolder, liveOtherHolders, reportingWaits, type LeaseMarker, type LeaseStore } from '../../../src/bisync/cloud-lease.js';

/** A bucket's lease prefix with its own clock; every request yields first, as a network would. */
class FakeBucket {
  nowMs = 1_000_000;
  readonly markers = new Map<string, number>();
  constructor(private readonly yieldBefore: () => Promise<void> = () => Promise.resolve()) {}

  store(): LeaseStore {
    return {
      write: async (holder) => {
        await this.yieldBefore();
        this.markers.set(holder, this.nowMs);
      },
      list: async () => {
        await this.yieldBefore();
        return [...this.markers].map(([holder, modifiedMs]): LeaseMarker => ({ holder, modifiedMs }));
      },
      remove: async (holder) => {
        await this.yieldBefore();
        this.markers.delete(holder);
      },
    };
  }
}

/** A clock the test moves: each sleep advances it (and the bucket's) instead of waiting. */
function virtualTime(bucket: FakeBucket) {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms: number) => {
      now += ms;
      bucket.nowMs += ms;
      return Promise.resolve();
    },
  };
}

describe('leaseHolder', () => {
  it('is readable, distinct per folder and stable', () => {
    const a = leaseHolder('Ana\'s MacBook Pro', '/Users/ana/notes');
    expect(a).toMatch(/^ana-s-macbook-pro\.[0-9a-f]{10}$/);
    expect(leaseHolder('Ana\'s MacBook Pro', '/Users/ana/notes')).toBe(a);
    expect(leaseHolder('Ana\'s MacBook Pro', '/Users/ana/other')).not.toBe(a);
    expect(holderHost(a)).toBe('ana-s-macbook-pro');
    expect(leaseHolder('…', '/x')).toMatch(/^machine\./);
  });
});

describe('liveOtherHolders', () => {
  const mine = { holder: 'me', modifiedMs: 500_000 };
  it.each([
    ['nobody else', [mine], []],
    ['a live other', [mine, { holder: 'b', modifiedMs: 499_000 }], ['b']],
    ['an other written after ours', [mine, { holder: 'b', modifiedMs: 501_000 }], ['b']],
    ['a crash\'s marker, older than the TTL', [mine, { holder: 'b', modifiedMs: 500_000 - LEASE_TTL_MS }], []],
  ])('%s', (_label, markers, expected) => {
    expect(liveOtherHolders(markers, 'me')?.map((marker) => marker.holder)).toEqual(expected);
  });

  it('cannot judge without our own marker in the listing', () => {
    expect(liveOtherHolders([{ holder: 'b', modifiedMs: 1 }], 'me')).toBeUndefined();
  });
});

describe('acquireCloudLease', () => {
  const options = (holder: string, clock: ReturnType<typeof virtualTime>, extra: Partial<Parameters<typeof acquireCloudLease>[1]> = {}) => ({
    holder,
    stopping: () => false,
    onWaiting: () => undefined,
    ...clock,
    random: () => 0.5,
    ...extra,
  });

  it('is taken at once when no other machine holds it, and leaves no marker once released', async () => {
    const bucket = new FakeBucket();
    const lease = await acquireCloudLease(bucket.store(), options('a', virtualTime(bucket)));
    expect([...bucket.markers.keys()]).toEqual(['a']);
    await lease.release();
    expect(bucket.markers.size).toBe(0);
  });

  it('waits while another machine holds it, says so once, and takes it when that machine is done', async () => {
    const bucket = new FakeBucket();
    bucket.markers.set('laptop.0123456789', bucket.nowMs);
    const clock = virtualTime(bucket);
    const waiting: string[] = [];
    let sleeps = 0;
    const lease = await acquireCloudLease(bucket.store(), options('a', clock, {
      onWaiting: (host) => waiting.push(host),
      sleep: async (ms) => {
        sleeps += 1;
        await clock.sleep(ms);
        bucket.markers.set('laptop.0123456789', bucket.nowMs); // renewed while it syncs
        if (sleeps === 20) bucket.markers.delete('laptop.0123456789');
      },
    }));
    expect(sleeps).toBe(20);
    expect(waiting).toEqual(['laptop']);
    expect([...bucket.markers.keys()]).toEqual(['a']);
    await lease.release();
  });

  it('goes on past a marker a crashed machine left, once it is older than the TTL', async () => {
    const bucket = new FakeBucket();
    bucket.markers.set('crashed.0123456789', bucket.nowMs - LEASE_TTL_MS - 1);
    const lease = await acquireCloudLease(bucket.store(), options('a', virtualTime(bucket)));
    expect(bucket.markers.has('a')).toBe(true);
    await lease.release();
  });

  it('gives up after the longest wait with one sentence (exit 1), its marker taken back', async () => {
    const bucket = new FakeBucket();
    bucket.markers.set('desktop.0123456789', bucket.nowMs);
    const clock = virtualTime(bucket);
    const error = await acquireCloudLease(bucket.store(), options('a', clock, {
      maxWaitMs: 10_000,
      sleep: async (ms) => {
        await clock.sleep(ms);
        bucket.markers.set('desktop.0123456789', bucket.nowMs);
      },
    })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe('Another machine (desktop) has been syncing these notes for over 10 seconds, so this sync did not start.');
    expect((error as CliError).exitCode).toBe(1);
    expect(bucket.markers.has('a')).toBe(false);
  });

  it('stops waiting on Ctrl-C (exit 130) and leaves no marker', async () => {
    const bucket = new FakeBucket();
    bucket.markers.set('desktop.0123456789', bucket.nowMs);
    let stopping = false;
    const clock = virtualTime(bucket);
    const error = await acquireCloudLease(bucket.store(), options('a', clock, {
      stopping: () => stopping,
      sleep: async (ms) => {
        await clock.sleep(ms);
        stopping = true;
      },
    })).catch((caught: unknown) => caught);
    expect((error as CliError).exitCode).toBe(130);
    expect(bucket.markers.has('a')).toBe(false);
  });

  it('takes its marker back when the listing fails (Ctrl-C, a storage that stopped answering)', async () => {
    const bucket = new FakeBucket();
    const store = bucket.store();
    const failing: LeaseStore = { ...store, list: () => Promise.reject(new Error('The operation was aborted')) };
    await expect(acquireCloudLease(failing, options('a', virtualTime(bucket)))).rejects.toThrow('aborted');
    expect(bucket.markers.size).toBe(0);
  });

  it('never lets two machines hold it at once, however their requests interleave', async () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      let state = seed;
      const random = () => {
        state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
        return state / 2 ** 31;
      };
      // Each request yields a random number of turns, so the machines' steps interleave differently per seed.
      const bucket = new FakeBucket(async () => {
        for (let turn = Math.floor(random() * 4); turn > 0; turn -= 1) await Promise.resolve();
      });
      let holders = 0;
      let most = 0;
      const machine = async (holder: string) => {
        for (let round = 0; round < 3; round += 1) {
          const lease = await acquireCloudLease(bucket.store(), { holder, stopping: () => false, onWaiting: () => undefined, random, sleep: async () => {
            for (let turn = Math.floor(random() * 6); turn >= 0; turn -= 1) await Promise.resolve();
          } });
          holders += 1;
          most = Math.max(most, holders);
          for (let turn = Math.floor(random() * 5); turn >= 0; turn -= 1) await Promise.resolve();
          holders -= 1;
          await lease.release();
        }
      };
      await Promise.all([machine('a'), machine('b'), machine('c')]);
      expect(most, `seed ${seed}`).toBe(1);
      expect(bucket.markers.size).toBe(0);
    }
  });
});

describe('reportingWaits', () => {
  it('tells every second how long a request in flight has taken, and stops once it answered', async () => {
    vi.useFakeTimers();
    try {
      let answer: () => void = () => undefined;
      const slow: LeaseStore = { write: () => new Promise<void>((resolve) => (answer = resolve)), list: () => Promise.resolve([]), remove: () => Promise.resolve() };
      const told: number[] = [];
      const writing = reportingWaits(slow, (elapsedMs) => told.push(Math.round(elapsedMs / 1000))).write('a');
      await vi.advanceTimersByTimeAsync(3_500);
      answer();
      await writing;
      await vi.advanceTimersByTimeAsync(5_000);
      expect(told).toEqual([1, 2, 3]);
    } finally {
      vi.useRealTimers();
    }
  });
});
