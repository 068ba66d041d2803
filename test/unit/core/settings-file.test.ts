import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSettingsFile } from '../../../src/core/settings.js';
import { CliError, ExitCode } from '../../../src/core/errors.js';

let dir: string;
let project: string;
let stateDir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-settings-'));
  project = path.join(dir, 'project');
  stateDir = path.join(dir, 'state');
  await fs.mkdir(project);
  await fs.mkdir(stateDir);
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('loadSettingsFile', () => {
  it('has nothing to say when there is no settings file', async () => {
    expect(await loadSettingsFile(stateDir, project)).toBeUndefined();
  });

  it('reads <state dir>/config.json', async () => {
    await fs.writeFile(path.join(stateDir, 'config.json'), '{"bisyncProfile": "safe"}');
    expect(await loadSettingsFile(stateDir, project)).toEqual({ bisyncProfile: 'safe' });
  });

  it('prefers a basic-memory rc file in the current folder', async () => {
    await fs.writeFile(path.join(stateDir, 'config.json'), '{"bisyncProfile": "safe"}');
    await fs.writeFile(path.join(project, '.basic-memoryrc.json'), '{"apiUrl": "http://127.0.0.1:8765"}');
    expect(await loadSettingsFile(stateDir, project)).toEqual({ apiUrl: 'http://127.0.0.1:8765' });
  });

  it('stops with exit 2 and the file to fix when it is not valid JSON', async () => {
    await fs.writeFile(path.join(stateDir, 'config.json'), '{"bisyncProfile": ');
    const error = await loadSettingsFile(stateDir, project).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.usage);
  });
});
