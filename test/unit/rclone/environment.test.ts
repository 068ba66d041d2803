import { describe, expect, it } from 'vitest';
import { rcloneEnvironment } from '../../../src/rclone/environment.js';

const existing = (files: string[]) => (file: string) => files.includes(file);

describe('rcloneEnvironment', () => {
  it('without AWS_CA_BUNDLE passes the environment through and adds no flag', () => {
    const environment = rcloneEnvironment({ HOME: '/home/ana', PATH: '/usr/bin', RCLONE_CONFIG: '/tmp/r.conf', UNSET: undefined }, existing([]));
    expect(environment).toEqual({ env: { HOME: '/home/ana', PATH: '/usr/bin', RCLONE_CONFIG: '/tmp/r.conf' }, globalArgs: [], notes: [] });
  });

  it('with AWS_CA_BUNDLE set drops it and hands the same bundle to rclone as --ca-cert', () => {
    const environment = rcloneEnvironment({ PATH: '/usr/bin', AWS_CA_BUNDLE: ' /etc/ssl/corp.pem ' }, existing(['/etc/ssl/corp.pem']));
    expect(environment.env).toEqual({ PATH: '/usr/bin' });
    expect(environment.globalArgs).toEqual(['--ca-cert', '/etc/ssl/corp.pem']);
    expect(environment.notes).toEqual([expect.stringContaining('LoadCustomCABundleError')]);
  });

  it('with AWS_CA_BUNDLE pointing nowhere drops it without a flag and says so', () => {
    const environment = rcloneEnvironment({ PATH: '/usr/bin', AWS_CA_BUNDLE: '/nowhere/ca.pem' }, existing([]));
    expect(environment.env).toEqual({ PATH: '/usr/bin' });
    expect(environment.globalArgs).toEqual([]);
    expect(environment.notes).toEqual(['AWS_CA_BUNDLE points at /nowhere/ca.pem, which does not exist: it is not passed to rclone.']);
  });

  it('an empty AWS_CA_BUNDLE is dropped with nothing to say', () => {
    expect(rcloneEnvironment({ AWS_CA_BUNDLE: '  ' }, existing([]))).toEqual({ env: {}, globalArgs: [], notes: [] });
  });
});
