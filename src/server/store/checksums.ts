import type { IncomingHttpHeaders } from 'node:http';
import { Crc32, Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { Sha1, Sha256 } from '@aws-sdk/checksums/sha';

/** The checksums S3 accepts in `x-amz-checksum-*` headers and aws-chunked trailers. */
export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'crc64nvme' | 'sha1' | 'sha256';

export interface Checksum {
  update(data: Uint8Array): void;
  digest(): Promise<Uint8Array>;
}

const checksumFactories: Record<ChecksumAlgorithm, () => Checksum> = {
  crc32: () => new Crc32(),
  crc32c: () => new Crc32c(),
  crc64nvme: () => new Crc64Nvme(),
  sha1: () => new Sha1(),
  sha256: () => new Sha256(),
};

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  return checksumFactories[algorithm]();
}

/** The checksum a trailer (or header) name such as `x-amz-checksum-crc32` carries, if it is one S3 knows. */
export function checksumAlgorithmOf(headerName: string): ChecksumAlgorithm | undefined {
  const match = /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/.exec(headerName.trim().toLowerCase());
  return match?.[1] as ChecksumAlgorithm | undefined;
}

export async function checksumBase64(algorithm: ChecksumAlgorithm, data: Uint8Array): Promise<string> {
  const checksum = createChecksum(algorithm);
  checksum.update(data);
  return Buffer.from(await checksum.digest()).toString('base64');
}

/**
 * The body checksum a request's headers carry (`x-amz-checksum-crc32: <base64>`, say); more than one
 * is refused, as S3 does. `x-amz-checksum-algorithm`, `-type` and `-mode` name no value and are not one.
 */
export function checksumHeaderOf(headers: IncomingHttpHeaders): { algorithm: ChecksumAlgorithm; name: string; value: string } | { refused: string } | undefined {
  const found = Object.keys(headers).flatMap((name) => {
    const algorithm = checksumAlgorithmOf(name);
    return algorithm ? [{ algorithm, name, value: String(headers[name]).trim() }] : [];
  });
  if (found.length > 1) return { refused: `Expecting a single x-amz-checksum- header, not ${found.map(({ name }) => name).join(' and ')}.` };
  return found[0];
}
