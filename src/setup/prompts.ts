import { emitKeypressEvents } from 'node:readline';
import { CliError, ExitCode } from '../core/errors.js';
import { resolveLocalPath, type LocalPlatform } from '../local/paths.js';
import type { SetupChoices, SetupMode } from './choices.js';

/** What setup had not done yet when a prompt was left with Ctrl-C. */
export const CANCELLED_AT_PROMPT = 'Setup cancelled: nothing was changed (no credentials, no rclone remote, no folder).';

/**
 * Asks for the mode and folder, offering the defaults. Only called on a terminal. Escape at the
 * folder question goes back to the mode question; Ctrl-C at either ends setup with exit 130 before
 * anything is written. The folder typed is stored absolute (`~/My Notes` → `$HOME/My Notes`).
 */
// inquirer marks an answered question with ✔; every done line of this CLI uses ✓.
const theme = { prefix: { idle: '?', done: '✓' } };

export async function askSetupChoices(defaults: SetupChoices, where: LocalPlatform): Promise<SetupChoices> {
  const { select, input } = await import('@inquirer/prompts');
  let mode: SetupMode = defaults.mode;
  for (;;) {
    mode = (await cancellable(() => select({
      message: 'How should your notes appear on this computer?',
      theme,
      default: mode,
      choices: [
        { value: 'bisync' as const, name: 'A synced folder (bisync)', description: 'A real local folder kept in two-way sync. Best for Obsidian and offline work.' },
        { value: 'mount' as const, name: 'A live mount', description: 'The cloud bucket as a folder, no sync step. Needs a network connection.' },
      ],
    }))) ?? mode;
    const typed = await cancellable((signal) => input({ message: 'Local folder (Esc: back):', default: defaults.localPath, theme }, { signal }), { escapeGoesBack: true });
    if (typed === undefined) continue;
    const localPath = typed.trim() ? resolveLocalPath(typed.trim(), where) : defaults.localPath;
    return { ...defaults, mode, localPath };
  }
}

/**
 * Runs one prompt: Ctrl-C (inquirer's ExitPromptError) becomes exit 130 with one line; with
 * `escapeGoesBack`, Escape aborts the prompt and the answer is undefined.
 */
async function cancellable<T>(ask: (signal: AbortSignal) => Promise<T>, options: { escapeGoesBack?: boolean } = {}): Promise<T | undefined> {
  const back = new AbortController();
  const onKey = (_text: string | undefined, key: { name?: string } | undefined) => {
    if (key?.name === 'escape') back.abort();
  };
  if (options.escapeGoesBack) {
    emitKeypressEvents(process.stdin);
    process.stdin.on('keypress', onKey);
  }
  try {
    return await ask(back.signal);
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExitPromptError') throw new CliError(CANCELLED_AT_PROMPT, { exitCode: ExitCode.interrupted });
    if (name === 'AbortPromptError' && back.signal.aborted) return undefined;
    throw error;
  } finally {
    process.stdin.off('keypress', onKey);
  }
}

/** The last question of setup in bisync mode: keep syncing after this terminal closes? */
export async function askInstallService(): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: 'Keep syncing in the background (install the sync service: starts at login, restarts after a crash)?', default: true });
}
