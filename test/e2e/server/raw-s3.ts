import crypto from 'node:crypto';
import http from 'node:http';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { Credential } from './helpers.js';

export interface RawRequest {
  method: string;
  /** Sent and signed exactly as written: no normalisation of `..`, no re-encoding. */
  path: string;
  query?: Record<string, string>;
  /** Defaults to the endpoint's host:port; a virtual-host case puts a bucket in front. */
  host?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A request signed with a credential's valid key as an AWS SDK would (SigV4, signed body hash), but
 * sent over node:http with the path and Host exactly as given, which fetch would normalise.
 */
export async function signedRaw(credential: Pick<Credential, 'access_key' | 'secret_key' | 'endpoint_url'>, request: RawRequest): Promise<RawReply> {
  const endpoint = new URL(credential.endpoint_url);
  const host = request.host ?? endpoint.host;
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  const signer = new SignatureV4({ credentials: { accessKeyId: credential.access_key, secretAccessKey: credential.secret_key }, region: 'auto', service: 's3', sha256: Sha256, uriEscapePath: false });
  const headers: Record<string, string> = {
    host,
    'x-amz-content-sha256': crypto.createHash('sha256').update(body).digest('hex'),
    ...(body.length > 0 ? { 'content-length': String(body.length) } : {}),
    ...request.headers,
  };
  const signed = await signer.sign(new HttpRequest({ method: request.method, hostname: host, path: request.path, query: request.query ?? {}, headers }), { signingDate: new Date() });
  const search = new URLSearchParams(request.query ?? {}).toString().replace(/\+/g, '%20');
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: endpoint.hostname, port: Number(endpoint.port), method: request.method, path: search ? `${request.path}?${search}` : request.path, headers: signed.headers, setHost: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Keys and ETags of a bucket, read with the bucket owner's own key. */
export async function bucketState(credential: Pick<Credential, 'access_key' | 'secret_key' | 'endpoint_url'>, bucket: string): Promise<{ status: number; objects: string[] }> {
  const reply = await signedRaw(credential, { method: 'GET', path: `/${bucket}`, query: { 'list-type': '2' } });
  const text = reply.body.toString();
  const objects = [...text.matchAll(/<Contents><Key>([^<]*)<\/Key>.*?<ETag>([^<]*)<\/ETag>/g)].map((match) => `${match[1]} ${match[2]}`);
  return { status: reply.status, objects };
}
