import fs from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { CliError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { Rclone } from '../rclone/runner.js';
import { bisyncExitOf, supports } from '../rclone/capabilities.js';
import type { RcloneVersion } from '../rclone/version.js';
import type { StatePaths } from '../core/paths.js';
import { buildBisyncArgs, CHECK_FILENAME, rcloneSettlesConflicts, type Fallback } from './args.js';
import { openCloudBackups } from './cloud-backups.js';
import { acquireCloudLease, leaseHolder, reportingWaits, type CloudLease, type LeaseStore } from './cloud-lease.js';
import { ensureCheckFile } from './check-file.js';
import { chooseComparison, hasModtimeOnlyLines, type Comparison } from './compare.js';
import { checkNothingToSync, WATCHED_EDIT } from './fast-path.js';
import { nextAttempt, recordOf, resultOf, type Attempt, type AttemptContext, type AttemptDone } from './attempts.js';
import { dropIdenticalCopies, keepBothBeforeBaseline, renameLeftoverCopies, renameRcloneCopies, resolveConflictsByAge } from './conflicts.js';
import { freeBytesAt, removePartialFiles, requireDiskSpace } from './disk-space.js';
import { makeFolder } from '../local/folder-check.js';
import { compileFilterRules, filtersChangedSinceBaseline } from './filters.js';
import { exactExcludeRule, readRefusedNames, refusedLongNames, refusedNamesNote, rememberRefusedNames } from './refused-names.js';
import { helperRclone, type HelperRcloneOptions } from './helper-rclone.js';
import type { Interrupts } from './interrupts.js';
import { parseStatsLine, type RcloneStats } from './progress.js';
import { parseBisyncOutcome, type BisyncOutcome, type Changes, type Conflict, type FileChange } from './outcome.js';
import { hasRcloneCopies, planRun, type RunPlan } from './plan.js';
import { planUploadFirst, uploadableFiles, uploadFirst, type UploadedFirst } from './upload-first.js';
import { openSafetyNet, parseListing, safetyNetMode, type SafetyNet } from './safety-net.js';
import { repairListings } from './listing-repair.js';
import type { BisyncProfile } from './profiles.js';
import { clashCandidates, moveClashingFolders } from './type-clash.js';
import { readBisyncState, recordRun, type BisyncRunRecord } from './state.js';
import { readListingState, readPriorCloudListing, readPriorListing } from './workdir.js';

/** One tenant's pair: the folder, the bucket and rclone's files for them. */
export interface SyncTarget {
  tenantId: string;
  localPath: string;
  remotePath: string;
  workdir: string;
  session: string;
  filtersFile: string;
  tigris: boolean;
}

export interface SyncDeps {
  rclone: Rclone;
  version: RcloneVersion;
  output: Output;
  paths: StatePaths;
  interrupts: Interrupts;
  /** `POST /sync`, best effort; `paths`: the keys the run changed in the bucket, when they can be named. */
  notifySync: (paths: readonly string[] | undefined) => Promise<void>;
  /** The bucket's one-writer lease (issue 8); undefined, or resolving to undefined, where it cannot be had. */
  leaseStore?: () => Promise<LeaseStore | undefined>;
  /** Shown while rclone runs (on a terminal): called on its stats and every second. */
  progress?: ((stats: RcloneStats | undefined, elapsedMs: number, baseline: boolean) => void) | undefined;
}

export interface SyncRequest {
  profile: BisyncProfile;
  dryRun: boolean;
  baseline: boolean;
  /**
   * A watch's run that local edits started, with the files edited: no need to compare the folder with
   * its listing first, and a save may be uploaded first.
   */
  watchedEdit?: { files: string[] } | undefined;
}

export interface SyncReport {
  plan: RunPlan;
  outcome: BisyncOutcome;
  interrupted: boolean;
  /** Follow-ups the run did by itself, one line each (forced re-run, conflicts resolved). */
  notes: string[];
  record: BisyncRunRecord;
}

/**
 * One bisync between the folder and the bucket: a plan, then rclone runs chosen one after the other
 * by `nextAttempt` (each with its reason in the record), with the side effects each one needs.
 */
export async function syncOnce(deps: SyncDeps, target: SyncTarget, request: SyncRequest): Promise<SyncReport> {
  const startedAt = new Date();
  const { output, version } = deps;
  const state = await readBisyncState(deps.paths, target.tenantId);
  const plan = planRun({
    requestedBaseline: request.baseline,
    listings: await readListingState(target.workdir, target.session),
    filtersChanged: await filtersChangedSinceBaseline(deps.paths),
    leftoverCopies: !supports(version, 'conflictResolve') && state.lastRun?.result === 'interrupted' && hasRcloneCopies((await readPriorListing(target.workdir, target.session, 'path1')) ?? ''),
    checkAccessStop: state.checkAccessStop === true,
    version,
  });
  if (plan.mode === 'baseline' && plan.announce) output.info(plan.announce);
  if (plan.mode === 'sync') await requireFolder(target.localPath);
  const helpers = (phase: 'before-sync' | 'around-sync') => helperRclone(deps.rclone, { interrupts: deps.interrupts, phase, waiting: waitingFor(deps, plan.mode === 'baseline') });
  const before = helpers('before-sync');
  const excluded = compileFilterRules(await fs.readFile(target.filtersFile, 'utf8').catch(() => ''));
  const quick = await checkNothingToSync({
    rclone: before,
    target,
    excluded,
    plan,
    dryRun: request.dryRun,
    comparison: (await comparisonOf(version, target, 'sync')).kind,
    lastResult: state.lastRun?.result,
    session: target.session,
    refusedNames: (await readRefusedNames(target.workdir, target.localPath)).length,
    watchedEdit: request.watchedEdit !== undefined,
  });
  if (deps.interrupts.stopping) return stoppedBeforeSync(request, target, plan, startedAt);
  if (quick.nothingToSync) return nothingToSyncReport(deps, target, request, plan, startedAt);
  output.debug(`rclone bisync runs: ${quick.why}.`);
  let lease: CloudLease | undefined;
  try {
    lease = request.dryRun ? undefined : await takeCloudLease(deps, target, waitingFor(deps, plan.mode === 'baseline'));
  } catch (error) {
    if (deps.interrupts.stopping) return stoppedBeforeSync(request, target, plan, startedAt);
    throw error;
  }
  try {
    return await syncWithRclone(deps, target, request, { plan, state, startedAt, helpers, excluded, settled: quick.why === WATCHED_EDIT });
  } finally {
    await lease?.release();
  }
}

interface PlannedSync {
  plan: RunPlan;
  state: Awaited<ReturnType<typeof readBisyncState>>;
  startedAt: Date;
  helpers: (phase: HelperRcloneOptions['phase']) => Rclone;
  /** The filters, compiled. */
  excluded: (relative: string) => boolean;
  /** The pair is as the nothing-to-sync check needs it, but for the watched edit (a save may go first). */
  settled: boolean;
}

/** The rclone runs of one sync, with this machine holding the bucket's lease (no dry run). */
async function syncWithRclone(deps: SyncDeps, target: SyncTarget, request: SyncRequest, { plan, state, startedAt, helpers, excluded, settled }: PlannedSync): Promise<SyncReport> {
  const { output, version } = deps;
  const before = helpers('before-sync');
  const first = request.dryRun ? undefined : await uploadSaveFirst({ ...deps, rclone: before }, target, request, { settled, excluded });

  const notes: string[] = [];
  // How the CLI copes with an older rclone is not news to people: told with --verbose only.
  const tell = (fallback: Fallback) => output.debug(fallback.message);
  const rcloneNamesCopies = supports(version, 'conflictResolve');
  const keptConflicts: Conflict[] = [...(first?.kept ?? [])];
  if (first && first.kept.length > 0) notes.push(keptInCloudNote(first.kept.length));
  try {
    if (!request.dryRun) await requireDiskSpace({ rclone: before, freeBytes: freeBytesAt }, { ...target, priorCloudListing: plan.mode === 'sync' ? await readPriorCloudListing(target.workdir, target.session) : undefined }, { always: state.lastRun?.result === 'disk-full' });
    if (plan.mode === 'baseline' && !request.dryRun) {
      await makeFolder(target.localPath);
      await ensureCheckFile(target.localPath);
      if (!rcloneNamesCopies) keptConflicts.push(...(await renameLeftoverCopies(before, target)));
      // rclone's baseline lets the folder's copy overwrite every differing cloud copy: keep both first.
      keptConflicts.push(...(await keepBothBeforeBaseline(before, target)));
    }
  } catch (error) {
    // A listing stopped by Ctrl-C fails the step it served: the interruption is the news, not the failure.
    if (deps.interrupts.stopping) return stoppedBeforeSync(request, target, plan, startedAt);
    throw error;
  }
  if (deps.interrupts.stopping) return stoppedBeforeSync(request, target, plan, startedAt);

  const around = helpers('around-sync');
  const priorLocalListing = await readPriorListing(target.workdir, target.session, 'path1');
  const net = request.dryRun ? undefined : await openNet(deps, target, priorLocalListing, excluded);
  const context: AttemptContext = { plan, dryRun: request.dryRun, hardStopped: false, stopping: false, rcloneResolvesConflicts: rcloneNamesCopies, keptByNet: undefined };
  const done: AttemptDone[] = [];
  /** rclone < 1.66's conflicts once this CLI resolved and renamed them. */
  let renamedConflicts: Conflict[] | undefined;
  const prepare = async (attempt: Attempt, previous: BisyncOutcome | undefined) => {
    if (attempt.reason === 'forced-after-false-alarm') {
      notes.push('Every file on one side changed since the last sync (normal for a small folder) and nothing is to be deleted: synced anyway.');
    } else if (attempt.reason === 'conflict-refresh' && previous?.kind === 'ok') {
      const newerWins = request.profile.conflictResolve === 'newer';
      const distinct = await dropIdenticalCopies(around, target, previous.conflicts);
      const resolved = newerWins ? await resolveConflictsByAge(around, target, distinct) : distinct;
      renamedConflicts = await renameRcloneCopies(around, target, resolved);
      if (newerWins && resolved.length > 0) notes.push(`rclone ${version.raw} keeps both copies of a conflict: the newer now has the name back and the older is kept as a copy, on both sides.`);
      // The renames happened on both sides behind rclone's back: a baseline records them without
      // copying. A cloud edit made in the meantime is kept first, as before any baseline.
      keptConflicts.push(...(await keepBothBeforeBaseline(around, target)));
    }
  };
  const closeNet = async (open: SafetyNet) => {
    const restored = await open.close(writtenByRclone(done.map((run) => run.outcome), keptConflicts));
    context.keptByNet = restored.conflicts.length;
    if (restored.conflicts.length === 0) return;
    keptConflicts.push(...restored.conflicts);
    notes.push(`${restored.conflicts.length} note${restored.conflicts.length > 1 ? 's were' : ' was'} edited while rclone replaced ${restored.conflicts.length > 1 ? 'them' : 'it'}: the edit${restored.conflicts.length > 1 ? 's are' : ' is'} kept as a conflict copy.`);
  };
  try {
    for (;;) {
      context.hardStopped = deps.interrupts.hardStopped;
      context.stopping = deps.interrupts.stopping;
      const attempt = nextAttempt(done, context);
      if (!attempt) {
        if (!net || context.keptByNet !== undefined) break;
        await closeNet(net);
        continue;
      }
      await prepare(attempt, done.at(-1)?.outcome);
      const ran = await runRclone(deps, around, target, request, tell, attempt, context);
      done.push(ran.done);
      if (ran.keptInCloud.length > 0) {
        keptConflicts.push(...ran.keptInCloud);
        notes.push(keptInCloudNote(ran.keptInCloud.length));
      }
    }
  } catch (error) {
    // Whatever stopped the run, the versions the net holds are kept before the error is told.
    if (context.keptByNet === undefined) await net?.close(() => true);
    throw error;
  }

  let outcome = resultOf(done);
  if (outcome.kind === 'ok' && !request.dryRun) {
    const transferred = pathsTransferred(done);
    for (const change of first?.uploaded ?? []) transferred.uploaded.add(change.path);
    const repairs = await repairListings(target, { priorPath1: parseListing(priorLocalListing ?? ''), ...transferred });
    if (repairs.length > 0) output.debug(`Saved while rclone ran, so not synced yet (the next run syncs them): ${repairs.map((repair) => repair.path).join(', ')}.`);
  }
  if (outcome.kind === 'disk-full' && (await readListingState(target.workdir, target.session)) !== 'present') {
    // The next run is a baseline: a note truncated by the full disk must not be uploaded by it.
    const removed = await removePartialFiles(around, target, outcome.files);
    if (removed.length > 0) notes.push(`Removed ${removed.length} empty ${removed.length === 1 ? 'copy' : 'copies'} the full disk left (${removed.join(', ')}); the cloud keeps ${removed.length === 1 ? 'its' : 'their'} content and the next run downloads ${removed.length === 1 ? 'it' : 'them'}.`);
  }
  const refused = await readRefusedNames(target.workdir, target.localPath);
  if (refused.length > 0) notes.push(refusedNamesNote(refused));
  if (outcome.kind === 'ok') outcome = { ...outcome, changes: withUploadedFirst(outcome.changes, first?.uploaded ?? []), conflicts: [...keptConflicts, ...(renamedConflicts ?? outcome.conflicts)] };

  const interrupted = deps.interrupts.stopping;
  const record: BisyncRunRecord = {
    ...recordHead(request, target, startedAt),
    mode: plan.mode,
    why: plan.mode === 'baseline' ? plan.why : undefined,
    // Ctrl-C ends a run before its follow-ups (a conflict baseline, the safety net's upload): never 'ok'.
    result: interrupted ? 'interrupted' : outcome.kind,
    safetyReasons: outcome.kind === 'safety-stop' ? outcome.reasons : [],
    pendingDeletes: outcome.kind === 'safety-stop' ? outcome.pendingDeletes : undefined,
    detail: 'detail' in outcome ? outcome.detail : undefined,
    changes: withoutCheckFile('changes' in outcome ? outcome.changes : { toCloud: [], toLocal: [] }),
    conflicts: outcome.kind === 'ok' ? outcome.conflicts : [],
    attempts: done.map(recordOf),
  };
  if (!request.dryRun) {
    await recordRun(deps.paths, target.tenantId, record);
    if (outcome.kind === 'ok' && changedSomething(record)) {
      await deps.notifySync(keysChangedInCloud(record)).catch((error: unknown) => output.debug(`POST /sync failed (best effort): ${(error as Error).message}`));
    }
  }
  return { plan, outcome, interrupted, notes, record };
}

async function runRclone(deps: SyncDeps, helpers: Rclone, target: SyncTarget, request: SyncRequest, tell: (fallback: Fallback) => void, attempt: Attempt, context: AttemptContext): Promise<{ done: AttemptDone; keptInCloud: Conflict[] }> {
  const priorCloudListing = await readPriorCloudListing(target.workdir, target.session);
  const cloud = request.dryRun ? undefined : await openCloudBackups(helpers, target, priorCloudListing, supports(deps.version, 'backupDirs'));
  const { args, fallbacks } = buildBisyncArgs(request.profile, {
    localPath: target.localPath,
    remotePath: target.remotePath,
    workdir: target.workdir,
    filtersFile: target.filtersFile,
    mode: attempt.mode,
    dryRun: request.dryRun,
    force: attempt.force,
    tigris: target.tigris,
    excludes: (await readRefusedNames(target.workdir, target.localPath)).map(exactExcludeRule),
    comparison: (await comparisonOf(deps.version, target, attempt.mode)).flags,
    startedAt: new Date(),
    cloudBackupDir: cloud?.backups.dir,
  }, deps.version);
  for (const fallback of fallbacks) tell(fallback);
  context.rcloneResolvesConflicts = rcloneSettlesConflicts(args);
  await fs.mkdir(target.workdir, { recursive: true, mode: 0o700 });
  const { progress } = deps;
  let stats: RcloneStats | undefined;
  const onStderrLine = (line: string) => {
    const parsed = progress ? parseStatsLine(line) : undefined;
    if (parsed) stats = parsed;
    else deps.output.debug(line);
  };
  const startedAt = Date.now();
  const report = () => progress?.(stats, Date.now() - startedAt, attempt.mode === 'baseline');
  const child = await deps.rclone.start(progress ? [...args, '--stats', '1s', '--stats-one-line'] : args, { detached: true, onStderrLine });
  deps.interrupts.track(child);
  report();
  const ticker = progress ? setInterval(report, 1_000) : undefined;
  const result = await child.result.finally(() => clearInterval(ticker));
  deps.interrupts.track(undefined);
  if (result.exitCode !== 0 && !request.dryRun) {
    await rememberRefusedNames(target.workdir, target.localPath, refusedLongNames(result.stderr));
    for (const { from, to } of await moveClashingFolders(helpers, target, clashCandidates(result.stderr))) {
      deps.output.info(`The cloud has a file ${from} where this folder had a folder: the folder is now ${to} (nothing in it was lost), so the next run keeps both.`);
    }
  }
  const outcome = parseBisyncOutcome({
    exitCode: result.exitCode,
    signal: result.signal,
    log: result.stderr,
    listings: await readListingState(target.workdir, target.session),
    localRoot: target.localPath,
    remoteRoot: target.remotePath,
  });
  const keptInCloud = cloud ? [...cloud.leftOver, ...(await cloud.backups.settle(outcome, priorCloudListing))] : [];
  return { done: { attempt, outcome, rcloneExit: bisyncExitOf(deps.version, result.exitCode) }, keptInCloud };
}

/**
 * A watched save of a settled pair goes to the bucket before the bisync (upload-first.ts); undefined
 * when it does not, and why is told with --verbose.
 */
async function uploadSaveFirst(deps: SyncDeps, target: SyncTarget, request: SyncRequest, pair: { settled: boolean; excluded: (relative: string) => boolean }): Promise<UploadedFirst | undefined> {
  if (!request.watchedEdit) return undefined;
  const plan = planUploadFirst({ edited: request.watchedEdit.files, settled: pair.settled, backupDirs: supports(deps.version, 'backupDirs') });
  const files = 'files' in plan ? uploadableFiles(target.localPath, plan.files, pair.excluded) : undefined;
  if (!files) {
    deps.output.debug(`No upload first: ${'why' in plan ? plan.why : 'no edited path is a file in the sync now'}.`);
    return undefined;
  }
  const first = await uploadFirst(deps.rclone, target, files, await readPriorCloudListing(target.workdir, target.session));
  deps.output.debug(`Uploaded first, before the bisync that records ${files.length === 1 ? 'it' : 'them'}: ${first.uploaded.map((change) => change.path).join(', ') || 'nothing (the bisync uploads)'}.`);
  return first;
}

/** Pure: the run's changes with the notes uploaded before its bisync (which found them equal on both sides). */
export function withUploadedFirst(changes: Changes, uploaded: FileChange[]): Changes {
  const listed = new Set(changes.toCloud.map((change) => change.path));
  return { ...changes, toCloud: [...changes.toCloud, ...uploaded.filter((change) => !listed.has(change.path))] };
}

function keptInCloudNote(count: number): string {
  return `${count} note${count > 1 ? 's' : ''} another machine uploaded while this run replaced ${count > 1 ? 'them' : 'it'} in the cloud: ${count > 1 ? 'their versions are' : 'its version is'} kept as a conflict copy on both sides.`;
}

/** Decided per rclone run: the run that switches a pair to checksums is followed by checksum runs. */
async function comparisonOf(version: RcloneVersion, target: SyncTarget, mode: 'sync' | 'baseline'): Promise<Comparison> {
  const localListing = (await readPriorListing(target.workdir, target.session, 'path1')) ?? '';
  // The remote is the tenant's S3 bucket (cloud setup writes it): its listing carries MD5 ETags.
  return chooseComparison({ version, commonHash: 'md5', mode, priorModtimeOnly: hasModtimeOnlyLines(localListing) });
}

/**
 * The bucket's lease (`cloud-lease.ts`). A bucket whose markers cannot be written or listed (the
 * secret unreadable, an older API's narrower key) syncs without it, as before, said with --verbose.
 */
async function takeCloudLease(deps: SyncDeps, target: SyncTarget, waiting: ((elapsedMs: number) => void) | undefined): Promise<CloudLease | undefined> {
  try {
    const store = await deps.leaseStore?.();
    if (!store) return undefined;
    return await acquireCloudLease(reportingWaits(store, waiting), {
      holder: leaseHolder(os.hostname(), target.localPath),
      stopping: () => deps.interrupts.stopping,
      onWaiting: (host) => deps.output.info(`Waiting for another machine (${host}) to finish syncing these notes: one machine writes to the cloud at a time.`),
    });
  } catch (error) {
    if (error instanceof CliError || deps.interrupts.stopping) throw error;
    deps.output.debug(`The cloud's sync lease could not be taken (${(error as Error).message}): syncing without it.`);
    return undefined;
  }
}

/** What every run record starts with: when it ran, how long, which profile and folder. */
function recordHead(request: SyncRequest, target: SyncTarget, startedAt: Date): Pick<BisyncRunRecord, 'startedAt' | 'finishedAt' | 'durationMs' | 'profile' | 'localPath'> {
  const finishedAt = new Date();
  return { startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), durationMs: finishedAt.getTime() - startedAt.getTime(), profile: request.profile.name, localPath: target.localPath };
}

