import { CliError, ExitCode } from './errors.js';

export interface ConfirmRequest {
  /** The yes/no question, asked on a terminal (default no). */
  question: string;
  /** Why it is asked, for the one sentence a run without a terminal stops with. */
  action: string;
  /** `--yes` was given: nothing is asked. */
  yes: boolean;
  canPrompt: boolean;
}

/**
 * The gate before a destructive action: `--yes` passes, a terminal is asked, and without one the
 * run stops with exit 2 rather than guessing (a script must say `--yes` to destroy something).
 */
export async function confirmDestructive(request: ConfirmRequest, ask: (question: string) => Promise<boolean> = askOnTerminal): Promise<boolean> {
  if (request.yes) return true;
  if (!request.canPrompt) {
    throw new CliError(`${request.action}: without a terminal to confirm on, pass --yes to do it.`, { exitCode: ExitCode.usage });
  }
  return ask(request.question);
}

async function askOnTerminal(question: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question, default: false });
}
