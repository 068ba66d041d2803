import fs from 'node:fs/promises';

/** One line of the operating system's mount table. */
export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

/** Pure: `/proc/self/mountinfo` → mount point and file system type per line (octal escapes decoded). */
export function parseMountinfo(text: string): MountEntry[] {
  const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-');
    const mountPoint = fields[4];
    const fsType = separator > 0 ? fields[separator + 1] : undefined;
    if (mountPoint && fsType) entries.push({ mountPoint: unescape(mountPoint), fsType });
  }
  return entries;
}

/** Pure: macOS `mount` output (`localhost:/x on /Users/u/notes (nfs, nodev, …)`) → mount point and type. */
export function parseMacMountOutput(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const match = / on (.+) \(([^,)]+)/.exec(line);
    if (match?.[1] && match[2]) entries.push({ mountPoint: match[1], fsType: match[2] });
  }
  return entries;
}

/** Linux's mount table; empty where there is none (another OS, a locked-down /proc). */
export async function readLinuxMountTable(): Promise<MountEntry[]> {
  return parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => ''));
}