/** What a run that started no rclone bisync records: no change, no conflict, no rclone run. */
function recordWithoutRclone(request: SyncRequest, target: SyncTarget, plan: RunPlan, startedAt: Date, result: BisyncRunRecord['result']): BisyncRunRecord {
  return {
    ...recordHead(request, target, startedAt),
    mode: plan.mode,
    why: plan.mode === 'baseline' ? plan.why : undefined,
    result,
    safetyReasons: [],
    detail: undefined,
    changes: { toCloud: [], toLocal: [] },
    conflicts: [],
    attempts: [],
  };
}

/** A run that found both sides as rclone's last listings have them: recorded like a sync with no change. */
async function nothingToSyncReport(deps: SyncDeps, target: SyncTarget, request: SyncRequest, plan: RunPlan, startedAt: Date): Promise<SyncReport> {
  const record: BisyncRunRecord = { ...recordWithoutRclone(request, target, plan, startedAt, 'ok'), nothingToSync: true };
  await recordRun(deps.paths, target.tenantId, record);
  return { plan, outcome: { kind: 'ok', changes: record.changes, conflicts: [] }, interrupted: false, notes: [], record };
}

/**
 * Ctrl-C before rclone bisync started: nothing was changed, so nothing is recorded (the last run's
 * record stays true).
 */
