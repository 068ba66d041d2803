import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../../src/core/command.js';
import type { ApiClient } from '../../src/api/types.js';
import type { Output } from '../../src/core/output.js';
import { statePaths, type StatePaths } from '../../src/core/paths.js';
import { resolveSettings } from '../../src/core/settings.js';
import { writeTenantState, type TenantState } from '../../src/core/tenant-state.js';
import { bisyncSessionName } from '../../src/bisync/args.js';
import { seedFilters } from '../../src/bisync/filters.js';
import type { SyncTarget } from '../../src/bisync/run.js';
import { createRclone, type Rclone } from '../../src/rclone/runner.js';

/** The scripted rclone: a node script that replays (or records) real rclone runs. */
export const FAKE_RCLONE = fileURLToPath(new URL('./fake-rclone/rclone.mjs', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/rclone/', import.meta.url));

/** The rclone versions recorded, as `rclone version` prints them. */
export const RECORDED_VERSIONS = ['1.60.1', '1.75.2'] as const;
export type RecordedVersion = (typeof RECORDED_VERSIONS)[number];

/** The rclone remote the recordings use: a local folder standing in for the bucket. */
const REMOTE_NAME = 'fakecloud';

/**
 * One machine for a scripted rclone: a temp root holding the synced folder (`local`), the "bucket"
 * (`cloud`, a local-backend remote), the CLI's state dir and a home folder.
 */
export interface RcloneWorld {
  root: string;
  homeDir: string;
  localPath: string;
  cloudDir: string;
  paths: StatePaths;
  tenant: TenantState;
  target: SyncTarget;
  rclone: Rclone;
  /** The environment rclone runs with (the scenario dir and the remote's definition). */
  env: NodeJS.ProcessEnv;
  /** Every rclone call so far, paths in placeholder form (`{{ROOT}}`). */
  calls(): Promise<string[][]>;
  /** How many recorded calls were not made (replay): 0 when the CLI ran exactly what real rclone ran. */
  unplayed(): Promise<number>;
  /** A command context on this world, with the given output and API client. */
  context(output: Output, api?: Partial<ApiClient>): CommandContext;
  cleanup(): Promise<void>;
}

export type WorldMode = { replay: string; versionStdout?: string } | { record: { binary: string; out: string } };

/** The fixture file of one scenario recorded on one rclone version. */
export function fixtureFile(version: string, scenario: string): string {
  return path.join(FIXTURES, version, `${scenario}.json`);
}

export async function createWorld(mode: WorldMode): Promise<RcloneWorld> {
  // realpath: macOS's tmpdir is a symlink, and rclone logs resolved paths.
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'bm-fake-rclone-')));
  const scenarioDir = path.join(root, 'scenario');
  const homeDir = path.join(root, 'home');
  const localPath = path.join(root, 'local');
  const cloudDir = path.join(root, 'cloud');
  const paths = statePaths(path.join(root, 'state'));
  await Promise.all([scenarioDir, homeDir, localPath, cloudDir, paths.dir].map((dir) => fs.mkdir(dir, { recursive: true })));
  await seedFilters(paths);
  const tenant: TenantState = {
    tenantId: 't1',
    bucketName: cloudDir,
    remoteName: REMOTE_NAME,
    apiUrl: 'http://127.0.0.1:9',
    endpointUrl: 'http://127.0.0.1:9',
    region: 'auto',
    accessKey: 'tid_this_machine',
    credentialId: null,
    localPath,
    mode: 'bisync',
    updatedAt: new Date(0).toISOString(),
  };
  await writeTenantState(paths, tenant);
  const remotePath = `${REMOTE_NAME}:${cloudDir}`;
  const target: SyncTarget = {
    tenantId: tenant.tenantId,
    localPath,
    remotePath,
    workdir: paths.bisyncWorkdir(tenant.tenantId),
    session: bisyncSessionName(localPath, remotePath),
    filtersFile: paths.bisyncFilters,
    tigris: false,
  };
  // rclone names its listing files after both roots with `/` turned into `_`: both forms are replaced.
  const rootInSessionNames = bisyncSessionName(root, 'x:').split('..')[0] ?? root;
  const scenario = {
    substitutions: [[root, '{{ROOT}}'], [rootInSessionNames, '{{ROOT_}}']],
    watched: [localPath, cloudDir],
    ...('replay' in mode ? { recording: mode.replay, versionStdout: mode.versionStdout } : { record: mode.record }),
  };
  await fs.writeFile(path.join(scenarioDir, 'scenario.json'), JSON.stringify(scenario));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: homeDir,
    FAKE_RCLONE_DIR: scenarioDir,
    RCLONE_CONFIG: path.join(root, 'rclone.conf'),
    [`RCLONE_CONFIG_${REMOTE_NAME.toUpperCase()}_TYPE`]: 'local',
  };
  const rclone = createRclone({ binary: FAKE_RCLONE, env });
  const settings = resolveSettings({ env: {}, flags: {} }).settings;
  return {
    root,
    homeDir,
    localPath,
    cloudDir,
    paths,
    tenant,
    target,
    rclone,
    env,
    async calls() {
      const text = await fs.readFile(path.join(scenarioDir, 'calls.jsonl'), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
    },
    context: (output, api = {}) => ({
      output,
      settings: { ...settings, rclonePath: FAKE_RCLONE },
      paths,
      env,
      platform: 'linux',
      homeDir,
      cwd: root,
      canPrompt: false,
      rclone,
      api: () => Promise.resolve(api as ApiClient),
    }),
    async unplayed() {
      if (!('replay' in mode)) return 0;
      const recording = JSON.parse(await fs.readFile(mode.replay, 'utf8')) as { calls: { stopped?: boolean }[] };
      const cursor = Number(await fs.readFile(path.join(scenarioDir, 'cursor'), 'utf8').catch(() => '0'));
      // A call the CLI stopped when it was recorded may not have begun in the replay.
      return recording.calls.slice(cursor).filter((call) => call.stopped !== true).length;
    },
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
}
