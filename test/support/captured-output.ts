import { PassThrough } from 'node:stream';
import { Output } from '../../src/core/output.js';

/** An Output whose stdout and stderr are kept as strings, for command and installer tests. */
export function capturedOutput(options: Partial<{ json: boolean; verbose: boolean; interactive: boolean }> = {}): { output: Output; stdout: () => string; stderr: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = new Output({ json: false, verbose: false, color: false, interactive: false, ...options, stdout: out, stderr: err });
  return { output, stdout: () => stdout, stderr: () => stderr };
}
