import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { StatePaths } from '../core/paths.js';
import { writeFileAtomic } from '../core/atomic-file.js';

/** This file compiles to dist/bisync/filters.js: the package root is two levels up. */
export const defaultFiltersFile = fileURLToPath(new URL('../../filters/bisync-filters.txt', import.meta.url));

/** Copies the default filters into the state dir once; after that the file is the user's. */
export async function seedFilters(paths: StatePaths): Promise<boolean> {
  try {
    await fs.access(paths.bisyncFilters);
    return false;
  } catch {
    await writeFileAtomic(paths.bisyncFilters, await fs.readFile(defaultFiltersFile, 'utf8'), 0o644);
    return true;
  }
}

/**
 * rclone keeps the md5 of the filters file used for the last baseline beside it (`<file>.md5`) and
 * refuses to sync once the file differs. True when that has happened (for `cloud doctor` and the run).
 */
export async function filtersChangedSinceBaseline(paths: StatePaths): Promise<boolean> {
  const [filters, recorded] = await Promise.all([
    fs.readFile(paths.bisyncFilters).catch(() => undefined),
    fs.readFile(`${paths.bisyncFilters}.md5`, 'utf8').catch(() => undefined),
  ]);
  if (filters === undefined || recorded === undefined) return false;
  return createHash('md5').update(filters).digest('hex') !== recorded.trim();
}

/** A glob of rclone's filter syntax as a path test (for the watcher, which must ignore what the sync ignores). */
export function compileFilterRules(text: string): (relativePath: string) => boolean {
  const rules: { include: boolean; pattern: RegExp }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const match = /^([+-])\s+(.+)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    rules.push({ include: match[1] === '+', pattern: globToRegExp(match[2]) });
  }
  return (relativePath) => {
    for (const rule of rules) if (rule.pattern.test(relativePath)) return !rule.include;
    return false;
  };
}

/** rclone glob: `*` within a name, `**` across folders, a leading `/` anchors at the root. */
export function globToRegExp(glob: string): RegExp {
  const anchored = glob.startsWith('/');
  let body = '';
  const source = anchored ? glob.slice(1) : glob;
  for (let index = 0; index < source.length; index += 1) {
    const char = source.charAt(index);
    if (char === '*' && source.charAt(index + 1) === '*') {
      body += '.*';
      index += 1;
    } else if (char === '*') body += '[^/]*';
    else if (char === '?') body += '[^/]';
    else body += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${anchored ? '^' : '(^|/)'}${body}$`);
}
