import { describe, expect, it } from 'vitest';
import {
  checkApiReachable,
  checkEnvironment,
  checkMountSupport,
  checkRcloneVersion,
  describeNetworkError,
  exitCodeOf,
  explainRemoteFailure,
  renderChecks,
  type Check,
  type MountFacts,
} from '../../../src/doctor/checks.js';
import { rcloneVersion } from '../../../src/rclone/version.js';

describe('rclone version check', () => {
  it.each([
    [undefined, 'fail', 'rclone was not found (looked for "rclone").'],
    ['1.57.0', 'fail', 'rclone v1.57.0 is older than the 1.58 Basic Memory needs.'],
    ['1.60.1-DEV', 'warn', 'rclone v1.60.1-DEV works but lacks'],
    ['1.71.0', 'ok', 'rclone v1.71.0'],
  ] as const)('%s → %s', (version, status, detail) => {
    const check = checkRcloneVersion(version === undefined ? undefined : rcloneVersion(version), 'rclone', 'linux');
    expect(check.status).toBe(status);
    expect(check.detail).toContain(detail);
    expect(Boolean(check.fix)).toBe(status !== 'ok');
  });
});

describe('mount support check', () => {
  const facts = (overrides: Partial<MountFacts> & { files?: string[]; programs?: string[] }): MountFacts => ({
    platform: 'linux',
    version: rcloneVersion('1.66.0'),
    env: {},
    mountMode: false,
    fileExists: (file) => Promise.resolve((overrides.files ?? []).includes(file)),
    findProgram: (name) => Promise.resolve((overrides.programs ?? []).includes(name) ? `/usr/bin/${name}` : undefined),
    ...overrides,
  });

  it.each([
    ['Linux with /dev/fuse and fusermount3', facts({ files: ['/dev/fuse'], programs: ['fusermount3'] }), 'ok', 'FUSE ready (/dev/fuse, fusermount3)'],
    ['Linux with the old fusermount only', facts({ files: ['/dev/fuse'], programs: ['fusermount'] }), 'ok', 'FUSE ready (/dev/fuse, fusermount)'],
    ['Linux without /dev/fuse, bisync mode', facts({ programs: ['fusermount3'] }), 'warn', '/dev/fuse is missing. Only bisync works.'],
    ['Linux without /dev/fuse, mount mode', facts({ programs: ['fusermount3'], mountMode: true }), 'fail', '/dev/fuse is missing.'],
    ['Linux without fusermount', facts({ files: ['/dev/fuse'] }), 'warn', 'fusermount3 (or fusermount) is not installed.'],
    ['macOS with 1.66', facts({ platform: 'darwin' }), 'ok', 'NFS mount via rclone nfsmount'],
    ['macOS with 1.60, mount mode', facts({ platform: 'darwin', version: rcloneVersion('1.60.1'), mountMode: true }), 'fail', 'rclone nfsmount, which rclone v1.60.1 does not have'],
    ['Windows with WinFsp', facts({ platform: 'win32', env: { 'ProgramFiles(x86)': 'C:\\Program Files (x86)' }, files: ['C:\\Program Files (x86)\\WinFsp\\bin\\winfsp-x64.dll'] }), 'ok', 'WinFsp ready'],
    ['Windows without WinFsp', facts({ platform: 'win32', env: { ProgramFiles: 'C:\\Program Files' } }), 'warn', 'WinFsp is not installed.'],
    ['FreeBSD', facts({ platform: 'freebsd' }), 'warn', 'Mounting is not supported on freebsd.'],
  ] as const)('%s', async (_label, input, status, detail) => {
    const check = await checkMountSupport(input);
    expect(check.status).toBe(status);
    expect(check.detail).toContain(detail);
  });
});

describe('API check', () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  it.each([
    ['answers 200', () => Promise.resolve(200), 'ok', 'http://127.0.0.1:8765 answers'],
    ['answers 503', () => Promise.resolve(503), 'fail', 'http://127.0.0.1:8765/health answered HTTP 503.'],
    ['is down', () => Promise.reject(refused), 'fail', 'http://127.0.0.1:8765/health cannot be reached: nothing is listening there (connection refused).'],
  ] as const)('%s', async (_label, health, status, detail) => {
    const check = await checkApiReachable('http://127.0.0.1:8765', health);
    expect(check).toMatchObject({ name: 'API', status, detail });
  });

  it.each([
    [{ cause: { code: 'ENOTFOUND' } }, 'the host name does not resolve'],
    [{ name: 'TimeoutError' }, 'it did not answer in time'],
    [Object.assign(new TypeError('fetch failed'), { cause: new Error('bad port') }), 'the request failed (bad port)'],
    [{ cause: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } }, 'the request failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
    [{ cause: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } }, 'the TLS certificate was refused (ERR_TLS_CERT_ALTNAME_INVALID)'],
  ])('network error %j reads as %s', (error, text) => {
    expect(describeNetworkError(error)).toBe(text);
  });
});

