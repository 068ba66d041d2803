import { describe, expect, it } from 'vitest';
import { PRODUCTION_API_URL, parseDuration, parseProfileName, resolveSettings } from '../../../src/core/settings.js';
import { CliError, ExitCode } from '../../../src/core/errors.js';

describe('resolveSettings', () => {
  it('defaults to the production API with the same auth server', () => {
    const { settings, errors, warnings } = resolveSettings({ env: {}, flags: {} });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(settings.apiUrl).toBe(PRODUCTION_API_URL);
    expect(settings.authUrl).toBe(PRODUCTION_API_URL);
    expect(settings.mountProfile).toBe('balanced');
    expect(settings.bisyncProfile).toBe('balanced');
    expect(settings.watchIntervalSeconds).toBe(60);
  });

  it.each([
    { name: 'file only', file: { apiUrl: 'https://file.example' }, env: {}, flag: undefined, expected: 'https://file.example' },
    { name: 'env beats file', file: { apiUrl: 'https://file.example' }, env: { BASIC_MEMORY_CLOUD_URL: 'http://127.0.0.1:9/' }, flag: undefined, expected: 'http://127.0.0.1:9' },
    { name: 'flag beats env', file: {}, env: { BASIC_MEMORY_CLOUD_URL: 'http://env.example' }, flag: 'http://flag.example', expected: 'http://flag.example' },
  ])('API URL precedence: $name', ({ file, env, flag, expected }) => {
    const { settings } = resolveSettings({ file, env, flags: { apiUrl: flag } });
    expect(settings.apiUrl).toBe(expected);
    expect(settings.authUrl).toBe(expected);
  });

  it.each([
    { name: 'the login beats the setup and the file', env: {}, flag: undefined, expected: ['http://login.example', 'login'] },
    { name: 'env beats the login', env: { BASIC_MEMORY_CLOUD_URL: 'http://env.example' }, flag: undefined, expected: ['http://env.example', 'env'] },
    { name: 'the flag beats the login', env: {}, flag: 'http://flag.example', expected: ['http://flag.example', 'flag'] },
  ])('the cloud of the last login is used unless told otherwise: $name', ({ env, flag, expected }) => {
    const { settings } = resolveSettings({ file: { apiUrl: 'https://file.example' }, env, flags: { apiUrl: flag }, remembered: { login: 'http://login.example', setup: 'http://setup.example' } });
    expect([settings.apiUrl, settings.apiUrlSource]).toEqual(expected);
  });

  it('without a login, the cloud this machine was set up for beats the settings file', () => {
    const { settings } = resolveSettings({ file: { apiUrl: 'https://file.example' }, env: {}, flags: {}, remembered: { setup: 'http://setup.example' } });
    expect([settings.apiUrl, settings.apiUrlSource, settings.authUrl]).toEqual(['http://setup.example', 'setup', 'http://setup.example']);
  });

  it('reports every problem at once instead of stopping at the first', () => {
    const { errors, warnings } = resolveSettings({
      file: { apiUrl: 'ftp://nope', mountProfile: 'turbo', watchInterval: 'soon', colour: 'blue' },
      env: {},
      flags: {},
    });
    expect(errors).toHaveLength(3);
    expect(errors.join(' ')).toMatch(/not an http\(s\) URL/);
    expect(errors.join(' ')).toMatch(/mountProfile/);
    expect(errors.join(' ')).toMatch(/watchInterval/);
    expect(warnings).toEqual(['Unknown setting "colour" is ignored.']);
  });

  it('rejects a non-string value with a sentence naming the key', () => {
    const { errors } = resolveSettings({ file: { clientId: 42 }, env: {}, flags: {} });
    expect(errors).toEqual(['Setting "clientId" must be a string.']);
  });
});

describe('parseDuration', () => {
  it.each([
    ['60', 60], ['60s', 60], ['5m', 300], ['1h', 3600], ['500ms', 0.5], [' 2.5s ', 2.5],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '0', '-1s', 'soon', '5d', '1m30s'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseProfileName', () => {
  it('falls back when no profile is given and accepts known names', () => {
    expect(parseProfileName(undefined, 'safe')).toBe('safe');
    expect(parseProfileName('fast', 'safe')).toBe('fast');
  });

  it('rejects an unknown profile as bad usage', () => {
    let caught: unknown;
    try {
      parseProfileName('turbo', 'balanced');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CliError);
    expect((caught as CliError).exitCode).toBe(ExitCode.usage);
    expect((caught as CliError).hint).toMatch(/fast, balanced, safe/);
  });
});
