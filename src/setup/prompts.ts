import type { SetupChoices } from './choices.js';

/** Asks for the mode and folder, offering the defaults. Only called on a terminal. */
export async function askSetupChoices(defaults: SetupChoices): Promise<SetupChoices> {
  const { select, input } = await import('@inquirer/prompts');
  const mode = await select({
    message: 'How should your notes appear on this computer?',
    default: defaults.mode,
    choices: [
      { value: 'bisync' as const, name: 'A synced folder (bisync)', description: 'A real local folder kept in two-way sync. Best for Obsidian and offline work.' },
      { value: 'mount' as const, name: 'A live mount', description: 'The cloud bucket as a folder, no sync step. Needs a network connection.' },
    ],
  });
  const localPath = await input({ message: 'Local folder:', default: defaults.localPath });
  return { ...defaults, mode, localPath: localPath.trim() || defaults.localPath };
}

/** The last question of setup in bisync mode: keep syncing after this terminal closes? */
export async function askInstallService(): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: 'Keep syncing in the background (install the sync service: starts at login, restarts after a crash)?', default: true });
}
