import type { ServerResponse } from 'node:http';

/**
 * The emulator escapes text in its XML twice (its value processor escapes, then its XML builder
 * escapes the `&` of those entities again), so a key named `a&b` is listed as `a&amp;b` and S3
 * clients cannot find it. This undoes exactly the second pass.
 */
export function undoDoubleEscaping(xml: string): string {
  return xml.replace(/&amp;(amp|lt|gt|#x27|#x60);/g, '&$1;');
}

/** Applies `undoDoubleEscaping` to the emulator's XML answers, which it writes with one `end(body)`. */
export function fixEmulatorXml(res: ServerResponse): void {
  const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    const isXml = String(res.getHeader('content-type') ?? '').startsWith('application/xml');
    if (isXml && typeof chunk === 'string' && chunk.includes('&amp;') && !res.headersSent) {
      const fixed = undoDoubleEscaping(chunk);
      res.setHeader('content-length', Buffer.byteLength(fixed));
      return end(fixed, ...rest);
    }
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
}
