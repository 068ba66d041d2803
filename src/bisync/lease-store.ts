import fs from 'node:fs';
import { Agent } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TenantState } from '../core/tenant-state.js';
import { locateRcloneConfig, readRemote } from '../rclone/config-file.js';
import type { Rclone } from '../rclone/runner.js';
import { CLOUD_LEASES_PREFIX, type LeaseMarker, type LeaseStore } from './cloud-lease.js';
import { isTigrisEndpoint, TIGRIS_CONSISTENT_HEADER } from './args.js';
import { proxiedSdkHandler } from '../api/proxied-sdk-handler.js';
import type { ProxySettings } from '../api/proxy.js';

export interface LeaseBucket {
  endpointUrl: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  tigris: boolean;
  /** A corporate CA bundle (AWS_CA_BUNDLE), as rclone gets it with --ca-cert. */
  caBundle: string | undefined;
  /** Ctrl-C: a request waiting on a storage that does not answer ends at once. */
  signal: AbortSignal;
  /** The proxy settings of this environment (`api/proxy.ts`): the SDK's node handler would not follow them. */
  proxy: ProxySettings | undefined;
}

// Three small requests per run: a slow storage must not hold the run much longer than rclone would.
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The lease's store for the tenant's bucket, with the key rclone uses (the secret is only in the
 * rclone config that `cloud setup` wrote); undefined when that remote has no readable secret.
 */
export async function tenantLeaseStore(rclone: Rclone, tenant: TenantState, requests: Pick<LeaseBucket, 'signal' | 'proxy'>): Promise<LeaseStore | undefined> {
  const configPath = await locateRcloneConfig(rclone).catch(() => undefined);
  const remote = configPath === undefined ? undefined : await readRemote(configPath, tenant.remoteName);
  const secretKey = remote?.secret_access_key;
  if (!remote || !secretKey) return undefined;
  const caAt = rclone.environment.globalArgs.indexOf('--ca-cert');
  return s3LeaseStore({
    endpointUrl: remote.endpoint ?? tenant.endpointUrl,
    region: remote.region ?? tenant.region,
    bucket: tenant.bucketName,
    accessKey: remote.access_key_id ?? tenant.accessKey,
    secretKey,
    tigris: isTigrisEndpoint(tenant.endpointUrl),
    caBundle: caAt === -1 ? undefined : rclone.environment.globalArgs[caAt + 1],
    ...requests,
  });
}

/**
 * The lease's markers in the tenant's bucket, through the AWS SDK: three requests cost a few
 * milliseconds, where three rclone processes would cost most of a second. The SDK is loaded on
 * first use only: most runs end at the "nothing to sync" check and never need it.
 */
export async function s3LeaseStore(bucket: LeaseBucket): Promise<LeaseStore> {
  // The SDK warns on stderr, in the middle of a sync's output, that its 2027 releases will need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3Client, PutObjectCommand, ListObjectsV2Command, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const ca = bucket.caBundle ? fs.readFileSync(bucket.caBundle) : undefined;
  const requestHandler = bucket.proxy
    ? await proxiedSdkHandler({ proxy: bucket.proxy, ca, timeoutMs: REQUEST_TIMEOUT_MS })
    : { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true, ...(ca ? { httpsAgent: new Agent({ ca }) } : {}) };
  const client: S3Client = new S3Client({
    endpoint: bucket.endpointUrl,
    region: bucket.region || 'auto',
    credentials: { accessKeyId: bucket.accessKey, secretAccessKey: bucket.secretKey },
    forcePathStyle: true,
    maxAttempts: 2,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler,
  });
  if (bucket.tigris) {
    const [name, value] = TIGRIS_CONSISTENT_HEADER.split(': ') as [string, string];
    client.middlewareStack.add((next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers[name] = value;
      return next(args);
    }, { step: 'build', name: 'tigrisConsistentReads' });
  }
  const options = { abortSignal: bucket.signal };
  const key = (holder: string) => `${CLOUD_LEASES_PREFIX}${holder}`;
  return {
    async write(holder) {
      await client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key(holder), Body: new Uint8Array(0), ContentLength: 0, ContentType: 'application/octet-stream' }), options);
    },
    async list() {
      const markers: LeaseMarker[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: CLOUD_LEASES_PREFIX, ContinuationToken: token }), options);
        for (const entry of page.Contents ?? []) {
          if (entry.Key && entry.LastModified) markers.push({ holder: entry.Key.slice(CLOUD_LEASES_PREFIX.length), modifiedMs: entry.LastModified.getTime() });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return markers;
    },
    async remove(holder) {
      // Not cut short by Ctrl-C: a marker left behind would hold other machines back until it expires.
      await client.send(new DeleteObjectCommand({ Bucket: bucket.bucket, Key: key(holder) }), { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    },
  };
}
