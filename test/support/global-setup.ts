import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The e2e tests use real rclone, real FUSE and the built bins. Where something is missing, install
 * it when we can (root with apt, as in CI) or stop at once with the command to run: never skip.
 */
export default function checkMachine(): void {
  const missing = [
    { binary: 'rclone', pkg: 'rclone' },
    { binary: 'fusermount3', pkg: 'fuse3' },
  ].filter(({ binary }) => !onPath(binary));
  if (missing.length > 0) installOrFail(missing.map(({ pkg }) => pkg));
  if (!existsSync(new URL('../../dist/cli/index.js', import.meta.url)) || !existsSync(new URL('../../dist/server/main.js', import.meta.url))) {
    throw new Error('The built CLI is missing: run `npm run build` first (npm test does it for you).');
  }
}

function onPath(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function installOrFail(packages: string[]): void {
  const command = `apt-get install -y ${packages.join(' ')}`;
  const isRoot = process.getuid?.() === 0;
  if (process.platform === 'linux' && isRoot && onPath('apt-get')) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return;
  }
  throw new Error(`The tests need ${packages.join(' and ')}, which are not installed. Run: sudo ${command}`);
}
