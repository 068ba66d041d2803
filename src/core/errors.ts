/** The exit codes every command draws from (README "Exit codes"); each command's `--help` lists its own. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  auth: 3,
  rcloneUnavailable: 4,
  safetyStop: 5,
  needsResync: 6,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The `code` of a `--json` error document, one name per exit code. */
export const EXIT_CODE_NAMES: Record<ExitCodeValue, string> = {
  0: 'ok',
  1: 'failed',
  2: 'usage',
  3: 'auth',
  4: 'rclone_unavailable',
  5: 'safety_stop',
  6: 'needs_resync',
  130: 'interrupted',
};

/** What a failed `--json` command prints on stdout instead of its result. */
export interface ErrorDocument {
  error: { code: string; message: string; hint: string | null };
}

export function errorDocument(exitCode: ExitCodeValue, message: string, hint: string | undefined): ErrorDocument {
  return { error: { code: EXIT_CODE_NAMES[exitCode], message, hint: hint ?? null } };
}

/** One line per code, as `--help` shows it. */
export const EXIT_CODE_MEANINGS: Record<ExitCodeValue, string> = {
  0: 'done',
  1: 'failed',
  2: 'bad usage or bad input',
  3: 'not logged in, token rejected or tenant refused',
  4: 'rclone missing or too old and not installable',
  5: 'safety stop (too many deletes, check-access failed); nothing deleted',
  6: 'the sync baseline is lost: run again with --resync',
  130: 'interrupted',
};

/**
 * An error the user can act on: the message is one sentence saying what went wrong, the hint says
 * what to do next. The entry point prints both and exits with `exitCode`; the stack is shown only
 * with --verbose.
 */
export class CliError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;

  constructor(message: string, options: { hint?: string; exitCode?: ExitCodeValue; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failed;
  }
}

export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError;
}

export function notSetUpError(): CliError {
  return new CliError('This machine is not set up for Basic Memory cloud yet.', {
    hint: 'Run `basic-memory cloud setup` first.',
  });
}
