import { describe, expect, it } from 'vitest';
import { claimInterrupts, interruptedLine, interruptsClaimed } from '../../../src/core/interrupt.js';
import { capturedOutput } from '../../support/captured-output.js';

describe('interruptedLine (the one line Ctrl-C ends a command with)', () => {
  it.each([
    [undefined, [], 'Interrupted; nothing was done.'],
    ['Creating bucket credentials for this machine', ['Tenant 1a2b3c4d']
      , 'Interrupted while creating bucket credentials for this machine (not finished); done before it: Tenant 1a2b3c4d.'],
    ['Fetching your tenant', [], 'Interrupted while fetching your tenant (not finished); nothing was done before it.'],
    [undefined, ['Remote written'], 'Interrupted; done: Remote written.'],
  ] as [string | undefined, string[], string][])('%s after %j', (running, done, line) => {
    expect(interruptedLine(running, done)).toBe(line);
  });

  it('names the step a command was in when Output ends it', async () => {
    const { output, stderr } = capturedOutput();
    await output.step('Fetching your tenant', () => Promise.resolve('t'), () => 'Tenant t');
    let release: () => void = () => undefined;
    const pending = output.step('Writing the rclone remote', () => new Promise<void>((resolve) => { release = resolve; }));
    output.interrupted();
    expect(stderr().trim().split('\n').at(-1)).toBe('Interrupted while writing the rclone remote (not finished); done before it: Tenant t.');
    release();
    await pending;
  });

  it('is claimed while a command answers Ctrl-C itself', () => {
    expect(interruptsClaimed()).toBe(false);
    const release = claimInterrupts();
    expect(interruptsClaimed()).toBe(true);
    release();
    expect(interruptsClaimed()).toBe(false);
  });
});
