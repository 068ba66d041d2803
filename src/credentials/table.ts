import type { CredentialSummary } from '../api/types.js';
import { isThisMachineCredential, type MachineCredential } from './this-machine.js';

export interface CredentialRow extends CredentialSummary {
  /** The credential this machine's rclone remote uses. */
  thisMachine: boolean;
}

/** Marks the credential this machine's rclone remote uses. */
export function markThisMachine(credentials: CredentialSummary[], mine: MachineCredential | undefined): CredentialRow[] {
  return credentials.map((credential) => ({ ...credential, thisMachine: mine !== undefined && isThisMachineCredential(credential, mine) }));
}

/** A plain, aligned table for people; `*` marks this machine. */
export function formatCredentialTable(rows: CredentialRow[]): string {
  const header = ['', 'ID', 'ACCESS KEY', 'DESCRIPTION', 'CREATED', 'LAST USED'];
  const lines = rows.map((row) => [row.thisMachine ? '*' : '', row.id, row.access_key, row.description ?? '', shortDate(row.created_at), row.last_used_at ? shortDate(row.last_used_at) : 'never']);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)));
  const render = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [render(header), ...lines.map(render)].join('\n');
}

/** `2025-09-22T16:48:50.414694` → `2025-09-22 16:48` (minutes are enough to tell keys apart). */
export function shortDate(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}
