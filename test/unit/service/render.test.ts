import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEnvFile, renderLaunchdPlist, renderSystemdUnit, renderWindowsTaskXml } from '../../../src/service/render.js';
import { buildServiceSpec, serviceEnvironment, type ServiceSpec } from '../../../src/service/spec.js';

const settings = { apiUrl: 'http://127.0.0.1:8765', authUrl: 'http://127.0.0.1:8765', rclonePath: '/usr/bin/rclone' };
const secretEnv = { BASIC_MEMORY_TOKEN: 'eyJhbGciOiJIUzI1NiJ9.secret-token', AWS_SECRET_ACCESS_KEY: 'aws-secret', RCLONE_CONFIG: '/home/ann/.config/rclone/rclone.conf', PATH: '/usr/local/bin:/usr/bin' };

function spec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    ...buildServiceSpec({ nodePath: '/usr/local/bin/node', cliPath: '/opt/bm/bin/basic-memory.js', stateDir: '/home/ann/.basic-memory', homeDir: '/home/ann', settings, env: secretEnv }),
    ...overrides,
  };
}

const renderers: [string, (value: ServiceSpec) => string][] = [
  ['systemd unit', renderSystemdUnit],
  ['launchd plist', renderLaunchdPlist],
  ['Task Scheduler XML', (value) => renderWindowsTaskXml(value, { userId: 'DESK\\ann', envFile: 'C:\\Users\\ann\\.basic-memory\\bisync-service.env' })],
];

describe('serviceEnvironment', () => {
  it('carries the non-secret settings of the installing user and no secret from their shell', () => {
    const environment = serviceEnvironment('/home/ann/.basic-memory', { ...settings, authUrl: 'https://auth.example' }, secretEnv);
    expect(environment).toEqual({
      BASIC_MEMORY_CONFIG_DIR: '/home/ann/.basic-memory',
      BASIC_MEMORY_CLOUD_URL: 'http://127.0.0.1:8765',
      BASIC_MEMORY_AUTH_URL: 'https://auth.example',
      BASIC_MEMORY_RCLONE: '/usr/bin/rclone',
      RCLONE_CONFIG: '/home/ann/.config/rclone/rclone.conf',
      PATH: '/usr/local/bin:/usr/bin',
    });
  });
});

describe.each(renderers)('%s', (_name, render) => {
  it('records the absolute node and CLI paths and runs the hidden service command', () => {
    const text = render(spec());
    expect(text).toContain('/usr/local/bin/node');
    expect(text).toContain('/opt/bm/bin/basic-memory.js');
    expect(text).toMatch(/cloud.{0,40}bisync-service.{0,40}run/s);
  });

  it('never contains a secret of the installing shell', () => {
    const text = render(spec());
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('aws-secret');
    expect(text).not.toContain('BASIC_MEMORY_TOKEN');
  });
});

describe.each(renderers.slice(1))('%s (XML)', (_name, render) => {
  it('escapes markup and quotes in paths', () => {
    const text = render(spec({ cliPath: '/opt/a&b "x"/<cli>.js' }));
    expect(text).toContain('/opt/a&amp;b ');
    expect(text).toContain('/&lt;cli&gt;.js');
    expect(text).not.toContain('<cli>');
  });
});

describe('renderSystemdUnit', () => {
  const unit = renderSystemdUnit(spec());
  it.each([
    ['Restart=on-failure'],
    ['StartLimitIntervalSec=600'],
    ['StartLimitBurst=5'],
    ['WantedBy=default.target'],
    ['ExecStart=/usr/local/bin/node /opt/bm/bin/basic-memory.js cloud bisync-service run'],
    ['Environment="BASIC_MEMORY_CONFIG_DIR=/home/ann/.basic-memory"'],
    ['Environment="BASIC_MEMORY_RCLONE=/usr/bin/rclone"'],
    ['Environment="BASIC_MEMORY_CLOUD_URL=http://127.0.0.1:8765"'],
  ])('has %s', (line) => {
    expect(unit.split('\n')).toContain(line);
  });

  it('puts the start limit in [Unit], where systemd reads it', () => {
    const unitSection = unit.slice(unit.indexOf('[Unit]'), unit.indexOf('[Service]'));
    expect(unitSection).toContain('StartLimitBurst=5');
  });

  it('quotes words with spaces and doubles % and $ so systemd does not expand them', () => {
    const text = renderSystemdUnit(spec({ cliPath: '/home/ann/My Tools/cli.js', environment: { X: '50% $HOME' } }));
    expect(text).toContain('"/home/ann/My Tools/cli.js"');
    expect(text).toContain('Environment="X=50%% $$HOME"');
    expect(renderSystemdUnit(spec({ cliPath: '/opt/say "hi"/cli.js' }))).toContain('"/opt/say \\"hi\\"/cli.js"');
  });
});

