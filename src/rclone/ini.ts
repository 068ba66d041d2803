/**
 * rclone.conf as text. rclone parses it as INI (`[remote]` headers, `key = value` lines, `#` and `;`
 * comments); we edit one section and keep every other byte, comments and line endings included,
 * because the file is the user's.
 */

export interface IniSection {
  name: string;
  /** Index of the header line. */
  headerLine: number;
  /** Index of the last `key = value` line of the section (the header when it has none). */
  lastEntryLine: number;
  entries: Record<string, string>;
}

export type IniParse =
  | { ok: true; sections: IniSection[] }
  | { ok: false; line: number; problem: string };

const SECTION = /^\s*\[([^\]]*)\]\s*$/;
const ENTRY = /^\s*([^=\s][^=]*?)\s*=\s?(.*)$/;
const IGNORED = /^\s*([#;].*)?$/;

export function parseIni(text: string): IniParse {
  if (/^RCLONE_ENCRYPT_V\d:/m.test(text)) {
    return { ok: false, line: 1, problem: 'the file is encrypted (rclone config password)' };
  }
  const sections: IniSection[] = [];
  const lines = splitLines(text);
  let current: IniSection | undefined;
  for (const [index, line] of lines.entries()) {
    const header = SECTION.exec(line);
    if (header) {
      const name = (header[1] ?? '').trim();
      if (!name) return { ok: false, line: index + 1, problem: 'a section header has no name' };
      if (sections.some((section) => section.name === name)) {
        return { ok: false, line: index + 1, problem: `the remote [${name}] is defined twice` };
      }
      current = { name, headerLine: index, lastEntryLine: index, entries: {} };
      sections.push(current);
      continue;
    }
    if (IGNORED.test(line)) continue;
    const entry = ENTRY.exec(line);
    if (!entry) return { ok: false, line: index + 1, problem: `"${line.trim().slice(0, 40)}" is neither a [remote] header nor a key = value line` };
    if (!current) return { ok: false, line: index + 1, problem: 'a key = value line comes before any [remote] header' };
    current.entries[(entry[1] ?? '').trim()] = (entry[2] ?? '').trimEnd();
    current.lastEntryLine = index;
  }
  return { ok: true, sections };
}

/**
 * Replaces the section `name` (its header and entries; comments after its last entry stay, they
 * usually introduce the next remote) or appends it. Everything else is returned byte for byte.
 */
export function replaceSection(text: string, sections: IniSection[], name: string, entries: Record<string, string>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const block = [`[${name}]`, ...Object.entries(entries).map(([key, value]) => `${key} = ${value}`)].map((line) => line + eol);
  const existing = sections.find((section) => section.name === name);
  const lines = linesWithEndings(text);
  if (existing) {
    lines.splice(existing.headerLine, existing.lastEntryLine - existing.headerLine + 1, ...block);
    return lines.join('');
  }
  if (text.length === 0) return block.join('');
  const separator = text.endsWith(eol) ? (text.endsWith(eol + eol) ? '' : eol) : eol + eol;
  return text + separator + block.join('');
}

/** Lines without their endings, for reading. */
function splitLines(text: string): string[] {
  return linesWithEndings(text).map((line) => line.replace(/\r?\n$/, ''));
}

/** Lines with their own endings, so joining them gives back the exact bytes. */
function linesWithEndings(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}
