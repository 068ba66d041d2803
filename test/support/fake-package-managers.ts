import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Fake package managers for the installer's tests: small programs on a temp PATH that record their
 * argv and "install" a fake rclone printing a chosen version. The installer is the one place a fake
 * rclone is right, since what is under test is how we drive the package managers.
 */
export interface FakeManager {
  /** File name on PATH (`brew`, `apt-get`, `winget.exe`, …). */
  file: string;
  /** Exit code of every call (default 0). */
  exitCode?: number;
  /** Exit code while no index refresh (`apt-get update`) has run: a fresh machine's apt. */
  exitCodeBeforeRefresh?: number;
  stderr?: string;
  /** On success, writes `<installDir>/<rcloneFile>` printing `rclone v<installs>`. */
  installs?: string;
  /** Printed on stdout (e.g. the `reg query` answer); `{installDir}` becomes the install folder. */
  stdout?: string;
}

export interface FakeCall {
  program: string;
  argv: string[];
}

export interface FakeMachine {
  /** The folder holding the fake package managers (put it on PATH). */
  binDir: string;
  /** Where the fake managers put rclone (on PATH or not, as the test decides). */
  installDir: string;
  calls(): Promise<FakeCall[]>;
  /** Places an rclone already there, printing `rclone v<version>`. */
  placeRclone(version: string, dir?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function makeFakeMachine(managers: FakeManager[], options: { rcloneFile?: string; sudo?: boolean } = {}): Promise<FakeMachine> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-fake-pm-'));
  const binDir = path.join(root, 'bin');
  const installDir = path.join(root, 'installed');
  const log = path.join(root, 'calls.jsonl');
  const refreshed = path.join(root, 'refreshed');
  const rcloneFile = options.rcloneFile ?? 'rclone';
  await fs.mkdir(binDir);
  await fs.mkdir(installDir);

  const placeRclone = async (version: string, dir = installDir) => {
    const file = path.join(dir, rcloneFile);
    // Shell builtins only: the fake must run whatever PATH the test gives it.
    await fs.writeFile(file, `#!/bin/sh\necho "rclone v${version}"\necho "- os/version: fake"\n`, { mode: 0o755 });
    return file;
  };

  for (const manager of managers) {
    const config = { ...manager, stdout: manager.stdout?.replaceAll('{installDir}', installDir), log, refreshed, rclone: manager.installs ? path.join(installDir, rcloneFile) : undefined };
    const script = `#!${process.execPath}
const fs = require('node:fs');
const config = ${JSON.stringify(config)};
const argv = process.argv.slice(2);
fs.appendFileSync(config.log, JSON.stringify({ program: config.file, argv }) + '\\n');
if (config.stdout) process.stdout.write(config.stdout);
const isRefresh = argv[0] === 'update' && argv.length === 1;
if (isRefresh) { fs.writeFileSync(config.refreshed, ''); process.exit(0); }
const code = config.exitCodeBeforeRefresh !== undefined && !fs.existsSync(config.refreshed) ? config.exitCodeBeforeRefresh : (config.exitCode ?? 0);
if (code !== 0) { process.stderr.write((config.stderr ?? 'failed') + '\\n'); process.exit(code); }
if (config.rclone) fs.writeFileSync(config.rclone, '#!/bin/sh\\necho "rclone v' + config.installs + '"\\n', { mode: 0o755 });
`;
    await fs.writeFile(path.join(binDir, manager.file), script, { mode: 0o755 });
  }

  if (options.sudo) {
    // Records, then runs the command as given (as sudo would after the password).
    const sudo = `#!${process.execPath}
const fs = require('node:fs');
const argv = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ program: 'sudo', argv }) + '\\n');
const run = require('node:child_process').spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
process.exit(run.status ?? 1);
`;
    await fs.writeFile(path.join(binDir, 'sudo'), sudo, { mode: 0o755 });
  }

  return {
    binDir,
    installDir,
    async calls() {
      const text = await fs.readFile(log, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FakeCall);
    },
    placeRclone,
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
}
