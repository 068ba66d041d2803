import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CRUISER = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** dependency-cruiser with the repo's layer rules over `<cwd>/src`: the violations it finds. */
async function violationsIn(cwd: string): Promise<Violation[]> {
  const result = await execa(process.execPath, [CRUISER, 'src', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd, reject: false });
  const report = JSON.parse(result.stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations;
}

describe('layers of src/', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('has no import circle and no import from a lower layer to a higher one', async () => {
    const violations = await violationsIn(ROOT);
    expect(violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`)).toEqual([]);
  }, 60_000);

  it('catches each kind of wrong import, and lets core/command.ts name the types of the layers above', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'layers-'));
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
      // The api client reaching into the CLI context: a circle and an upward import.
      'src/api/client.ts': "import { context } from '../cli/context.js';\nexport const client = () => context;\n",
      'src/cli/context.ts': "import { client } from '../api/client.js';\nexport const context = 1;\nexport const api = client;\n",
      'src/api/types.ts': 'export interface ApiClient { baseUrl: string }\n',
      // A feature taking its options type from the wiring file.
      'src/bisync/commands.ts': "import type { Flags } from '../cli/program.js';\nexport const bisync = (flags: Flags) => flags;\n",
      'src/cli/program.ts': 'export interface Flags { watch: boolean }\n',
      // core loading a layer above it.
      'src/core/settings.ts': "import { createRclone } from '../rclone/runner.js';\nexport const rclone = createRclone;\n",
      'src/rclone/runner.ts': 'export const createRclone = () => 1;\n',
      // core/command.ts: a type from above is fine, a value is not.
      'src/core/command.ts': "import type { ApiClient } from '../api/types.js';\nimport { createRclone } from '../rclone/runner.js';\nexport const rclone = createRclone;\nexport type Api = ApiClient;\n",
      // setup running the bisync command handler.
      'src/setup/command.ts': "import { bisyncCommand } from '../bisync/definitions.js';\nexport const run = bisyncCommand;\n",
      'src/bisync/definitions.ts': 'export const bisyncCommand = 1;\n',
      // The server may borrow the mount supervisor, and nothing else of the CLI.
      'src/server/container.ts': "import { startMount } from '../mount/supervisor.js';\nimport { bisyncCommand } from '../bisync/definitions.js';\nexport const both = [startMount, bisyncCommand];\n",
      'src/mount/supervisor.ts': 'export const startMount = 1;\n',
    };
    for (const [file, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await fs.writeFile(path.join(dir, file), text);
    }
    const violations = await violationsIn(dir);
    expect(violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`).sort()).toEqual([
      'api-above-core-only: src/api/client.ts → src/cli/context.ts',
      'command-imports-types-only: src/core/command.ts → src/rclone/runner.ts',
      'core-is-the-bottom: src/core/settings.ts → src/rclone/runner.ts',
      'features-below-cli: src/bisync/commands.ts → src/cli/program.ts',
      'no-circular: src/api/client.ts → src/cli/context.ts',
      'no-feature-imports-another-features-commands: src/setup/command.ts → src/bisync/definitions.ts',
      'server-is-its-own-program: src/server/container.ts → src/bisync/definitions.ts',
    ]);
  }, 60_000);
});
