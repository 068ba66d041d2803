import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { KEY, runInPty, stripEscapes } from '../../support/pty.js';
import { useServer } from '../bisync/helpers.js';

const { newPair } = useServer();

/** Each piece of text the terminal shows between a carriage return or line feed and the next. */
function shownSegments(screen: string): string[] {
  return stripEscapes(screen).split(/[\r\n]/).filter((segment) => segment.trim() !== '');
}

describe('the watch status line in a terminal', () => {
  it.each([40, 120])('never wraps at %i columns and stays one line per state change', async (columns) => {
    const pair = await newPair();
    await pair.writeLocal('start.md', 'start\n');
    const run = runInPty(pair.user, ['cloud', 'bisync', '--watch', '--interval', '2s'], { columns });
    // The first run (a baseline), then at least one interval run after it.
    await run.waitFor(/✓ \d\d:\d\d:\d\d Baseline made[\s\S]*✓ \d\d:\d\d:\d\d (Synced|Nothing to sync)/, { timeoutMs: 60_000 });
    const before = run.screen().length;
    await pair.writeLocal('later.md', 'later\n');
    await run.waitFor(/1 to the cloud/, { from: stripEscapes(run.screen().slice(0, before)).length, timeoutMs: 30_000 });
    run.type(KEY.ctrlC);
    expect(await run.exit).toBe(130);

    // From the first run's result to Ctrl-C only the status line is written, redrawn in place: no line
    // feed, and no piece wider than the terminal (a wrapped line cannot be redrawn with \r).
    const screen = run.screen();
    const statusStart = screen.indexOf('✓ ');
    // The terminal echoes Ctrl-C as ^C.
    const stopped = screen.indexOf('^C', statusStart);
    expect(statusStart).toBeGreaterThanOrEqual(0);
    expect(stopped).toBeGreaterThan(statusStart);
    const statusPart = screen.slice(statusStart, stopped);
    expect(statusPart).not.toContain('\n');
    const shown = shownSegments(statusPart);
    expect(shown.length).toBeGreaterThanOrEqual(3);
    for (const segment of shown) expect(stringWidth(segment), segment).toBeLessThan(columns);
    expect(stripEscapes(screen)).toContain('Watch stopped.');
  });

  it('shows the counts and bytes of a run while it transfers, fitted to the terminal', async () => {
    const columns = 80;
    const pair = await newPair();
    for (let index = 0; index < 40; index += 1) await pair.writeLocal(`note-${index}.md`, `${index}\n${'x'.repeat(40_000)}`);
    // rclone reads any flag from RCLONE_<FLAG>: a bandwidth limit makes the first run last a few seconds.
    const run = runInPty(pair.user, ['cloud', 'bisync', '--watch', '--interval', '1h'], { columns, env: { RCLONE_BWLIMIT: '400k' } });
    await run.waitFor(/Syncing: \d+ of 4[01] files, [\d.]+ [KM]iB of [\d.]+ [KM]iB \(\d+%\) · since \d\d:\d\d:\d\d/, { timeoutMs: 60_000 });
    await run.waitFor(/✓ \d\d:\d\d:\d\d Baseline made: 40 to the cloud/, { timeoutMs: 60_000 });
    run.type(KEY.ctrlC);
    expect(await run.exit).toBe(130);
    const screen = run.screen();
    const status = screen.slice(screen.indexOf('Syncing:'), screen.indexOf('^C'));
    // Redrawn in place: each count is a new state of the one line, none wider than the terminal.
    expect(status).not.toContain('\n');
    for (const segment of shownSegments(status)) expect(stringWidth(segment), segment).toBeLessThan(columns);
  });
});