function stoppedBeforeSync(request: SyncRequest, target: SyncTarget, plan: RunPlan, startedAt: Date): SyncReport {
  const record = recordWithoutRclone(request, target, plan, startedAt, 'interrupted');
  return { plan, outcome: { kind: 'ok', changes: record.changes, conflicts: [] }, interrupted: true, notes: [], record };
}

/** The progress a helper rclone reports while it runs: no counts, how long it has waited. */
function waitingFor(deps: SyncDeps, baseline: boolean): ((elapsedMs: number) => void) | undefined {
  const { progress } = deps;
  return progress && ((elapsedMs) => progress(undefined, elapsedMs, baseline));
}

/** The notes a run's rclone runs uploaded, and those they wrote in the folder (pulls and conflicts). */
function pathsTransferred(done: AttemptDone[]): { uploaded: Set<string>; pulled: Set<string> } {
  const outcomes = done.map((run) => run.outcome);
  const changes = outcomes.flatMap((outcome) => ('changes' in outcome ? [outcome.changes] : []));
  const conflicts = outcomes.flatMap((outcome) => (outcome.kind === 'ok' ? outcome.conflicts.map((conflict) => conflict.path) : []));
  return {
    uploaded: new Set(changes.flatMap((change) => change.toCloud.map((file) => file.path))),
    pulled: new Set([...changes.flatMap((change) => change.toLocal.map((file) => file.path)), ...conflicts]),
  };
}