describe('explainRemoteFailure', () => {
  it.each([
    ['ERROR : : error listing: InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.\n\tstatus code: 403', 'refused this machine', 'create new credentials'],
    ['ERROR : : error listing: NoSuchBucket: The specified bucket does not exist\n\tstatus code: 404', 'The bucket does not exist', 'cloud setup'],
    ['Failed to lsf: RequestError: send request failed\ncaused by: Get "http://127.0.0.1:9/b": dial tcp 127.0.0.1:9: connect: connection refused', 'cannot be reached', 'Check your network'],
    ['Failed to create file system: LoadCustomCABundleError: unable to load custom CA bundle', 'LoadCustomCABundleError', 'Unset AWS_CA_BUNDLE'],
    ['something odd', 'rclone could not list the bucket: something odd', 'rclone lsf REMOTE:BUCKET -vv'],
  ])('%s', (stderr, detail, fix) => {
    const explained = explainRemoteFailure(stderr);
    expect(explained.detail).toContain(detail);
    expect(explained.fix).toContain(fix);
  });
});

describe('environment check', () => {
  it.each([
    [{ env: {}, runnerNotes: [], remoteName: undefined, rcloneConfigDirExists: undefined }, 'ok', 'nothing that changes what rclone does'],
    [{ env: { AWS_CA_BUNDLE: '/ca.pem' }, runnerNotes: ['AWS_CA_BUNDLE is set: rclone gets it as --ca-cert /ca.pem instead.'], remoteName: 'basic-memory-t1', rcloneConfigDirExists: undefined }, 'ok', 'AWS_CA_BUNDLE is set'],
    [{ env: {}, runnerNotes: ['AWS_CA_BUNDLE points at /x.pem, which does not exist: it is not passed to rclone.'], remoteName: undefined, rcloneConfigDirExists: undefined }, 'warn', 'AWS_CA_BUNDLE points at /x.pem'],
    [{ env: { RCLONE_CONFIG: '/nowhere/rclone.conf' }, runnerNotes: [], remoteName: undefined, rcloneConfigDirExists: false }, 'warn', 'RCLONE_CONFIG points at /nowhere/rclone.conf, whose folder does not exist'],
    [{ env: { RCLONE_S3_PROVIDER: 'AWS', 'RCLONE_CONFIG_BASIC_MEMORY_T_1_ENDPOINT': 'x' }, runnerNotes: [], remoteName: 'basic-memory-t-1', rcloneConfigDirExists: undefined }, 'warn', "RCLONE_CONFIG_BASIC_MEMORY_T_1_ENDPOINT, RCLONE_S3_PROVIDER override the remote's settings"],
  ] as const)('%j → %s', (facts, status, detail) => {
    const check = checkEnvironment({ ...facts, runnerNotes: [...facts.runnerNotes] });
    expect(check.status).toBe(status);
    expect(check.detail).toContain(detail);
  });
});

describe('report', () => {
  const checks: Check[] = [
    { name: 'rclone', status: 'ok', detail: 'rclone v1.71.0', fix: '' },
    { name: 'mount support', status: 'warn', detail: '/dev/fuse is missing.', fix: 'Load the fuse module.' },
    { name: 'API', status: 'fail', detail: 'down', fix: 'Check the URL.' },
  ];

  it('exits 1 only when a check failed', () => {
    expect(exitCodeOf(checks)).toBe(1);
    expect(exitCodeOf(checks.slice(0, 2))).toBe(0);
  });

  it('prints one line a check with the fix under anything not ok', () => {
    expect(renderChecks(checks)).toBe(
      ['✓ rclone:        rclone v1.71.0', '! mount support: /dev/fuse is missing.', '                 → Load the fuse module.', '✗ API:           down', '                 → Check the URL.', '', '1 failed, 1 warning.'].join('\n'),
    );
    expect(renderChecks(checks.slice(0, 1))).toMatch(/Everything looks fine\.$/);
  });
});
