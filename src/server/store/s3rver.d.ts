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
  }

  class S3rver {
    constructor(options: S3rverOptions);
    readonly store: FilesystemStore;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }

  export default S3rver;
}
