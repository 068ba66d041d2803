import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands.js';

interface Row {
  path: string;
  exitCodes: number[];
}

/** The `basic-memory …` rows of the README's "Commands at a glance" table. */
function commandRows(readme: string): Row[] {
  const section = readme.split('## Commands at a glance')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `basic-memory ([^`]*)` \|[^|]*\| ([\d ]*) \|$/gm)].map((match) => {
    // The command's words end where its arguments or flags begin (`ID`, `[--watch]`).
    const words = (match[1] ?? '').split(' ');
    const end = words.findIndex((word) => !/^[a-z][a-z-]*$/.test(word));
    return { path: words.slice(0, end === -1 ? undefined : end).join(' '), exitCodes: (match[2] ?? '').trim().split(/\s+/).map(Number) };
  });
}

describe('README: Commands at a glance', () => {
  const rows = commandRows(readFileSync(new URL('../../../README.md', import.meta.url), 'utf8'));
  const listed = COMMANDS.filter((definition) => !definition.hidden);

  it('has one row per command of the table, and no other', () => {
    expect(rows.map((row) => row.path).sort()).toEqual(listed.map((definition) => definition.path.join(' ')).sort());
  });

  it.each(listed.map((definition) => [definition.path.join(' '), definition] as const))('gives %s the exit codes its --help lists', (name, definition) => {
    expect(rows.find((row) => row.path === name)?.exitCodes).toEqual([...definition.exitCodes].sort((a, b) => a - b));
  });
});
