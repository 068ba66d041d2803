import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/errors.js';
import { proxyFor, proxySettings, type ProxySettings } from '../../../src/api/proxy.js';

const LOOPBACK = 'localhost,127.0.0.1,[::1]';

describe('proxySettings', () => {
  it.each([
    ['no proxy variable', {}, undefined],
    ['empty values', { HTTPS_PROXY: '', http_proxy: '' }, undefined],
    ['HTTPS_PROXY alone', { HTTPS_PROXY: 'http://proxy:3128' }, { httpProxy: undefined, httpsProxy: 'http://proxy:3128', noProxy: LOOPBACK }],
    ['HTTP_PROXY alone serves https addresses too', { HTTP_PROXY: 'http://proxy:3128' }, { httpProxy: 'http://proxy:3128', httpsProxy: 'http://proxy:3128', noProxy: LOOPBACK }],
    ['lowercase before uppercase, as curl', { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }, { httpProxy: undefined, httpsProxy: 'http://lower:1', noProxy: LOOPBACK }],
    ['the user\'s NO_PROXY, then loopback', { HTTPS_PROXY: 'http://p:1', NO_PROXY: ' .corp.example,10.0.0.1 ' }, { httpProxy: undefined, httpsProxy: 'http://p:1', noProxy: `.corp.example,10.0.0.1,${LOOPBACK}` }],
    ['NO_PROXY=* turns the proxy off', { HTTPS_PROXY: 'http://p:1', no_proxy: '*' }, undefined],
    ['a proxy without a scheme is http, as for curl and Go', { https_proxy: 'proxy.corp:3128' }, { httpProxy: undefined, httpsProxy: 'http://proxy.corp:3128', noProxy: LOOPBACK }],
  ])('%s', (_name, env: Record<string, string>, expected) => {
    expect(proxySettings(env)).toEqual(expected);
  });

  it('refuses a proxy that is no URL in one sentence (exit 2), without its password', () => {
    let thrown: unknown;
    try {
      proxySettings({ https_proxy: 'http://me:s3cret@[bad' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ message: 'https_proxy is not a proxy address: "http://***@[bad".', exitCode: ExitCode.usage });
    expect(String((thrown as Error).message)).not.toContain('s3cret');
  });
});

describe('proxyFor', () => {
  const settings: ProxySettings = { httpProxy: 'http://plain:80', httpsProxy: 'http://tls:3128', noProxy: `.corp.example,build.local:8443,*.lab,${LOOPBACK}` };
  it.each([
    ['https://cloud.basicmemory.com/x', 'http://tls:3128'],
    ['http://cloud.basicmemory.com/x', 'http://plain:80'],
    ['https://corp.example/x', undefined],
    ['https://api.corp.example/x', undefined],
    ['https://notcorp.example/x', 'http://tls:3128'],
    ['https://build.local:8443/x', undefined],
    ['https://build.local/x', 'http://tls:3128'],
    ['https://a.b.lab/x', undefined],
    ['http://127.0.0.1:8765/x', undefined],
    ['http://localhost:3000/x', undefined],
    ['http://[::1]:3000/x', undefined],
  ])('%s goes through %s', (url, expected) => {
    expect(proxyFor(url, settings)).toBe(expected);
  });

  it('sends http addresses directly when only HTTPS_PROXY is set', () => {
    expect(proxyFor('http://cloud.example/x', { httpProxy: undefined, httpsProxy: 'http://tls:3128', noProxy: LOOPBACK })).toBeUndefined();
  });
});