async function openNet(deps: SyncDeps, target: SyncTarget, priorListing: string | undefined, excluded: (relative: string) => boolean): Promise<SafetyNet> {
  return openSafetyNet({
    localPath: target.localPath,
    netDir: path.join(target.workdir, 'safety-net'),
    priorListing,
    excluded,
    ...safetyNetMode(deps.version),
  });
}

/** Pure: the folder paths rclone may have written or deleted; all of them when a run's log could not say. */
export function writtenByRclone(outcomes: BisyncOutcome[], kept: Conflict[]): (file: string) => boolean {
  if (outcomes.some((outcome) => !('changes' in outcome))) return () => true;
  const written = new Set<string>(kept.flatMap((conflict) => [conflict.path, ...conflict.copies]));
  for (const outcome of outcomes) {
    if (!('changes' in outcome)) continue;
    for (const change of outcome.changes.toLocal) written.add(change.path);
    if (outcome.kind === 'ok') for (const conflict of outcome.conflicts) written.add(conflict.path);
  }
  return (file) => written.has(file);
}

/** The check file is ours: people count their notes, not it. */
function withoutCheckFile(changes: Changes): Changes {
  const keep = (change: FileChange) => change.path !== CHECK_FILENAME;
  return { toCloud: changes.toCloud.filter(keep), toLocal: changes.toLocal.filter(keep) };
}

