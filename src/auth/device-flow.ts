import { CliError, ExitCode } from '../core/errors.js';
import { DEVICE_CODE_GRANT, type DeviceAuthorization, type TokenAnswer, type TokenSet } from './oauth.js';

/** What to do after one answer of the token endpoint while the user approves (RFC 8628 section 3.5). */
export type PollStep = { kind: 'wait'; intervalSeconds: number } | { kind: 'done'; tokens: TokenSet } | { kind: 'failed'; error: CliError };

const SLOW_DOWN_SECONDS = 5;

export function nextPollStep(answer: TokenAnswer, intervalSeconds: number): PollStep {
  if (answer.kind === 'tokens') return { kind: 'done', tokens: answer.tokens };
  switch (answer.error) {
    case 'authorization_pending':
      return { kind: 'wait', intervalSeconds };
    case 'slow_down':
      return { kind: 'wait', intervalSeconds: intervalSeconds + SLOW_DOWN_SECONDS };
    case 'access_denied':
      return { kind: 'failed', error: new CliError('The login was denied in the browser.', { hint: 'Run `basic-memory cloud login` again and approve the code.', exitCode: ExitCode.auth }) };
    case 'expired_token':
      return { kind: 'failed', error: codeExpiredError() };
    default:
      return {
        kind: 'failed',
        error: new CliError(`The login server refused the login (${answer.description ?? answer.error}).`, {
          hint: 'Run `basic-memory cloud login` again; if it keeps failing, check the authUrl and clientId settings.',
          exitCode: ExitCode.auth,
        }),
      };
  }
}

function codeExpiredError(): CliError {
  return new CliError('The login code expired before it was approved.', { hint: 'Run `basic-memory cloud login` again and approve the new code within its time.', exitCode: ExitCode.auth });
}

export interface PollDeps {
  requestToken(form: Record<string, string>): Promise<TokenAnswer>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  signal: AbortSignal;
}

/**
 * Polls the token endpoint until the user approves, denies or the code expires, waiting the
 * server's interval between polls (longer after `slow_down`). An aborted signal (Ctrl-C) stops it
 * with exit 130.
 */
export async function pollForTokens(authorization: DeviceAuthorization, clientId: string, deps: PollDeps): Promise<TokenSet> {
  const deadline = deps.now() + authorization.expires_in * 1000;
  const form = { grant_type: DEVICE_CODE_GRANT, device_code: authorization.device_code, client_id: clientId };
  let intervalSeconds = authorization.interval;
  for (;;) {
    await deps.sleep(intervalSeconds * 1000, deps.signal);
    if (deps.signal.aborted) throw loginCancelledError();
    if (deps.now() >= deadline) throw codeExpiredError();
    const step = nextPollStep(await deps.requestToken(form), intervalSeconds);
    if (step.kind === 'done') return step.tokens;
    if (step.kind === 'failed') throw step.error;
    intervalSeconds = step.intervalSeconds;
  }
}

export function loginCancelledError(): CliError {
  return new CliError('Login cancelled.', { hint: 'Nothing was stored. Run `basic-memory cloud login` when ready.', exitCode: ExitCode.interrupted });
}
