import type { ApiUrlSource } from '../core/settings.js';

/** How the login of the cloud in use fared when `cloud status` asked the cloud about it. */
export type LoginState = 'accepted' | 'rejected' | 'none' | 'unreachable' | 'failed';

/** `cloud status --json`: one object, camelCase keys like every other command's document. */
export interface StatusReport {
  cloud: { apiUrl: string; source: ApiUrlSource };
  login: { state: LoginState; store: 'env' | 'keychain' | 'file' | null; tenantId: string | null; detail: string | null };
  setup: { tenantId: string; bucketName: string; apiUrl: string; mode: 'bisync' | 'mount'; localPath: string } | null;
  lastSync: { at: string; result: string } | null;
  lastSuccessAt: string | null;
  running: {
    mount: { pid: number; mountPoint: string } | null;
    watch: { pid: number } | null;
    service: { state: string; pid: number } | null;
  };
}

/** Human output shows a tenant by its first 8 characters (enough to tell tenants apart); JSON has the full id. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

const SOURCE_WORDS: Record<ApiUrlSource, string> = {
  flag: 'from --api-url',
  env: 'from BASIC_MEMORY_CLOUD_URL',
  login: 'the cloud you logged in to',
  setup: 'the cloud this machine was set up for',
  settings: 'from your settings file',
  default: 'the default cloud',
};

const LOGIN_WORDS: Record<LoginState, string> = {
  accepted: 'logged in',
  rejected: 'login rejected',
  none: 'not logged in',
  unreachable: 'cloud unreachable',
  failed: 'could not be checked',
};

/** Pure: the report for people, one aligned row per fact. */
export function renderStatus(report: StatusReport): string {
  const { cloud, login, setup, lastSync, running } = report;
  const loginRow = [
    LOGIN_WORDS[login.state],
    login.tenantId ? `tenant ${shortId(login.tenantId)}` : undefined,
    login.store ? `login in ${login.store === 'env' ? 'BASIC_MEMORY_TOKEN' : `the ${login.store === 'keychain' ? 'OS keychain' : 'credentials file'}`}` : undefined,
  ].filter(Boolean).join(', ');
  const runningParts = [
    running.mount ? `mount at ${running.mount.mountPoint} (pid ${running.mount.pid})` : undefined,
    running.watch ? `bisync --watch (pid ${running.watch.pid})` : undefined,
    running.service ? `sync service, ${running.service.state} (pid ${running.service.pid})` : undefined,
  ].filter(Boolean);
  const rows: [string, string][] = [
    ['cloud', `${cloud.apiUrl} (${SOURCE_WORDS[cloud.source]})`],
    ['login', login.detail && login.state !== 'accepted' ? `${loginRow}: ${login.detail}` : loginRow],
    ['tenant', setup ? `${shortId(setup.tenantId)}, bucket ${setup.bucketName}` : 'not set up on this machine (run `basic-memory cloud setup`)'],
  ];
  if (setup) {
    if (setup.apiUrl !== cloud.apiUrl) rows.push(['set up on', setup.apiUrl]);
    rows.push(['mode', setup.mode], ['folder', setup.localPath], ['last sync', lastSync ? `${lastSync.at} (${lastSync.result})` : 'never']);
  }
  rows.push(['running', runningParts.length > 0 ? runningParts.join('; ') : 'nothing']);
  return rows.map(([key, value]) => `${key.padEnd(11)}${value}`).join('\n');
}
