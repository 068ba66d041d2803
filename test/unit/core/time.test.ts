import { describe, expect, it } from 'vitest';
import { formatLocalTime } from '../../../src/core/time.js';

describe('formatLocalTime (the one time format of human output)', () => {
  const now = new Date(2026, 10, 29, 13, 50, 0);
  it.each([
    [new Date(2026, 10, 29, 13, 46, 53), '13:46:53'],
    [new Date(2026, 10, 29, 9, 5, 7), '09:05:07'],
    [new Date(2026, 10, 28, 23, 59, 59), '2026-11-28 23:59'],
    [new Date(2025, 0, 2, 3, 4, 5), '2025-01-02 03:04'],
  ])('%s → %s', (moment, text) => {
    expect(formatLocalTime(moment, now)).toBe(text);
  });

  it('reads ISO timestamps from state files and leaves an unreadable one as it is', () => {
    expect(formatLocalTime(new Date(2026, 10, 29, 13, 46, 53).toISOString(), now)).toBe('13:46:53');
    expect(formatLocalTime('not a time', now)).toBe('not a time');
  });
});
