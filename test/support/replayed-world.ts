import { afterEach, beforeEach, vi } from 'vitest';
import { createWorld, type RcloneWorld, type WorldMode } from './fake-rclone.js';
import { SCENARIO_CLOCK_MS } from './rclone-scenarios.js';

/**
 * For a test file on replayed rclone: each test's world is removed after it, and the CLI's clock is
 * the one the recordings were made with (conflict copies carry it in their names).
 */
export function useReplayedWorlds(): { create(mode: WorldMode): Promise<RcloneWorld>; current(): RcloneWorld } {
  let world: RcloneWorld | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(SCENARIO_CLOCK_MS);
  });
  afterEach(async () => {
    vi.useRealTimers();
    await world?.cleanup();
    world = undefined;
  });
  return {
    async create(mode) {
      world = await createWorld(mode);
      return world;
    },
    current() {
      if (!world) throw new Error('no world created in this test');
      return world;
    },
  };
}