function changedSomething(record: BisyncRunRecord): boolean {
  return record.changes.toCloud.length > 0 || record.changes.toLocal.length > 0 || record.conflicts.length > 0;
}

/** More keys than this, and the cloud is asked for a full refresh: naming them would cost it more than a rescan. */
export const MAX_NAMED_KEYS = 200;

/**
 * Pure: the bucket keys a run uploaded or deleted, for `POST /sync` to refresh just those; undefined
 * (a full refresh) when they cannot be named: conflict copies, whose names rclone chose, or too many.
 */
export function keysChangedInCloud(record: Pick<BisyncRunRecord, 'changes' | 'conflicts'>): string[] | undefined {
  const keys = [...new Set(record.changes.toCloud.map((change) => change.path))].sort();
  if (record.conflicts.length > 0 || keys.length === 0 || keys.length > MAX_NAMED_KEYS) return undefined;
  return keys;
}

async function requireFolder(folder: string): Promise<void> {
  const stat = await fs.stat(folder).catch(() => undefined);
  if (stat?.isDirectory()) return;
  throw new CliError(`The folder ${folder} is missing, so syncing now would look like every note was deleted.`, {
    hint: 'Bring the folder back (a disk not mounted?), or run `basic-memory cloud bisync --resync` to download everything into a new folder.',
  });
}
