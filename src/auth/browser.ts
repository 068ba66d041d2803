import type { Output } from '../core/output.js';

/** The platform's own "open this URL" program, as an argument list (never a shell string). */
export function browserCommand(platform: NodeJS.Platform, url: string): { file: string; args: string[] } {
  if (platform === 'darwin') return { file: 'open', args: [url] };
  // `start` is a cmd builtin; its first quoted argument is a window title, hence the empty one.
  if (platform === 'win32') return { file: 'cmd', args: ['/c', 'start', '""', url.replace(/&/g, '^&')] };
  return { file: 'xdg-open', args: [url] };
}

/** Best effort: a machine without a browser still logs in by the printed link, and is told to use it. */
export async function openBrowser(platform: NodeJS.Platform, url: string, output: Output): Promise<void> {
  const { file, args } = browserCommand(platform, url);
  try {
    const { execa } = await import('execa');
    const child = execa(file, args, { detached: true, stdio: 'ignore', reject: false, windowsVerbatimArguments: platform === 'win32' });
    child.unref();
    const result = await Promise.race([child, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1500).unref())]);
    if (result && (result.failed || result.exitCode !== 0)) couldNotOpen(output, file, result.exitCode === undefined ? 'not found' : `exit ${result.exitCode}`);
  } catch (error) {
    couldNotOpen(output, file, error instanceof Error ? error.message : String(error));
  }
}

function couldNotOpen(output: Output, file: string, why: string): void {
  output.warn(`Could not open a browser (${file}: ${why}): open the link above yourself.`);
}