describe('renderLaunchdPlist', () => {
  const plist = renderLaunchdPlist(spec());
  it.each([
    ['<key>RunAtLoad</key>\n    <true/>'],
    ['<key>KeepAlive</key>\n    <dict>\n      <key>SuccessfulExit</key>\n      <false/>'],
    ['<key>StandardOutPath</key>\n    <string>/home/ann/.basic-memory/logs/bisync-service.stdout.log</string>'],
    ['<key>StandardErrorPath</key>\n    <string>/home/ann/.basic-memory/logs/bisync-service.stderr.log</string>'],
    ['<key>Label</key>\n    <string>com.basicmemory.bisync</string>'],
    ['<key>BASIC_MEMORY_CONFIG_DIR</key>\n      <string>/home/ann/.basic-memory</string>'],
  ])('has %j', (fragment) => {
    expect(plist).toContain(fragment);
  });
});

describe('renderWindowsTaskXml', () => {
  const xml = renderWindowsTaskXml(spec({ nodePath: 'C:\\Program Files\\nodejs\\node.exe', cliPath: 'C:\\Users\\ann\\bm\\cli.js' }), { userId: 'DESK\\ann', envFile: 'C:\\Users\\ann\\.basic-memory\\bisync-service.env' });
  it.each([
    ['<LogonTrigger>\r\n      <Enabled>true</Enabled>\r\n      <UserId>DESK\\ann</UserId>'],
    ['<RestartOnFailure>\r\n      <Interval>PT1M</Interval>\r\n      <Count>5</Count>'],
    ['<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>'],
    ['<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>'],
    ['<Command>C:\\Program Files\\nodejs\\node.exe</Command>'],
    ['<Arguments>--env-file=C:\\Users\\ann\\.basic-memory\\bisync-service.env C:\\Users\\ann\\bm\\cli.js cloud bisync-service run</Arguments>'],
  ])('has %j', (fragment) => {
    expect(xml).toContain(fragment);
  });
});

describe('renderEnvFile', () => {
  it('quotes so node --env-file keeps Windows backslashes and values with quotes', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-envfile-'));
    const file = path.join(dir, 'service.env');
    const environment = { BASIC_MEMORY_CONFIG_DIR: 'C:\\Users\\ann\\.basic-memory', QUOTED: "it's #1", PATH: '/usr/bin:/bin' };
    await fs.writeFile(file, renderEnvFile(environment));
    const { stdout } = await promisify(execFile)(process.execPath, [`--env-file=${file}`, '-e', 'console.log(JSON.stringify([process.env.BASIC_MEMORY_CONFIG_DIR, process.env.QUOTED]))']);
    expect(JSON.parse(stdout)).toEqual([environment.BASIC_MEMORY_CONFIG_DIR, environment.QUOTED]);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('systemd-analyze verify', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-unit-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('accepts the rendered user unit (no error, no warning about it)', async () => {
    const analyze = await promisify(execFile)('systemd-analyze', ['--version']).catch(() => undefined);
    if (!analyze) throw new Error('systemd-analyze is missing: run `apt-get install -y systemd` (Debian) and run the tests again.');
    const cliPath = path.resolve('bin/basic-memory.js');
    const unitFile = path.join(dir, 'basic-memory-bisync.service');
    const rendered = renderSystemdUnit(buildServiceSpec({ nodePath: process.execPath, cliPath, stateDir: path.join(dir, 'state dir'), homeDir: dir, settings, env: secretEnv }));
    await fs.writeFile(unitFile, rendered);
    // A user manager needs a runtime dir; a private one works without a login session.
    const runtimeDir = path.join(dir, 'runtime');
    await fs.mkdir(runtimeDir, { mode: 0o700 });
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('systemd-analyze', ['verify', '--user', unitFile], { env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir } }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }));
    });
    expect(result.stderr.split('\n').filter((line) => line.includes('basic-memory-bisync'))).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('rejects a unit whose node path does not exist (so the check above has teeth)', async () => {
    const unitFile = path.join(dir, 'basic-memory-bisync.service');
    await fs.writeFile(unitFile, renderSystemdUnit(spec({ nodePath: '/nonexistent/node', workingDirectory: dir })));
    const runtimeDir = path.join(dir, 'runtime');
    const code = await new Promise<number>((resolve) => {
      execFile('systemd-analyze', ['verify', '--user', unitFile], { env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir } }, (error) => resolve(error ? Number(error.code) : 0));
    });
    expect(code).not.toBe(0);
  });
});
