import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Output } from '../core/output.js';

export interface RotationOptions {
  maxBytes: number;
  /** Files kept in all, the live one included (`service.log`, `.1`, `.2`). */
  files: number;
}

export const DEFAULT_ROTATION: RotationOptions = { maxBytes: 1024 * 1024, files: 3 };

/** Pure: the files of a rotated log, newest first. */
export function rotatedNames(file: string, files: number): string[] {
  return Array.from({ length: files }, (_unused, index) => (index === 0 ? file : `${file}.${index}`));
}

/**
 * The service's own log, bounded in size: when a line would take the live file past `maxBytes`,
 * the files shift by one (the oldest is dropped). Synchronous, so lines keep their order and a
 * crash loses nothing already written.
 */
export class RotatingLog {
  private size: number;

  constructor(readonly file: string, private readonly options: RotationOptions = DEFAULT_ROTATION) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  }

  write(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.options.maxBytes) this.rotate();
    fs.appendFileSync(this.file, text, { mode: 0o600 });
    this.size += bytes;
  }

  /** A timestamped line. */
  line(now: Date, text: string): void {
    this.write(`${now.toISOString()} ${text.endsWith('\n') ? text : `${text}\n`}`);
  }

  /** A stream for an `Output`'s stderr, so the watch loop's own lines land here too. */
  stream(clock: () => Date): NodeJS.WritableStream {
    return new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        for (const text of String(chunk).split('\n')) {
          // The watch loop's in-place status line uses carriage returns and ANSI erase codes.
          // eslint-disable-next-line no-control-regex -- matching the ESC of those codes is the point
          const plain = text.replace(/\r|\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
          if (plain) this.line(clock(), plain);
        }
        done();
      },
    });
  }

  private rotate(): void {
    const names = rotatedNames(this.file, this.options.files);
    fs.rmSync(names[names.length - 1] ?? this.file, { force: true });
    for (let index = names.length - 2; index >= 0; index -= 1) {
      const from = names[index];
      const to = names[index + 1];
      if (from && to && fs.existsSync(from)) fs.renameSync(from, to);
    }
    this.size = 0;
  }
}

/** The last `count` lines over the rotated files, oldest first. */
export async function tailLog(file: string, count: number, options: RotationOptions = DEFAULT_ROTATION): Promise<string[]> {
  const lines: string[] = [];
  for (const name of rotatedNames(file, options.files)) {
    if (lines.length >= count) break;
    let text: string;
    try {
      text = await fs.promises.readFile(name, 'utf8');
    } catch {
      continue;
    }
    lines.unshift(...text.split('\n').filter((line) => line !== ''));
  }
  return lines.slice(-count);
}

/**
 * The Output the service hands the watch loop: both streams into the rotating log, no colour, no
 * in-place status line, secrets redacted as everywhere else.
 */
export function serviceOutput(log: RotatingLog, clock: () => Date, verbose = false): Output {
  const stream = log.stream(clock);
  return new Output({ json: false, verbose, color: false, interactive: false, stdout: stream, stderr: stream });
}
