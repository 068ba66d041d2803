import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/errors.js';
import { runCommand, type CommandResult, type RunCommand } from '../../../src/mount/platform.js';
import { installService, isEphemeralCliPath, serviceStatus, startService, uninstallService, type ServiceDeps } from '../../../src/service/commands.js';
import { launchdManager, parseLaunchctlPrint, parseSchtasksQuery, parseSystemctlShow, systemdManager, systemdUnitPath, taskSchedulerManager } from '../../../src/service/managers.js';
import { buildServiceSpec } from '../../../src/service/spec.js';
import { capturedOutput } from '../../support/captured-output.js';

let home: string;
beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-service-'));
});
afterEach(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

const ok: CommandResult = { exitCode: 0, stdout: '', stderr: '' };

/** Records every command; answers from `answer` (default: success). */
function fakeExec(answer: (command: string, args: string[]) => CommandResult = () => ok): RunCommand & { calls: string[] } {
  const calls: string[] = [];
  const exec = (command: string, args: string[]) => {
    calls.push([command, ...args].join(' '));
    return Promise.resolve(answer(command, args));
  };
  return Object.assign(exec, { calls });
}

const settings = { apiUrl: 'http://127.0.0.1:8765', authUrl: 'http://127.0.0.1:8765', rclonePath: 'rclone' };

function deps(overrides: Partial<ServiceDeps>): ServiceDeps & { stdout: () => string; stderr: () => string } {
  const captured = capturedOutput({ json: true });
  return {
    exec: fakeExec(),
    output: captured.output,
    clock: () => new Date('2026-11-29T12:00:00Z'),
    platform: 'linux',
    env: {},
    homeDir: home,
    stateDir: path.join(home, '.basic-memory'),
    settings,
    uid: 501,
    nodePath: process.execPath,
    cliPath: '/opt/bm/bin/basic-memory.js',
    stdout: captured.stdout,
    stderr: captured.stderr,
    ...overrides,
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe('systemd user unit', () => {
  it('install writes the unit under XDG_CONFIG_HOME, reloads, enables and (re)starts it', async () => {
    const exec = fakeExec();
    const manager = systemdManager(exec, home, { XDG_CONFIG_HOME: path.join(home, 'cfg') });
    const spec = buildServiceSpec({ nodePath: '/usr/bin/node', cliPath: '/opt/cli.js', stateDir: path.join(home, 's'), homeDir: home, settings, env: {} });
    expect(await manager.install(spec)).toEqual({ kind: 'done' });
    expect(await fs.readFile(path.join(home, 'cfg/systemd/user/basic-memory-bisync.service'), 'utf8')).toContain('ExecStart=/usr/bin/node /opt/cli.js cloud bisync-service run');
    expect(exec.calls).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable basic-memory-bisync.service', 'systemctl --user restart basic-memory-bisync.service']);
  });

  it('re-install is idempotent: the unit is rewritten with the new settings and reloaded, one file in all', async () => {
    const exec = fakeExec();
    const manager = systemdManager(exec, home, {});
    const make = (cliPath: string) => buildServiceSpec({ nodePath: '/usr/bin/node', cliPath, stateDir: path.join(home, 's'), homeDir: home, settings, env: {} });
    await manager.install(make('/opt/old/cli.js'));
    await manager.install(make('/opt/new/cli.js'));
    const unit = await fs.readFile(systemdUnitPath(home, {}), 'utf8');
    expect(unit).toContain('/opt/new/cli.js');
    expect(unit).not.toContain('/opt/old/cli.js');
    expect(exec.calls.filter((call) => call.endsWith('daemon-reload'))).toHaveLength(2);
    expect(exec.calls.at(-1)).toBe('systemctl --user restart basic-memory-bisync.service');
    expect(await filesUnder(home)).toEqual(['.config/systemd/user/basic-memory-bisync.service']);
  });

  it('uninstall disables, removes every file it wrote and reloads; a second uninstall is fine', async () => {
    const exec = fakeExec();
    const manager = systemdManager(exec, home, {});
    await manager.install(buildServiceSpec({ nodePath: '/usr/bin/node', cliPath: '/opt/cli.js', stateDir: path.join(home, 's'), homeDir: home, settings, env: {} }));
    exec.calls.length = 0;
    expect(await manager.uninstall()).toEqual({ kind: 'done' });
    expect(exec.calls).toEqual(['systemctl --user disable --now basic-memory-bisync.service', 'systemctl --user daemon-reload']);
    expect(await filesUnder(home)).toEqual([]);
    expect(await manager.uninstall()).toEqual({ kind: 'done' });
  });

  it('uninstall where the user manager is gone (a container) still removes the unit', async () => {
    const exec = fakeExec();
    const manager = systemdManager(exec, home, {});
    await manager.install(buildServiceSpec({ nodePath: '/usr/bin/node', cliPath: '/opt/cli.js', stateDir: path.join(home, 's'), homeDir: home, settings, env: {} }));
    const gone = systemdManager(fakeExec(() => ({ exitCode: 1, stdout: '', stderr: 'Failed to connect to bus' })), home, {});
    expect(await gone.uninstall()).toEqual({ kind: 'done' });
    expect(await filesUnder(home)).toEqual([]);
  });

  it('is unavailable without a user manager, saying why', async () => {
    const exec = fakeExec(() => ({ exitCode: 1, stdout: '', stderr: 'Failed to connect to bus: No medium found\n' }));
    expect(await systemdManager(exec, home, {}).availability()).toEqual({ kind: 'unavailable', reason: 'there is no systemd user session on this machine (Failed to connect to bus: No medium found)' });
  });

  it.each([
    ['LoadState=loaded\nActiveState=active\nMainPID=4242\n', { installed: true, running: true, pid: 4242 }],
    ['LoadState=loaded\nActiveState=failed\nMainPID=0\n', { installed: true, running: false, pid: undefined }],
    ['LoadState=not-found\nActiveState=inactive\nMainPID=0\n', { installed: false, running: false, pid: undefined }],
  ])('parses systemctl show %j', (text, expected) => {
    expect(parseSystemctlShow(text)).toEqual(expected);
  });
});

describe('launchd agent', () => {
  const spec = () => buildServiceSpec({ nodePath: '/usr/local/bin/node', cliPath: '/opt/cli.js', stateDir: path.join(home, 's'), homeDir: home, settings, env: {} });

  it('install writes the plist and boots the agent out then in, so a re-install loads the new plist', async () => {
    const exec = fakeExec();
    const manager = launchdManager(exec, home, 501);
    await manager.install(spec());
    await manager.install(spec());
    const plist = path.join(home, 'Library/LaunchAgents/com.basicmemory.bisync.plist');
    expect(await fs.readFile(plist, 'utf8')).toContain('<string>/opt/cli.js</string>');
    const cycle = ['launchctl bootout gui/501/com.basicmemory.bisync', `launchctl bootstrap gui/501 ${plist}`];
    expect(exec.calls).toEqual([...cycle, ...cycle]);
  });

  it('uninstall boots it out and removes the plist', async () => {
    const exec = fakeExec();
    const manager = launchdManager(exec, home, 501);
    await manager.install(spec());
    await manager.uninstall();
    expect(exec.calls.at(-1)).toBe('launchctl bootout gui/501/com.basicmemory.bisync');
    expect(await filesUnder(home)).toEqual([]);
  });

  it('restart kicks a loaded agent and bootstraps one that is not loaded', async () => {
    const loaded = fakeExec();
    await launchdManager(loaded, home, 501).restart();
    expect(loaded.calls.at(-1)).toBe('launchctl kickstart -k gui/501/com.basicmemory.bisync');
    const notLoaded = fakeExec((_command, args) => (args[0] === 'print' ? { exitCode: 113, stdout: '', stderr: 'Could not find service' } : ok));
    await launchdManager(notLoaded, home, 501).restart();
    expect(notLoaded.calls.at(-1)).toMatch(/^launchctl bootstrap gui\/501 /);
  });

  it('parses launchctl print', () => {
    expect(parseLaunchctlPrint('com.basicmemory.bisync = {\n\tactive count = 1\n\tstate = running\n\tpid = 812\n')).toEqual({ running: true, pid: 812 });
    expect(parseLaunchctlPrint('\tstate = not running\n')).toEqual({ running: false, pid: undefined });
  });
});

describe('Task Scheduler task', () => {
  it('install writes the UTF-16 XML and the env file, creates the task with /F and runs it; uninstall deletes both', async () => {
    const exec = fakeExec();
    const manager = taskSchedulerManager(exec, { stateDir: home, userId: 'DESK\\ann' }, path.posix);
    await manager.install(buildServiceSpec({ nodePath: 'C:\\node.exe', cliPath: 'C:\\cli.js', stateDir: home, homeDir: home, settings, env: {} }));
    const xml = await fs.readFile(path.join(home, 'bisync-service-task.xml'));
    expect([...xml.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(xml.subarray(2).toString('utf16le')).toContain('<LogonTrigger>');
    expect(await fs.readFile(path.join(home, 'bisync-service.env'), 'utf8')).toContain(`BASIC_MEMORY_CONFIG_DIR='${home}'`);
    expect(exec.calls).toEqual([
      'schtasks /End /TN \\BasicMemory\\Bisync',
      `schtasks /Create /TN \\BasicMemory\\Bisync /XML ${path.join(home, 'bisync-service-task.xml')} /F`,
      'schtasks /Run /TN \\BasicMemory\\Bisync',
    ]);
    exec.calls.length = 0;
    await manager.uninstall();
    expect(exec.calls).toEqual(['schtasks /Query /TN \\BasicMemory\\Bisync', 'schtasks /End /TN \\BasicMemory\\Bisync', 'schtasks /Delete /TN \\BasicMemory\\Bisync /F']);
    expect(await filesUnder(home)).toEqual([]);
  });

  it('parses schtasks /Query /V', () => {
    expect(parseSchtasksQuery('TaskName:      \\BasicMemory\\Bisync\r\nStatus:        Running\r\n')).toEqual({ running: true });
    expect(parseSchtasksQuery('Status:        Ready\r\n')).toEqual({ running: false });
  });
});

describe('installService', () => {
  it('on this machine (no systemd user session) says so in one sentence with the foreground command, exits 1, writes nothing', async () => {
    const probe = await runCommand('systemctl', ['--user', 'show-environment']);
    expect(probe.exitCode, 'this test expects a machine without a systemd user session, like CI containers').not.toBe(0);
    const context = deps({ exec: runCommand, env: { PATH: process.env.PATH } });
    const error = await installService({ json: false }, context).then(
      () => undefined,
      (caught: unknown) => caught as { message: string; hint: string; exitCode: number },
    );
    expect(error?.exitCode).toBe(ExitCode.failed);
    expect(error?.message).toMatch(/^The sync service cannot be installed: there is no systemd user session on this machine \(.+\)\.$/);
    expect(error?.hint).toContain('basic-memory cloud bisync --watch');
    expect(await filesUnder(home)).toEqual([]);
  });

  it('removes what it wrote when a step after writing fails (nothing half-installed)', async () => {
    const exec = fakeExec((_command, args) => (args.includes('enable') ? { exitCode: 1, stdout: '', stderr: 'Failed to enable unit: Access denied' } : ok));
    const context = deps({ exec });
    await expect(installService({ json: false }, context)).rejects.toThrow('Could not install the sync service: `systemctl --user enable basic-memory-bisync.service` failed (exit 1): Failed to enable unit: Access denied.');
    expect(await filesUnder(home)).toEqual([]);
    expect(exec.calls).toContain('systemctl --user disable --now basic-memory-bisync.service');
  });

  it('records the node path, CLI path and settings of the installing user, not their token', async () => {
    const context = deps({ env: { BASIC_MEMORY_TOKEN: 'tok-secret', PATH: '/usr/bin' } });
    expect(await installService({ json: true }, context)).toBe(ExitCode.ok);
    const unit = await fs.readFile(systemdUnitPath(home, {}), 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} /opt/bm/bin/basic-memory.js cloud bisync-service run`);
    expect(unit).toContain(`Environment="BASIC_MEMORY_CONFIG_DIR=${path.join(home, '.basic-memory')}"`);
    expect(unit).not.toContain('tok-secret');
    expect(JSON.parse(context.stdout())).toEqual({ installed: true, manager: 'systemd', files: [systemdUnitPath(home, {})] });
  });

  it('warns when the CLI runs from the npx cache, which npm may clear', async () => {
    const context = deps({ cliPath: '/home/ann/.npm/_npx/1a2b/node_modules/basic-memory-cloud/bin/basic-memory.js' });
    const captured = capturedOutput();
    await installService({ json: false }, { ...context, output: captured.output });
    expect(captured.stderr()).toContain("The CLI runs from npx's cache");
    expect(isEphemeralCliPath('C:\\Users\\ann\\AppData\\Local\\npm-cache\\_npx\\9f\\cli.js')).toBe(true);
    expect(isEphemeralCliPath('/usr/lib/node_modules/basic-memory-cloud/bin/basic-memory.js')).toBe(false);
  });

  it('refuses an OS without a supported service manager, naming the foreground command', async () => {
    await expect(installService({ json: false }, deps({ platform: 'freebsd' }))).rejects.toMatchObject({ message: 'Running the sync as a service is not supported on freebsd.', hint: 'Run `basic-memory cloud bisync --watch` instead.' });
  });
});

describe('start, status and uninstall commands', () => {
  it('start on a machine where it is not installed says to install first', async () => {
    const exec = fakeExec(() => ({ exitCode: 0, stdout: 'LoadState=not-found\nActiveState=inactive\nMainPID=0\n', stderr: '' }));
    await expect(startService({ json: false }, deps({ exec }))).rejects.toThrow('The sync service is not installed.');
  });

  it('uninstall removes every file install wrote (the unit and the install record)', async () => {
    const context = deps({});
    // One run prints one document: the install here is a step, not the command under test.
    await installService({ json: false }, context);
    expect((await filesUnder(home)).sort()).toEqual(['.basic-memory/bisync-service.json', '.config/systemd/user/basic-memory-bisync.service']);
    await uninstallService({ json: true }, context);
    expect(await filesUnder(home)).toEqual([]);
  });

  it('status reports not installed when nothing is there', async () => {
    const exec = fakeExec(() => ({ exitCode: 0, stdout: 'LoadState=not-found\nActiveState=inactive\nMainPID=0\n', stderr: '' }));
    const context = deps({ exec });
    await serviceStatus({ json: true }, context);
    expect(JSON.parse(context.stdout())).toMatchObject({ state: 'not installed', installed: false, running: false, paused: false, health: null });
  });
});
