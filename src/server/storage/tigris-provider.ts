import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, DeleteAccessKeyCommand, DeletePolicyCommand, DetachUserPolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { bucketScopedPolicy } from './bucket-policy.js';
import type { StorageProvider } from './provider.js';

/** The one method of the AWS SDK clients the provider uses, so tests can hand in recording fakes. */
export interface CommandSender {
  send(command: object): Promise<unknown>;
}

export interface TigrisClients {
  s3: CommandSender;
  iam: CommandSender;
}

/**
 * Buckets and keys in a real Tigris account, the way the cloud does it with Tigris's IAM
 * (docs/API-CONTRACT.md): an access key made without a user (Tigris lets the key id stand for the
 * user), a managed policy scoped to the bucket, attached to that key. Revoking detaches and deletes both.
 */
export function tigrisProvider(options: { clients: TigrisClients; endpointUrl: string; region: string; close?: () => void }): StorageProvider {
  const { s3, iam } = options.clients;
  return {
    endpointUrl: options.endpointUrl,
    region: options.region,
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async deleteBucket(name) {
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
    },
    async createScopedKey(bucketName) {
      const created = (await iam.send(new CreateAccessKeyCommand({}))) as { AccessKey?: { AccessKeyId?: string; SecretAccessKey?: string } };
      const accessKey = created.AccessKey?.AccessKeyId;
      const secretKey = created.AccessKey?.SecretAccessKey;
      if (!accessKey || !secretKey) throw new Error('CreateAccessKey returned no key.');
      try {
        const policy = (await iam.send(
          new CreatePolicyCommand({ PolicyName: `basic-memory-${bucketName}-${accessKey}`, PolicyDocument: bucketScopedPolicy(bucketName) }),
        )) as { Policy?: { Arn?: string } };
        const policyArn = policy.Policy?.Arn;
        if (!policyArn) throw new Error('CreatePolicy returned no ARN.');
        await iam.send(new AttachUserPolicyCommand({ UserName: accessKey, PolicyArn: policyArn }));
        return { accessKey, secretKey, policyRef: policyArn };
      } catch (error) {
        // A key without its policy must not be left behind.
        await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: accessKey, UserName: accessKey })).catch(() => undefined);
        throw error;
      }
    },
    async revokeKey(accessKey, policyRef) {
      await iam.send(new DetachUserPolicyCommand({ UserName: accessKey, PolicyArn: policyRef }));
      await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: accessKey, UserName: accessKey }));
      await iam.send(new DeletePolicyCommand({ PolicyArn: policyRef }));
    },
    close() {
      options.close?.();
      return Promise.resolve();
    },
  };
}

/** Reads the admin credentials and endpoints the AWS SDK's own variables name. */
export function tigrisProviderFromEnv(env: NodeJS.ProcessEnv): StorageProvider {
  const missing = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_S3'].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`--storage tigris needs ${missing.join(', ')} in the environment.`);
  const endpointUrl = env.AWS_ENDPOINT_URL_S3 ?? '';
  const region = env.AWS_REGION ?? 'auto';
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' };
  const s3 = new S3Client({ region, endpoint: endpointUrl, credentials });
  const iam = new IAMClient({ region, endpoint: env.AWS_ENDPOINT_URL_IAM ?? 'https://iam.storageapi.dev', credentials });
  return tigrisProvider({
    clients: { s3, iam },
    endpointUrl,
    region,
    close: () => {
      s3.destroy();
      iam.destroy();
    },
  });
}
