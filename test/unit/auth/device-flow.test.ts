import { describe, expect, it } from 'vitest';
import { nextPollStep, pollForTokens } from '../../../src/auth/device-flow.js';
import { interpretTokenAnswer, jwtExpiryMs, loginFromTokens, parseDeviceAuthorization, parseMetadata, tokenFreshness, type TokenAnswer } from '../../../src/auth/oauth.js';
import { CliError, ExitCode } from '../../../src/core/errors.js';

const pending: TokenAnswer = { kind: 'error', error: 'authorization_pending', description: undefined, status: 400 };
const slowDown: TokenAnswer = { kind: 'error', error: 'slow_down', description: undefined, status: 400 };
const tokens: TokenAnswer = { kind: 'tokens', tokens: { access_token: 'a', refresh_token: 'r', expires_in: 3600 } };

describe('nextPollStep (RFC 8628 section 3.5)', () => {
  it('waits the interval while pending and 5 s longer after slow_down', () => {
    expect(nextPollStep(pending, 2)).toEqual({ kind: 'wait', intervalSeconds: 2 });
    expect(nextPollStep(slowDown, 2)).toEqual({ kind: 'wait', intervalSeconds: 7 });
  });

  it.each(['access_denied', 'expired_token', 'invalid_grant'])('stops with exit 3 on %s', (error) => {
    const step = nextPollStep({ kind: 'error', error, description: undefined, status: 400 }, 1);
    expect(step.kind).toBe('failed');
    if (step.kind === 'failed') expect(step.error.exitCode).toBe(ExitCode.auth);
  });
});

describe('pollForTokens', () => {
  const authorization = { device_code: 'd', user_code: 'BCDF-GHJK', verification_uri: 'http://x/device', expires_in: 30, interval: 1 };

  function fakeServer(answers: TokenAnswer[]) {
    let clock = 0;
    const waits: number[] = [];
    const forms: Record<string, string>[] = [];
    return {
      waits,
      forms,
      deps: {
        requestToken: (form: Record<string, string>) => {
          forms.push(form);
          return Promise.resolve(answers.shift() ?? pending);
        },
        sleep: (ms: number) => {
          waits.push(ms);
          clock += ms;
          return Promise.resolve();
        },
        now: () => clock,
        signal: new AbortController().signal,
      },
    };
  }

  it('honours interval and slow_down, then returns the tokens', async () => {
    const server = fakeServer([pending, slowDown, pending, tokens]);
    const result = await pollForTokens(authorization, 'basic-memory-cli', server.deps);
    expect(result.access_token).toBe('a');
    expect(server.waits).toEqual([1000, 1000, 6000, 6000]);
    expect(server.forms[0]).toEqual({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'd', client_id: 'basic-memory-cli' });
  });

  it('gives up with exit 3 once the code has expired', async () => {
    const server = fakeServer([]);
    const error = await pollForTokens(authorization, 'c', server.deps).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(/expired/);
    expect(server.waits.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(30_000);
  });

  it('stops with exit 130 when cancelled', async () => {
    const controller = new AbortController();
    const server = fakeServer([]);
    controller.abort();
    const error = await pollForTokens(authorization, 'c', { ...server.deps, signal: controller.signal }).catch((caught: unknown) => caught);
    expect((error as CliError).exitCode).toBe(ExitCode.interrupted);
  });
});

describe('OAuth answers', () => {
  it('requires a device endpoint in the RFC 8414 metadata', () => {
    expect(parseMetadata({ device_authorization_endpoint: 'http://a/d', token_endpoint: 'http://a/t' }, 'http://a')).toMatchObject({ issuer: 'http://a', token_endpoint: 'http://a/t' });
    expect(() => parseMetadata({ token_endpoint: 'http://a/t' }, 'http://a')).toThrow(/device login/);
    expect(parseMetadata({ device_authorization_endpoint: 'http://a/d', token_endpoint: 'http://a/t', revocation_endpoint: 'http://a/r' }, 'http://a').revocation_endpoint).toBe('http://a/r');
    expect(parseMetadata({ device_authorization_endpoint: 'http://a/d', token_endpoint: 'http://a/t' }, 'http://a')).not.toHaveProperty('revocation_endpoint');
  });

  it('defaults interval to 5 s and reads verification_url as Google spells it', () => {
    expect(parseDeviceAuthorization({ device_code: 'd', user_code: 'u', verification_url: 'http://v' })).toMatchObject({ interval: 5, verification_uri: 'http://v', expires_in: 600 });
  });

  it('tells tokens from errors', () => {
    expect(interpretTokenAnswer(200, { access_token: 'a', expires_in: 60 })).toEqual({ kind: 'tokens', tokens: { access_token: 'a', expires_in: 60 } });
    expect(interpretTokenAnswer(400, { error: 'slow_down' })).toMatchObject({ kind: 'error', error: 'slow_down' });
    expect(interpretTokenAnswer(502, 'Bad gateway')).toMatchObject({ kind: 'error', error: 'http_502' });
  });
});

describe('token freshness', () => {
  const now = Date.parse('2026-11-28T10:00:00Z');
  const at = (secondsFromNow: number) => new Date(now + secondsFromNow * 1000).toISOString();
  it.each([
    [{ expiresAt: at(3600) }, 'fresh'],
    [{ expiresAt: at(30), refreshToken: 'r', tokenEndpoint: 'http://t' }, 'refresh'],
    [{ expiresAt: at(-30), refreshToken: 'r', tokenEndpoint: 'http://t' }, 'refresh'],
    [{ expiresAt: at(30) }, 'fresh'],
    [{ expiresAt: at(-1) }, 'expired'],
    [{}, 'fresh'],
  ] as const)('%j is %s', (login, expected) => {
    expect(tokenFreshness(login, now)).toBe(expected);
  });

  it('uses a 15-minute access token as is for its first 14 minutes, then refreshes it before it expires', () => {
    const login = { ...loginFromTokens({ access_token: 'a', refresh_token: 'r', expires_in: 900 }, { apiUrl: 'http://a', tokenEndpoint: 'http://t' }, now) };
    expect(tokenFreshness(login, now)).toBe('fresh');
    expect(tokenFreshness(login, now + 839_000)).toBe('fresh');
    expect(tokenFreshness(login, now + 841_000)).toBe('refresh');
    expect(tokenFreshness(login, now + 901_000)).toBe('refresh');
  });

  it('takes the expiry from expires_in, else from the JWT itself', () => {
    const jwt = `e30.${Buffer.from(JSON.stringify({ exp: 2_000_000_000 })).toString('base64url')}.sig`;
    expect(jwtExpiryMs(jwt)).toBe(2_000_000_000_000);
    expect(jwtExpiryMs('not-a-jwt')).toBeUndefined();
    expect(loginFromTokens({ access_token: jwt }, { apiUrl: 'http://a' }, now).expiresAt).toBe(new Date(2_000_000_000_000).toISOString());
    expect(loginFromTokens({ access_token: jwt, expires_in: 60 }, { apiUrl: 'http://a' }, now).expiresAt).toBe(at(60));
  });
});
