import type { ServerResponse } from 'node:http';

export type S3ErrorCode =
  | 'AccessDenied'
  | 'InvalidAccessKeyId'
  | 'SignatureDoesNotMatch'
  | 'RequestTimeTooSkewed'
  | 'AuthorizationHeaderMalformed'
  | 'XAmzContentSHA256Mismatch'
  | 'NotImplemented'
  | 'InvalidURI'
  | 'InvalidBucketName'
  | 'KeyTooLongError'
  | 'InvalidArgument'
  | 'InvalidRequest'
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'MalformedXML'
  | 'InvalidDigest'
  | 'BadDigest'
  | 'InvalidRange'
  | 'PreconditionFailed'
  | 'MethodNotAllowed'
  | 'IncompleteBody'
  | 'MetadataTooLarge'
  | 'MissingContentLength'
  | 'InternalError';

const statusByCode: Record<S3ErrorCode, number> = {
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  SignatureDoesNotMatch: 403,
  RequestTimeTooSkewed: 403,
  AuthorizationHeaderMalformed: 400,
  XAmzContentSHA256Mismatch: 400,
  NotImplemented: 501,
  InvalidURI: 400,
  InvalidBucketName: 400,
  KeyTooLongError: 400,
  InvalidArgument: 400,
  InvalidRequest: 400,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  EntityTooSmall: 400,
  MalformedXML: 400,
  InvalidDigest: 400,
  BadDigest: 400,
  InvalidRange: 416,
  PreconditionFailed: 412,
  MethodNotAllowed: 405,
  IncompleteBody: 400,
  MetadataTooLarge: 400,
  MissingContentLength: 411,
  InternalError: 500,
};

/** An S3 error the store answers with: thrown anywhere in a request, caught once and sent as XML. */
export class S3Error extends Error {
  constructor(
    readonly code: S3ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return statusByCode[this.code];
  }
}

/** S3's own error document, so S3 clients (rclone included) report the real reason. */
export function s3ErrorXml(code: S3ErrorCode, message: string, resource: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`
  );
}

export function sendS3Error(res: ServerResponse, method: string | undefined, code: S3ErrorCode, message: string, resource: string, requestId: string): void {
  const body = s3ErrorXml(code, message, resource, requestId);
  res.writeHead(statusByCode[code], {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  // HEAD responses carry no body; clients read the status.
  res.end(method === 'HEAD' ? undefined : body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
