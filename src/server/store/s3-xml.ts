import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { S3Error } from './s3-errors.js';

/** S3's XML: answers built and request bodies read with fast-xml-parser, text escaped exactly once. */

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

// Values stay strings (a key "007" is not a number) and keep their spaces; repeated elements are always arrays.
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === 'Object' || name === 'Part',
});

export type XmlValue = string | number | boolean | XmlValue[] | { [name: string]: XmlValue | undefined };

/** `<?xml …?><Root xmlns="…">…</Root>`; an array value repeats its element. */
export function xmlDocument(root: string, content: Record<string, XmlValue | undefined>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: { '@_xmlns': S3_NAMESPACE, ...content } })}`;
}

export function parseXml(text: string): Record<string, unknown> {
  try {
    return parser.parse(text, true) as Record<string, unknown>;
  } catch {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
}

export interface CompletedPartRef {
  partNumber: number;
  etag: string;
}

/** The part list of a CompleteMultipartUpload body, as sent (order and numbers are judged later). */
export function parseCompleteMultipartUpload(text: string): CompletedPartRef[] {
  const root = parseXml(text).CompleteMultipartUpload as { Part?: { PartNumber?: unknown; ETag?: unknown }[] } | undefined;
  const parts = root?.Part ?? [];
  if (parts.length === 0) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema: no parts.');
  return parts.map((part) => {
    const partNumber = typeof part.PartNumber === 'string' ? Number(part.PartNumber.trim()) : NaN;
    if (!Number.isInteger(partNumber) || typeof part.ETag !== 'string') throw new S3Error('MalformedXML', 'Each part needs a PartNumber and an ETag.');
    return { partNumber, etag: part.ETag.trim() };
  });
}

export interface DeleteRequest {
  quiet: boolean;
  keys: string[];
}

export const MAX_DELETE_KEYS = 1000;

export function parseDeleteObjects(text: string): DeleteRequest {
  const root = parseXml(text).Delete as { Quiet?: unknown; Object?: { Key?: unknown }[] } | undefined;
  const objects = root?.Object ?? [];
  if (!root || objects.length === 0 || objects.length > MAX_DELETE_KEYS) {
    throw new S3Error('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema: 1 to ${MAX_DELETE_KEYS} objects.`);
  }
  const keys = objects.map((object) => {
    if (typeof object.Key !== 'string') throw new S3Error('MalformedXML', 'Each object to delete needs a Key.');
    return object.Key;
  });
  return { quiet: typeof root.Quiet === 'string' && root.Quiet.trim() === 'true', keys };
}
