import fs from 'node:fs/promises';
import path from 'node:path';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { buildBisyncArgs, bisyncSessionName } from '../../../src/bisync/args.js';
import { hasModtimeOnlyLines } from '../../../src/bisync/compare.js';
import { seedFilters } from '../../../src/bisync/filters.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { statePaths } from '../../../src/core/paths.js';
import { rcloneAtLeast, rcloneUnderTest } from '../../support/rclone-under-test.js';
import { rcloneAs } from '../../support/tenant.js';
import { notes, useServer, type Pair } from './helpers.js';

const { newPair } = useServer();

interface Report {
  mode: string;
  changes: { toCloud: { path: string }[]; toLocal: { path: string }[] };
  conflicts: unknown[];
}

function s3For(pair: Pair): S3Client {
  return new S3Client({
    endpoint: pair.tenant.state.endpointUrl,
    region: pair.tenant.state.region,
    forcePathStyle: true,
    credentials: { accessKeyId: pair.tenant.accessKey, secretAccessKey: pair.tenant.secretKey },
  });
}

/** Every object's ETag, server time and rclone's mtime metadata: what an upload or a metadata copy changes. */
async function bucketObjects(pair: Pair): Promise<Record<string, string>> {
  const s3 = s3For(pair);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: pair.tenant.bucketName }));
  const objects: Record<string, string> = {};
  for (const { Key: key } of listed.Contents ?? []) {
    if (!key) continue;
    const head = await s3.send(new HeadObjectCommand({ Bucket: pair.tenant.bucketName, Key: key }));
    objects[key] = `${head.ETag} ${head.LastModified?.toISOString()} ${head.Metadata?.mtime ?? '-'}`;
  }
  return objects;
}

const except = (objects: Record<string, string>, ...keys: string[]) => Object.fromEntries(Object.entries(objects).filter(([key]) => !keys.includes(key)));

/** The argv `cloud bisync` gave rclone before the comparison was chosen per version: the profile's `--compare size,modtime` on 1.66+. */
async function oldBisync(pair: Pair, mode: 'sync' | 'baseline'): Promise<void> {
  const paths = statePaths(pair.user.stateDir);
  await seedFilters(paths);
  const { args } = buildBisyncArgs(loadBisyncProfile('balanced'), {
    localPath: pair.local,
    remotePath: `${pair.tenant.remoteName}:${pair.tenant.bucketName}`,
    workdir: paths.bisyncWorkdir(pair.tenant.tenantId),
    filtersFile: paths.bisyncFilters,
    mode,
    dryRun: false,
    force: false,
    tigris: false,
  }, rcloneUnderTest);
  await fs.mkdir(paths.bisyncWorkdir(pair.tenant.tenantId), { recursive: true });
  await rcloneAs(pair.user, args);
}

async function localListing(pair: Pair): Promise<string> {
  const workdir = statePaths(pair.user.stateDir).bisyncWorkdir(pair.tenant.tenantId);
  const session = bisyncSessionName(pair.local, `${pair.tenant.remoteName}:${pair.tenant.bucketName}`);
  return fs.readFile(path.join(workdir, `${session}.path1.lst`), 'utf8');
}

