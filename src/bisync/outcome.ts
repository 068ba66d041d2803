import { diskFullPaths, failedOnLocalWrites } from './disk-space.js';

/** What a bisync run did or why it stopped, as a value the command decides on. */
export type BisyncOutcome =
  | { kind: 'ok'; changes: Changes; conflicts: Conflict[] }
  | { kind: 'safety-stop'; reasons: SafetyReason[]; changes: Changes; pendingDeletes: { local: number; cloud: number }; deleteShares?: DeleteShare[] }
  | { kind: 'needs-baseline'; reason: BaselineReason; detail: string }
  | { kind: 'lock-held'; detail: string }
  | { kind: 'disk-full'; files: string[]; detail: string }
  | { kind: 'failed'; transient: boolean; keyRefused?: true; detail: string };

export type SafetyReason = 'max-delete' | 'all-files-changed' | 'check-access' | 'empty-side';
export type BaselineReason = 'interrupted' | 'filters-changed' | 'empty-listing' | 'missing-listings' | 'critical-error';

/** rclone's "too many deletes (>25%, 9 of 10) on Path1": Path1 is the folder, so its deletes would go to the cloud. */
export interface DeleteShare {
  deletedOn: 'local' | 'cloud';
  percent: number;
}

export type ChangeAction = 'new' | 'changed' | 'deleted';
export interface FileChange {
  path: string;
  action: ChangeAction;
}

/** Path1 is the local folder, Path2 the bucket: Path1's changes go to the cloud. */
export interface Changes {
  toCloud: FileChange[];
  toLocal: FileChange[];
}

export interface Conflict {
  path: string;
  /** The copies the versions were kept under (rclone's `..path1`/`..path2` before 1.66; `name.conflict-STAMP-N.ext` from 1.66). */
  copies: string[];
  /** Set when rclone (1.66+) picked a winner that kept the name. */
  winner: 'local' | 'cloud' | undefined;
}

/** The state of rclone's prior listings in the workdir after a run. */
export type ListingState = 'present' | 'missing' | 'failed';

export interface RunFacts {
  exitCode: number;
  signal: string | undefined;
  log: string;
  listings: ListingState;
  localRoot: string;
  remoteRoot: string;
}

// rclone colours its log on a terminal only, but a user's RCLONE_COLOR can force it.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/**
 * Pure: exit code + log + listing files → outcome. Lockout is read from the listings, not the exit
 * code (which changed in 1.69, and --resilient keeps the listings on a retryable error).
 */
export function parseBisyncOutcome(facts: RunFacts): BisyncOutcome {
  const lines = facts.log.replace(ANSI, '').split(/\r?\n/);
  const has = (pattern: RegExp) => lines.some((line) => pattern.test(line));
  const conflicts = parseConflicts(lines, facts);
  // Neither a conflict nor an equal file (1.66+ compares a file new on both sides) moved any bytes.
  const changes = parseChanges(lines, new Set([...conflicts.map((conflict) => conflict.path), ...equalOnBothSides(lines)]));
  const lastError = [...lines].reverse().find((line) => /ERROR|Failed to bisync/.test(line))?.replace(/^.*?(ERROR\s*:|Failed to bisync:)\s*/, '') ?? `rclone exited with code ${facts.exitCode}`;

  if (facts.exitCode === 0 && !facts.signal) return { kind: 'ok', changes, conflicts };
  if (failedOnLocalWrites(facts.log)) return { kind: 'disk-full', files: diskFullPaths(facts.log), detail: lastError };
  if (has(/prior lock file found/)) return { kind: 'lock-held', detail: lastError };
  if (has(/Access test failed|check file check failed/)) {
    return { kind: 'safety-stop', reasons: ['check-access'], changes, pendingDeletes: countDeletes(changes) };
  }
  if (facts.listings !== 'present') {
    const reason: BaselineReason = has(/Bisync interrupted/) || facts.signal ? 'interrupted'
      : has(/filters file (has changed|md5 hash not found)/) ? 'filters-changed'
        : has(EMPTY_LISTING) ? 'empty-listing'
          : facts.listings === 'missing' ? 'missing-listings' : 'critical-error';
    return { kind: 'needs-baseline', reason, detail: lastError };
  }
  const reasons: SafetyReason[] = [];
  // rclone 1.64+ (--resilient) keeps its listings and refuses every run: the user must decide.
  if (has(EMPTY_LISTING)) reasons.push('empty-side');
  if (has(/Safety abort: too many deletes/)) reasons.push('max-delete');
  if (has(/Safety abort: all files were changed/)) reasons.push('all-files-changed');
  if (reasons.length > 0) return { kind: 'safety-stop', reasons, changes, pendingDeletes: countDeletes(changes), deleteShares: parseDeleteShares(lines) };
  // The bucket's answer to a revoked or unknown access key: only a new key (cloud setup) helps.
  return { kind: 'failed', transient: has(/retrying may help|retryable/i), detail: lastError, ...(has(KEY_REFUSED) ? { keyRefused: true as const } : {}) };
}

// rclone 1.66+ opens the run's backup dir first (`cloud-backups.ts`); S3's NewFs takes any answer
// but 404 to a HEAD of that unique, never-written path as a file, so a refused key's 403 reads
// "is a file not a directory" there.
const KEY_REFUSED = /InvalidAccessKeyId|SignatureDoesNotMatch|InvalidClientTokenId|failed to make fs for --backup-dir .*\.basic-memory-backups\/.*is a file not a directory/;

