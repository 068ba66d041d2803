import fs from 'node:fs/promises';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';
import type { StatePaths } from '../core/paths.js';

/** `<state dir>/login.json`: the cloud the last `cloud login` was to, so later commands use it. */
export interface LoginRecord {
  apiUrl: string;
  tenantId: string;
  loggedInAt: string;
}

export async function readLoginRecord(paths: Pick<StatePaths, 'login'>): Promise<LoginRecord | undefined> {
  const record = await readJsonFile<Partial<LoginRecord>>(paths.login).catch(() => undefined);
  return typeof record?.apiUrl === 'string' && typeof record.tenantId === 'string' ? { apiUrl: record.apiUrl, tenantId: record.tenantId, loggedInAt: record.loggedInAt ?? '' } : undefined;
}

export async function writeLoginRecord(paths: Pick<StatePaths, 'login'>, record: LoginRecord): Promise<void> {
  await writeJsonFile(paths.login, record);
}

/** Forgets the record when it names this cloud: a logout of another cloud leaves it alone. */
export async function forgetLoginRecord(paths: Pick<StatePaths, 'login'>, apiUrl: string): Promise<void> {
  if ((await readLoginRecord(paths))?.apiUrl === apiUrl) await fs.rm(paths.login, { force: true });
}
