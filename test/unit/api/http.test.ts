import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, apiErrorFor, errorDetail, isRetryableNetworkError, isRetryableStatus, networkErrorFor, retryDelayMs } from '../../../src/api/http.js';
import { ExitCode } from '../../../src/core/errors.js';

describe('which answers are retried', () => {
  it.each([
    ['GET', 408, true], ['GET', 429, true], ['GET', 500, true], ['GET', 503, true], ['DELETE', 502, true],
    ['GET', 400, false], ['GET', 401, false], ['GET', 404, false],
    // A POST may have created a credential already: only when the server says it did not act.
    ['POST', 429, true], ['POST', 503, true], ['POST', 500, false], ['POST', 408, false],
  ] as const)('%s answered %d: retry %s', (method, status, expected) => {
    expect(isRetryableStatus(method, status)).toBe(expected);
  });

  it.each([
    ['GET', 'ECONNRESET', true], ['GET', 'UND_ERR_HEADERS_TIMEOUT', true], ['DELETE', 'ETIMEDOUT', true],
    ['GET', 'ECONNREFUSED', false], ['GET', 'ENOTFOUND', false], ['POST', 'ECONNRESET', false],
  ] as const)('%s failed with %s: retry %s', (method, code, expected) => {
    expect(isRetryableNetworkError(method, code)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially with jitter and stays under the cap', () => {
    expect(retryDelayMs(0, undefined, DEFAULT_RETRY, 0, () => 0)).toBe(200);
    expect(retryDelayMs(0, undefined, DEFAULT_RETRY, 0, () => 1)).toBe(400);
    expect(retryDelayMs(2, undefined, DEFAULT_RETRY, 0, () => 1)).toBe(1600);
    expect(retryDelayMs(10, undefined, DEFAULT_RETRY, 0, () => 1)).toBe(DEFAULT_RETRY.maxDelayMs);
  });

  it('honours Retry-After in seconds or as a date, capped', () => {
    expect(retryDelayMs(0, '2', DEFAULT_RETRY)).toBe(2000);
    const now = Date.parse('2026-11-28T10:00:00Z');
    expect(retryDelayMs(0, 'Sat, 28 Nov 2026 10:00:03 GMT', DEFAULT_RETRY, now)).toBe(3000);
    expect(retryDelayMs(0, '3600', DEFAULT_RETRY)).toBe(DEFAULT_RETRY.maxDelayMs);
  });
});

describe('errors the user reads', () => {
  it('reads FastAPI and OAuth error bodies, ignoring HTML pages', () => {
    expect(errorDetail({ detail: 'Tenant inactive' })).toBe('Tenant inactive');
    expect(errorDetail({ detail: [{ msg: 'field required' }, { msg: 'bad type' }] })).toBe('field required; bad type');
    expect(errorDetail({ error: 'invalid_grant', error_description: 'refresh token reused' })).toBe('refresh token reused');
    expect(errorDetail('<html><body>502 Bad Gateway</body></html>')).toBeUndefined();
  });

  it.each([
    [401, ExitCode.auth, /rejected your login/, /cloud login/],
    [403, ExitCode.auth, /refused access/, /cloud login/],
    [502, ExitCode.failed, /failed to answer \(HTTP 502/, /doctor/],
    [422, ExitCode.failed, /answered HTTP 422/, /--verbose/],
  ])('HTTP %d → exit %d', (status, exitCode, message, hint) => {
    const error = apiErrorFor(status, { detail: 'why' });
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
  });

  it.each([
    ['ECONNREFUSED', /connection refused/],
    ['ENOTFOUND', /./],
    ['UND_ERR_CONNECT_TIMEOUT', /./],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /TLS certificate/],
  ])('a network failure %s becomes one sentence naming the address', (code, reason) => {
    const error = networkErrorFor(Object.assign(new Error('boom'), { code }), 'http://127.0.0.1:8765/tenant/mount/info');
    expect(error.message).toMatch(/^Cannot reach the Basic Memory cloud at http:\/\/127\.0\.0\.1:8765/);
    expect(error.message).toMatch(reason);
    expect(error.message.split('. ').length).toBeLessThanOrEqual(2);
    expect(error.exitCode).toBe(ExitCode.failed);
  });

  it('names the proxy a failed request went through, and what the proxy answered a tunnel', () => {
    const proxied = { httpProxy: undefined, httpsProxy: 'http://user:secret@proxy.corp:3128', noProxy: 'localhost,127.0.0.1,[::1]' };
    const refused = networkErrorFor(Object.assign(new Error('boom'), { code: 'ECONNREFUSED' }), 'https://cloud.basicmemory.com/tenant/mount/info', undefined, proxied);
    expect(refused.message).toBe('Cannot reach the Basic Memory cloud at https://cloud.basicmemory.com through the proxy http://proxy.corp:3128: connection refused.');
    expect(refused.hint).toContain('HTTPS_PROXY');
    const tunnel = networkErrorFor(Object.assign(new Error('Proxy response (403) !== 200 when HTTP Tunneling'), { code: 'UND_ERR_ABORTED' }), 'https://cloud.basicmemory.com/x', undefined, proxied);
    expect(tunnel.message).toMatch(/through the proxy http:\/\/proxy\.corp:3128: the proxy refused to connect to it \(HTTP 403\)\.$/);
    const direct = networkErrorFor(Object.assign(new Error('boom'), { code: 'ECONNREFUSED' }), 'http://127.0.0.1:8765/x', undefined, proxied);
    expect(direct.message).toBe('Cannot reach the Basic Memory cloud at http://127.0.0.1:8765: connection refused.');
  });
});