const EMPTY_LISTING = /empty (prior|current) Path[12] listing/i;

const TOO_MANY_DELETES = /too many deletes \(>\d+%, (\d+) of (\d+)\) on Path([12])/;

function parseDeleteShares(lines: string[]): DeleteShare[] {
  return lines.map((line) => TOO_MANY_DELETES.exec(line)).filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ deletedOn: match[3] === '1' ? 'local' : 'cloud', percent: Math.ceil((100 * Number(match[1])) / Math.max(1, Number(match[2]))) }));
}

function countDeletes(changes: Changes): { local: number; cloud: number } {
  const deletes = (list: FileChange[]) => list.filter((change) => change.action === 'deleted').length;
  return { cloud: deletes(changes.toCloud), local: deletes(changes.toLocal) };
}

// `- Path1    File is new                         - notes/a.md` (1.58+); 1.66+ says `File changed: …`.
const DELTA = /- Path([12])\s+(File is new|File was deleted|File is newer|File is older|File changed[^-]*|File size differs|File hash differs)\s+- (.+)$/;
// A baseline (--resync) logs no deltas: its copies are attributed to the phase they happen in.
const BASELINE_TO_LOCAL = /Resync is (doing queued copies|copying files) to\s+- Path1/;
const BASELINE_TO_CLOUD = /Resynching Path1 to Path2|Resync is copying files to\s+- Path2/;
const COPIED = /: (.+): Copied \((new|replaced existing)\)$/;

function parseChanges(lines: string[], leftOut: Set<string>): Changes {
  const changes: Changes = { toCloud: [], toLocal: [] };
  const seen = new Set<string>();
  const add = (side: keyof Changes, path: string, action: ChangeAction) => {
    const key = `${side}\0${path}`;
    if (leftOut.has(path) || seen.has(key)) return;
    seen.add(key);
    changes[side].push({ path, action });
  };
  let baselinePhase: keyof Changes | undefined;
  for (const line of lines) {
    const delta = DELTA.exec(line);
    if (delta) {
      const [, side = '1', what = '', path = ''] = delta;
      const action: ChangeAction = what === 'File is new' ? 'new' : what === 'File was deleted' ? 'deleted' : 'changed';
      add(side === '1' ? 'toCloud' : 'toLocal', path.trim(), action);
    } else if (BASELINE_TO_LOCAL.test(line)) baselinePhase = 'toLocal';
    else if (BASELINE_TO_CLOUD.test(line)) baselinePhase = 'toCloud';
    else if (baselinePhase) {
      const copied = COPIED.exec(line);
      if (copied?.[1]) add(baselinePhase, copied[1], copied[2] === 'new' ? 'new' : 'changed');
    }
  }
  return changes;
}

// `- WARNING  New or changed in both paths        - a.md` (1.58+), `!WARNING` from 1.66.
const BOTH_CHANGED = /WARNING\s+New or changed in both paths\s+- (.+)$/;
const RENAMED_COPY = /Path([12])\s+Renaming Path[12] copy\s+- (.+)$/;
const WINNER = /: (.+): The winner is: Path([12])$/;
const EQUAL_SKIPPED = /Files are equal! Skipping: (.+)$/;
// 1.66+ compares a "changed on both sides" file before renaming: equal ones are no conflict.
const NOT_A_CONFLICT = [
  /: (.+): Files are equal but will copy anyway to (?:update modtime|fix case)/,
  EQUAL_SKIPPED,
  /This is a directory, not a file\. Skipping equality check and will not rename: (.+)$/,
];

/** Files new or changed on both sides with the same content: rclone copies nothing. */
function equalOnBothSides(lines: string[]): string[] {
  return lines.map((line) => EQUAL_SKIPPED.exec(line)?.[1]?.trim()).filter((name): name is string => name !== undefined);
}

/** NFC and NFD spellings of one name are the same note to people (and to rclone 1.66+). */
const sameName = (name: string) => name.trim().normalize('NFC');

function parseConflicts(lines: string[], facts: RunFacts): Conflict[] {
  const byPath = new Map<string, Conflict>();
  const roots = [facts.localRoot, facts.remoteRoot].map((root) => (root.endsWith('/') ? root : `${root}/`));
  const relative = (full: string) => roots.reduce((path, root) => (path.startsWith(root) ? path.slice(root.length) : path), full);
  for (const line of lines) {
    const both = BOTH_CHANGED.exec(line);
    if (both?.[1]) byPath.set(sameName(both[1]), { path: both[1].trim(), copies: [], winner: undefined });
  }
  for (const line of lines) {
    for (const pattern of NOT_A_CONFLICT) {
      const equal = pattern.exec(line)?.[1];
      if (equal) byPath.delete(sameName(equal));
    }
  }
  // rclone handles one conflict at a time: its copies are named right after its warning line (their
  // names need not start with the note's: `plan.conflict-….md` keeps the extension last).
  let current: Conflict | undefined;
  for (const line of lines) {
    const both = BOTH_CHANGED.exec(line)?.[1];
    if (both) current = byPath.get(sameName(both));
    const renamed = RENAMED_COPY.exec(line);
    if (renamed?.[2] && current) {
      const copy = relative(renamed[2].trim());
      if (!current.copies.includes(copy)) current.copies.push(copy);
    }
    const winner = WINNER.exec(line);
    const conflict = winner?.[1] ? byPath.get(sameName(winner[1])) : undefined;
    if (conflict) conflict.winner = winner?.[2] === '1' ? 'local' : 'cloud';
  }
  return [...byPath.values()];
}
