import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** Someone else writing to the tenant's bucket (the cloud app, an assistant): its own credential, through the AWS SDK. */
export interface CloudWriter {
  accessKey: string;
  put(key: string, text: string): Promise<void>;
  delete(key: string): Promise<void>;
  close(): void;
}

export async function cloudWriter(apiUrl: string, token: string): Promise<CloudWriter> {
  const response = await fetch(`${apiUrl}/tenant/mount/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ description: 'another writer' }),
  });
  if (!response.ok) throw new Error(`credential creation failed: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as { access_key: string; secret_key: string; endpoint_url: string; region: string; bucket_name: string };
  const client = new S3Client({ endpoint: created.endpoint_url, region: created.region, forcePathStyle: true, credentials: { accessKeyId: created.access_key, secretAccessKey: created.secret_key } });
  return {
    accessKey: created.access_key,
    async put(key, text) {
      await client.send(new PutObjectCommand({ Bucket: created.bucket_name, Key: key, Body: text }));
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: created.bucket_name, Key: key }));
    },
    close: () => client.destroy(),
  };
}
