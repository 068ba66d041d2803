import { readFileSync } from 'node:fs';
import type { CommandContext, CommandDefinition } from '../core/command.js';
import { ExitCode } from '../core/errors.js';

export function readCliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** `version` (also `-v`, `--version`): what a bug report needs, the CLI's, rclone's and Node's versions. */
export async function printVersions(ctx: CommandContext): Promise<void> {
  const rclone = await ctx.rclone.version();
  const document = { cli: readCliVersion(), rclone: rclone?.raw ?? null, rclonePath: ctx.rclone.binary, node: process.versions.node, platform: `${ctx.platform}-${process.arch}` };
  if (ctx.output.json) {
    ctx.output.result(document);
    return;
  }
  ctx.output.print([
    `basic-memory ${document.cli}`,
    `rclone ${document.rclone ?? 'not found'} (${document.rclonePath})`,
    `node ${document.node} (${document.platform})`,
  ].join('\n'));
}

export const versionCommand: CommandDefinition = {
  path: ['version'],
  description: 'Print the versions of this CLI, rclone and Node.js.',
  options: [],
  examples: ['basic-memory version', 'basic-memory --version --json'],
  exitCodes: [ExitCode.ok, ExitCode.usage],
  handler(_options, ctx) {
    return printVersions(ctx);
  },
};
