// The parts of @20minutes/s3rver (plain JavaScript, no types of its own) that the embedded store uses.
declare module '@20minutes/s3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface S3rverOptions {
    directory: string;
    silent?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    resetOnClose?: boolean;
  }

  interface FilesystemStore {
    putBucket(name: string): Promise<unknown>;
    deleteBucket(name: string): Promise<void>;
    /** Writes an object's bytes to `objectPath`; resolves to [size, md5 hex]. */
    putContent(objectPath: string, content: NodeJS.ReadableStream | Buffer): Promise<[number, string]>;
    /** Assembles an upload's parts into its object; resolves to the object's size and MD5 (the ETag). */
    putObjectMultipart(bucket: string, uploadId: string, parts: { number: number; etag: string }[]): Promise<{ size: number; md5: string }>;
    /** A file of the store: `object.md5` holds an object's ETag, `uploads` is the parts' folder. */
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  }

  class S3rver {
    constructor(options: S3rverOptions);
    readonly store: FilesystemStore;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }

  export default S3rver;
}
