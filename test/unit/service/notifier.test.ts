import { describe, expect, it } from 'vitest';
import type { Conflict } from '../../../src/bisync/outcome.js';
import type { BisyncRunRecord } from '../../../src/bisync/state.js';
import type { CommandResult } from '../../../src/mount/platform.js';
import { desktopNotifier, mayNotify, notificationCommand, notificationsFor, REPEATED_FAILURES } from '../../../src/service/notifier.js';

const conflict: Conflict = { path: 'notes/plan.md', copies: ['notes/plan.md.conflict1', 'notes/plan.md.conflict2'], winner: undefined };
type RunFacts = Pick<BisyncRunRecord, 'result' | 'conflicts' | 'detail'>;
const run = (facts: Partial<RunFacts>): RunFacts => ({ result: 'ok', conflicts: [], detail: undefined, ...facts });

describe('notificationsFor', () => {
  it.each<[string, RunFacts, number, string[]]>([
    ['a clean run', run({}), 0, []],
    ['conflicts', run({ conflicts: [conflict] }), 0, ['conflicts']],
    ['a safety stop', run({ result: 'safety-stop' }), 1, ['safety-stop']],
    ['a lost baseline', run({ result: 'needs-baseline' }), 1, ['lost-baseline']],
    ['one failure (usually the network)', run({ result: 'failed', detail: 'connection refused' }), 1, []],
    ['two failures in a row', run({ result: 'failed' }), REPEATED_FAILURES - 1, []],
    ['the third failure in a row', run({ result: 'failed', detail: 'connection refused' }), REPEATED_FAILURES, ['repeated-failures']],
    ['the fourth failure in a row (already told)', run({ result: 'failed' }), REPEATED_FAILURES + 1, []],
    ['a lock held by another bisync', run({ result: 'lock-held' }), 1, []],
  ])('%s → %j', (_name, facts, failures, kinds) => {
    expect(notificationsFor(facts, failures).map((notification) => notification.kind)).toEqual(kinds);
  });

  it('names the conflicted notes', () => {
    expect(notificationsFor(run({ conflicts: [conflict] }), 0)[0]?.body).toContain('notes/plan.md');
  });
});

describe('mayNotify (at most one per kind per hour)', () => {
  const shown = '2026-11-29T10:00:00.000Z';
  it.each([
    [undefined, '2026-11-29T10:00:00Z', true],
    [shown, '2026-11-29T10:00:01Z', false],
    [shown, '2026-11-29T10:59:59Z', false],
    [shown, '2026-11-29T11:00:00Z', true],
  ])('last shown %s, now %s → %s', (last, now, expected) => {
    expect(mayNotify(last, new Date(now))).toBe(expected);
  });
});

describe('notificationCommand', () => {
  const notification = { kind: 'conflicts' as const, title: 'Title "x"', body: "it's $(rm -rf ~)" };
  it('uses notify-send on Linux with the text as arguments', () => {
    expect(notificationCommand('linux', notification)).toEqual(['notify-send', ['--app-name=Basic Memory', 'Title "x"', "it's $(rm -rf ~)"]]);
  });
  it('uses osascript on macOS, passing the text as arguments to the script', () => {
    const [command, args] = notificationCommand('darwin', notification)!;
    expect(command).toBe('osascript');
    expect(args.slice(-2)).toEqual(['Title "x"', "it's $(rm -rf ~)"]);
    expect(args.slice(0, -2).join(' ')).not.toContain('rm -rf');
  });
  it('uses a PowerShell toast on Windows with the text base64-encoded', () => {
    const [command, args] = notificationCommand('win32', notification)!;
    expect(command).toBe('powershell.exe');
    const script = args.at(-1)!;
    expect(script).toContain('ToastNotificationManager');
    expect(script).not.toContain('rm -rf');
    expect(script).toContain(Buffer.from("it's $(rm -rf ~)").toString('base64'));
  });
  it('has none elsewhere', () => {
    expect(notificationCommand('aix', notification)).toBeUndefined();
  });
});

describe('desktopNotifier', () => {
  it('is silent when the tool is missing or fails', async () => {
    const missing = () => Promise.resolve<CommandResult>({ exitCode: 127, stdout: '', stderr: '' });
    const throwing = () => Promise.reject(new Error('spawn failed'));
    const notification = { kind: 'safety-stop' as const, title: 't', body: 'b' };
    await expect(desktopNotifier('linux', missing).notify(notification)).resolves.toBeUndefined();
    await expect(desktopNotifier('linux', throwing).notify(notification)).resolves.toBeUndefined();
  });
  it('runs the command of the OS', async () => {
    const calls: string[] = [];
    const exec = (command: string) => {
      calls.push(command);
      return Promise.resolve<CommandResult>({ exitCode: 0, stdout: '', stderr: '' });
    };
    await desktopNotifier('darwin', exec).notify({ kind: 'conflicts', title: 't', body: 'b' });
    expect(calls).toEqual(['osascript']);
  });
});
