import fs from 'node:fs/promises';
import path from 'node:path';
import type { Changes, DeleteShare } from './outcome.js';
import type { BisyncProfile } from './profiles.js';

/** Pure: the least permissive profile whose delete limit allows `percent`, if any does. */
export function profileAllowing(percent: number, profiles: BisyncProfile[]): BisyncProfile | undefined {
  return profiles.filter((profile) => profile.maxDeletePercent >= percent).sort((a, b) => a.maxDeletePercent - b.maxDeletePercent)[0];
}

/** Where a stopped deletion is applied by hand: the other side, with the list of files. */
export interface ApplyDeletes {
  deletedOn: 'local' | 'cloud';
  /** The side the files are still on (rclone path). */
  otherSide: string;
  listFile: string;
  files: string[];
}

/** Pure: which lists to write for the sides whose deletes went over the limit. */
export function deletesToApply(shares: DeleteShare[], changes: Changes, roots: { localPath: string; remotePath: string }, listDir: string): ApplyDeletes[] {
  return shares.map((share) => {
    const pending = share.deletedOn === 'local' ? changes.toCloud : changes.toLocal;
    return {
      deletedOn: share.deletedOn,
      otherSide: share.deletedOn === 'local' ? roots.remotePath : roots.localPath,
      listFile: path.join(listDir, `deleted-${share.deletedOn === 'local' ? 'here' : 'in-the-cloud'}.txt`),
      files: pending.filter((change) => change.action === 'deleted').map((change) => change.path),
    };
  });
}

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/**
 * Pure: the advice after a delete stop, naming a command that allows the deletion: a profile whose
 * limit is high enough, or (above every profile's limit) rclone deleting the listed files on the
 * other side followed by a baseline, which then has nothing to bring back.
 */
export function deleteStopAdvice(input: { shares: DeleteShare[]; profiles: BisyncProfile[]; apply: ApplyDeletes[]; rclone: string[]; dryRun?: boolean }): string {
  // A dry run has just shown the list.
  const listHint = input.dryRun ? '' : '; `--dry-run` shows the list';
  const percent = Math.max(0, ...input.shares.map((share) => share.percent));
  const profile = profileAllowing(percent, input.profiles);
  if (profile) return `If those deletions are intended, run \`basic-memory cloud bisync --profile ${profile.name}\` (it allows ${profile.maxDeletePercent}%)${listHint}.`;
  const commands = input.apply.filter((side) => side.files.length > 0).map((side) => [...input.rclone, 'delete', side.otherSide, '--files-from', side.listFile].map(quote).join(' '));
  if (commands.length === 0) return `No profile allows deleting ${percent}% of one side at once${listHint}.`;
  return `No profile allows deleting ${percent}% of one side at once. If those deletions are intended, apply them to the other side with \`${commands.join(' && ')}\` (the list of files is in that file), then run \`basic-memory cloud bisync --resync\`.`;
}

export async function writeDeleteLists(apply: ApplyDeletes[]): Promise<void> {
  for (const side of apply) {
    if (side.files.length === 0) continue;
    await fs.mkdir(path.dirname(side.listFile), { recursive: true, mode: 0o700 });
    await fs.writeFile(side.listFile, `${side.files.join('\n')}\n`, { mode: 0o600 });
  }
}