async function bisyncReport(pair: Pair): Promise<{ report: Report; stderr: string }> {
  const result = await pair.bisync('--json');
  expect(result.exitCode, result.stderr).toBe(0);
  return { report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

const touch = (pair: Pair, file: string) => fs.utimes(path.join(pair.local, file), new Date(), new Date(Date.now() + 5_000));

describe('the comparison by rclone version', () => {
  it('a pair made with the old modtime comparison keeps syncing: no baseline, no conflict copy, nothing re-uploaded, conflict copies kept', async () => {
    const pair = await newPair();
    const long = new Date(Date.now() - 3_600_000);
    for (const name of ['a.md', 'b.md', 'c.md', 'd.md', 'plan.md']) await pair.writeLocal(name, `${name} first version\n`, long);
    await pair.writeLocal('.basic-memory-bisync', 'Basic Memory sync check file\n', long);
    await oldBisync(pair, 'baseline');
    // A conflict under the old flags: its copies are the pair's conflict history.
    await pair.writeLocal('plan.md', 'plan edited here\n');
    await pair.writeCloud('plan.md', 'plan edited in the cloud\n');
    await oldBisync(pair, 'sync');
    const historyLocal = await pair.localFiles();
    expect(historyLocal.length).toBeGreaterThan(6);
    expect(await pair.cloudFiles()).toEqual(historyLocal);
    if (rcloneAtLeast('1.66')) expect(hasModtimeOnlyLines(await localListing(pair))).toBe(true);

    // Since the last old run, an edit of the same size: only the modification time tells, as the old listings hold no checksums.
    await pair.writeLocal('a.md', 'a.md FIRST version\n', new Date(Date.now() + 2_000));
    const before = await bucketObjects(pair);

    const upgrade = await bisyncReport(pair);
    expect(upgrade.stderr).not.toMatch(/--resync|making the baseline|fresh baseline|rebuilding it/);
    expect(upgrade.report).toMatchObject({ mode: 'sync', conflicts: [], changes: { toCloud: [{ path: 'a.md' }], toLocal: [] } });
    expect(await pair.readCloud('a.md')).toBe('a.md FIRST version\n');
    const after = await bucketObjects(pair);
    expect(except(after, 'a.md')).toEqual(except(before, 'a.md'));
    expect(await pair.localFiles()).toEqual(historyLocal);
    expect(await pair.cloudFiles()).toEqual(historyLocal);
    // The next run, with nothing to copy, writes whole listings: from then on the checksums are compared.
    const settle = await bisyncReport(pair);
    expect(settle.report).toMatchObject({ mode: 'sync', conflicts: [], changes: { toCloud: [], toLocal: [] } });
    expect(hasModtimeOnlyLines(await localListing(pair))).toBe(false);
    expect(await bucketObjects(pair)).toEqual(after);

    // From now on by checksum (1.66+; 1.60 compares times): touched notes on either side are no change, an edit is.
    if (rcloneAtLeast('1.66')) {
      await touch(pair, 'b.md');
      await touch(pair, 'c.md');
      await pair.writeCloud('c.md', 'c.md first version\n');
      await pair.writeCloud('d.md', 'd.md first version\n');
      const touched = await bucketObjects(pair);
      const quiet = await bisyncReport(pair);
      expect(quiet.report).toMatchObject({ mode: 'sync', conflicts: [], changes: { toCloud: [], toLocal: [] } });
      expect(await bucketObjects(pair)).toEqual(touched);
    }
    await pair.writeLocal('c.md', 'c.md other version\n');
    const edited = await bisyncReport(pair);
    expect(edited.report).toMatchObject({ conflicts: [], changes: { toCloud: [{ path: 'c.md' }], toLocal: [] } });
    expect(await pair.readCloud('c.md')).toBe('c.md other version\n');
    expect(notes(await pair.cloudFiles())).toEqual(notes(historyLocal));
  });

  it('an object uploaded in parts (its ETag is no MD5) neither conflicts nor goes up or down again', async () => {
    const pair = await newPair();
    await pair.writeLocal('note.md', 'a note\n');
    await bisyncReport(pair);
    const s3 = s3For(pair);
    const bucket = pair.tenant.bucketName;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'scan.pdf' }));
    const parts = [Buffer.alloc(5 * 1024 * 1024, 'a'), Buffer.from('the last part\n')];
    const uploaded = [];
    for (const [index, body] of parts.entries()) {
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'scan.pdf', UploadId, PartNumber: index + 1, Body: body }));
      uploaded.push({ ETag, PartNumber: index + 1 });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'scan.pdf', UploadId, MultipartUpload: { Parts: uploaded } }));
    const multipart = await bucketObjects(pair);
    expect(multipart['scan.pdf']).toMatch(/^"[0-9a-f]{32}-2" /);

    const download = await bisyncReport(pair);
    expect(download.report.changes.toLocal).toEqual([{ path: 'scan.pdf', action: 'new' }]);
    const local = await fs.stat(path.join(pair.local, 'scan.pdf'));
    expect(local.size).toBe(parts[0]!.length + parts[1]!.length);
    // rclone 1.60 compares modification times, so there a touched file is a changed one.
    if (rcloneAtLeast('1.66')) await touch(pair, 'scan.pdf');
    const touchedAt = (await fs.stat(path.join(pair.local, 'scan.pdf'))).mtimeMs;
    for (let run = 0; run < 2; run += 1) {
      const again = await bisyncReport(pair);
      expect(again.report).toMatchObject({ conflicts: [], changes: { toCloud: [], toLocal: [] } });
    }
    expect(await bucketObjects(pair)).toEqual(multipart);
    expect((await fs.stat(path.join(pair.local, 'scan.pdf'))).mtimeMs).toBe(touchedAt);
    expect(notes(await pair.localFiles())).toEqual(['note.md', 'scan.pdf']);
  });
});
