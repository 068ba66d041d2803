import { describe, expect, it } from 'vitest';
import { capturedOutput } from '../../support/captured-output.js';

function capture(options: Partial<{ json: boolean; verbose: boolean; interactive: boolean }> = {}) {
  const { output, stdout, stderr } = capturedOutput(options);
  return { output, out: stdout, err: stderr };
}

describe('Output', () => {
  it('keeps people-facing lines on stderr and the JSON document alone on stdout', () => {
    const { output, out, err } = capture({ json: true });
    output.info('working');
    output.result({ ok: true });
    expect(JSON.parse(out())).toEqual({ ok: true });
    expect(err()).toBe('working\n');
  });

  it('masks registered secrets and anything shaped like a JWT, in every stream', () => {
    const { output, out, err } = capture({ verbose: true });
    const secret = 'S3cr3tKeyValue0123456789';
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJ0ZW5hbnRfaWQiOiJ0In0.c2lnbmF0dXJlc2lnbmF0dXJl';
    output.redactor.add(secret);
    output.debug(`rclone --s3-secret-access-key ${secret}`);
    output.info(`token ${jwt}`);
    output.result({ secret });
    expect(err()).not.toContain(secret);
    expect(err()).not.toContain(jwt);
    expect(out()).not.toContain(secret);
    expect(err()).toContain('***');
  });

  it('prints debug lines only with --verbose', () => {
    const quiet = capture();
    quiet.output.debug('detail');
    expect(quiet.err()).toBe('');
    const verbose = capture({ verbose: true });
    verbose.output.debug('detail');
    expect(verbose.err()).toBe('detail\n');
  });

  it('says a warnOnce warning once', () => {
    const { output, err } = capture();
    output.warnOnce('recover', 'rclone 1.60 has no --recover');
    output.warnOnce('recover', 'rclone 1.60 has no --recover');
    expect(err().match(/--recover/g)).toHaveLength(1);
  });

  it('turns a step into plain lines without a terminal', async () => {
    const { output, err } = capture();
    const value = await output.step('Creating credentials', () => Promise.resolve(7), (n) => `Created ${n} credentials`);
    expect(value).toBe(7);
    expect(err()).toBe('✓ Created 7 credentials\n');
  });

  it('updates the live line in place on a terminal and ends it before the next line', () => {
    const { output, err } = capture({ interactive: true });
    output.live('syncing');
    output.live('synced');
    output.info('done');
    expect(err()).toBe('\r\x1b[2Ksyncing\r\x1b[2Ksynced\ndone\n');
  });

  it('writes live lines as plain lines without a terminal', () => {
    const { output, err } = capture();
    output.live('syncing');
    output.live('synced');
    expect(err()).toBe('syncing\nsynced\n');
  });
});
