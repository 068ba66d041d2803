import { describe, expect, it } from 'vitest';
import { completionScript, completionTree, flagNames, SHELLS } from '../../../src/cli/completion.js';
import { versionAlias } from '../../../src/cli/program.js';
import type { CommandDefinition } from '../../../src/core/command.js';
import { errorDocument, ExitCode } from '../../../src/core/errors.js';
import { renderStatus, shortId, type StatusReport } from '../../../src/status/report.js';

const definition = (path: string[], options: CommandDefinition['options'], extra: Partial<CommandDefinition> = {}): CommandDefinition => ({
  path, description: '', options, examples: [], exitCodes: [0, 2], handler: () => Promise.resolve(), ...extra,
});

describe('completionTree', () => {
  const tree = completionTree(
    [
      definition(['cloud', 'status'], [], { aliases: ['whoami'] }),
      definition(['cloud', 'bisync'], [{ flags: '--profile <name>', description: '', choices: ['fast', 'safe'] }, { flags: '-y, --yes', description: '' }]),
      definition(['cloud', 'bisync-service', 'run'], [], { hidden: true }),
      definition(['version'], []),
    ],
    [{ path: ['cloud'] }, { path: ['cloud', 'bisync-service'] }],
    { flags: [{ flags: '--api-url <url>', description: '' }], rootFlags: ['--help'] },
  );

  it('offers the next words in the table\'s order, aliases included, hidden commands left out', () => {
    expect(tree.words.get('')).toEqual(['cloud', 'version']);
    expect(tree.words.get('cloud')).toEqual(['status', 'whoami', 'bisync', 'bisync-service']);
    expect(tree.words.get('cloud bisync-service')).toBeUndefined();
  });

  it('gives each command its own flags, --json, the global flags and --help; an alias the same', () => {
    expect(tree.flags.get('cloud bisync')).toEqual(['--profile', '-y', '--yes', '--json', '--api-url', '--help']);
    expect(tree.flags.get('cloud whoami')).toEqual(tree.flags.get('cloud status'));
    expect(tree.values.get('cloud bisync --profile')).toEqual(['fast', 'safe']);
  });

  it.each(SHELLS)('%s: the script names the words and flags', (shell) => {
    const script = completionScript(shell, tree);
    for (const word of ['whoami', 'bisync-service', '--profile', 'safe']) expect(script).toContain(word);
  });

  it('reads flag names out of commander syntax', () => {
    expect(flagNames({ flags: '-y, --yes', description: '' })).toEqual(['-y', '--yes']);
    expect(flagNames({ flags: '--path <dir>', description: '' })).toEqual(['--path']);
    expect(flagNames({ flags: '--no-service', description: '' })).toEqual(['--no-service']);
  });
});

describe('versionAlias', () => {
  it.each([['-v'], ['-V'], ['--version']])('%s first is the version command', (flag) => {
    expect(versionAlias(['node', 'bm', flag, '--json'])).toEqual(['node', 'bm', 'version', '--json']);
  });
  it('leaves everything else alone, -v after a command included', () => {
    expect(versionAlias(['node', 'bm', 'cloud', 'status', '-v'])).toEqual(['node', 'bm', 'cloud', 'status', '-v']);
  });
});

describe('errorDocument', () => {
  it('names the exit code and keeps a missing hint as null', () => {
    expect(errorDocument(ExitCode.auth, 'Not logged in.', undefined)).toEqual({ error: { code: 'auth', message: 'Not logged in.', hint: null } });
    expect(errorDocument(ExitCode.rcloneUnavailable, 'x', 'y').error.code).toBe('rclone_unavailable');
  });
});

describe('renderStatus', () => {
  const report: StatusReport = {
    cloud: { apiUrl: 'http://127.0.0.1:8765', source: 'login' },
    login: { state: 'accepted', store: 'file', tenantId: '6385052b-1644-4080-8c78-95ebdb7b808f', detail: null },
    setup: { tenantId: '6385052b-1644-4080-8c78-95ebdb7b808f', bucketName: 'b', apiUrl: 'http://127.0.0.1:8765', mode: 'bisync', localPath: '/n' },
    lastSync: { at: '2026-11-29T10:00:00.000Z', result: 'ok' },
    lastSuccessAt: '2026-11-29T10:00:00.000Z',
    running: { mount: null, watch: { pid: 42 }, service: null },
  };

  it('shows the short tenant id, where the cloud came from, and what runs', () => {
    const text = renderStatus(report);
    expect(text).toContain('cloud      http://127.0.0.1:8765 (the cloud you logged in to)');
    expect(text).toContain('tenant     6385052b, bucket b');
    expect(text).not.toContain('6385052b-1644');
    expect(text).toContain('running    bisync --watch (pid 42)');
  });

  it('says why a login is not usable, and where a setup belongs to another cloud', () => {
    const text = renderStatus({ ...report, cloud: { apiUrl: 'http://other', source: 'flag' }, login: { state: 'unreachable', store: null, tenantId: null, detail: 'Cannot reach it.' } });
    expect(text).toContain('login      cloud unreachable: Cannot reach it.');
    expect(text).toContain('set up on  http://127.0.0.1:8765');
    expect(shortId('abc')).toBe('abc');
  });
});
