import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';

export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * Passes a request body through while hashing it, and fails the stream at its end when the body is
 * not the one whose SHA-256 the client signed: the emulator reading it then fails the request with
 * `mismatchError()` instead of committing the object's metadata.
 */
class PayloadHashCheck extends Transform {
  private readonly hash = crypto.createHash('sha256');

  constructor(
    /** Lower-case hex. */
    private readonly expectedHex: string,
    private readonly mismatchError: (computed: string) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const computed = this.hash.digest('hex');
    callback(computed === this.expectedHex ? null : this.mismatchError(computed));
  }
}

/**
 * The request with its body replaced by a checked stream. The emulator reads the request the way a
 * Node handler does (headers, url, method, socket, then the body as a stream), so the checked stream
 * carries those fields of the original.
 */
export function withCheckedBody(req: IncomingMessage, expectedHex: string, mismatchError: (computed: string) => Error): IncomingMessage {
  const checked = new PayloadHashCheck(expectedHex, mismatchError);
  // A short body ends (and fails its check) before the emulator starts reading it; the error stays
  // recorded on the stream and reaches the emulator when it does, so it must not go unhandled here.
  checked.on('error', () => undefined);
  req.on('error', (error) => checked.destroy(error));
  req.pipe(checked);
  const fields: Partial<IncomingMessage> = {
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
  };
  return Object.assign(checked, fields, { connection: req.socket }) as unknown as IncomingMessage;
}
