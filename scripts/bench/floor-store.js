// The floor for a listing bench: a bare node http server that answers ListObjects (v1 and v2) and
// HEAD from memory, with the same headers the embedded store sends, and checks nothing (no
// signature, no database). What rclone takes against it is rclone's own time plus node's http and
// the loopback: no store can list faster on the same machine.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Serves the files of `dir` as `<bucket>/<prefix>/<name>`; resolves to an rclone target and `close()`. */
export async function startFloorStore(dir, bucket, prefix) {
  const objects = new Map();
  for (const name of (await fs.readdir(dir)).sort()) {
    const file = path.join(dir, name);
    const [stat, body] = await Promise.all([fs.stat(file), fs.readFile(file)]);
    objects.set(`${prefix}/${name}`, {
      size: stat.size,
      etag: `"${crypto.createHash('md5').update(body).digest('hex')}"`,
      lastModified: stat.mtime,
      mtime: (stat.mtimeMs / 1000).toFixed(9),
    });
  }
  const keys = [...objects.keys()];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://floor');
    const [, , ...keyParts] = url.pathname.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const requestId = crypto.randomBytes(8).toString('hex').toUpperCase();
    if (req.method === 'HEAD') {
      const object = objects.get(key);
      if (!object) {
        res.writeHead(404, { 'content-length': '0', 'x-amz-request-id': requestId }).end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/markdown',
        'x-amz-meta-mtime': object.mtime,
        etag: object.etag,
        'last-modified': object.lastModified.toUTCString(),
        'accept-ranges': 'bytes',
        'content-length': String(object.size),
        'x-amz-request-id': requestId,
      }).end();
      return;
    }
    const listPrefix = url.searchParams.get('prefix') ?? '';
    const token = url.searchParams.get('continuation-token');
    const after = token !== null ? Buffer.from(token, 'base64url').toString() : (url.searchParams.get('marker') ?? url.searchParams.get('start-after') ?? '');
    const maxKeys = Math.min(Number(url.searchParams.get('max-keys') ?? 1000), 1000);
    const page = keys.filter((name) => name.startsWith(listPrefix) && name > after).slice(0, maxKeys + 1);
    const truncated = page.length > maxKeys;
    const shown = page.slice(0, maxKeys);
    const contents = shown.map((name) => {
      const object = objects.get(name);
      return `<Contents><Key>${escapeXml(name)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>${escapeXml(object.etag)}</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    });
    const next = truncated ? `<NextContinuationToken>${Buffer.from(shown.at(-1)).toString('base64url')}</NextContinuationToken><NextMarker>${escapeXml(shown.at(-1))}</NextMarker>` : '';
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${escapeXml(listPrefix)}</Prefix><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${contents.join('')}</ListBucketResult>`;
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), 'x-amz-request-id': requestId }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    target: { endpoint: `http://127.0.0.1:${server.address().port}`, accessKey: 'FLOOR', secretKey: 'FLOOR', bucket },
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeIdleConnections();
    }),
  };
}
