import type { BisyncRunRecord } from '../bisync/state.js';
import type { RunCommand } from '../mount/platform.js';
import type { NotificationKind } from './state.js';

export interface Notification {
  kind: NotificationKind;
  title: string;
  body: string;
}

/** Shows a desktop notification; best effort: never throws, silent where nothing can show one. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** Failures in a row after which the user is told (one failure is usually the network). */
export const REPEATED_FAILURES = 3;
export const NOTIFY_AT_MOST_EVERY_MS = 60 * 60 * 1000;

/**
 * Pure: what a finished run must tell the user. `failuresInARow` counts this run; a retry that fails
 * again is not news until it reaches the threshold.
 */
export function notificationsFor(run: Pick<BisyncRunRecord, 'result' | 'conflicts' | 'detail'>, failuresInARow: number): Notification[] {
  const notifications: Notification[] = [];
  if (run.conflicts.length > 0) {
    const names = run.conflicts.map((conflict) => conflict.path);
    notifications.push({ kind: 'conflicts', title: 'Basic Memory: sync conflict', body: `${names.length} note${names.length > 1 ? 's were' : ' was'} changed on both sides; both versions were kept (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}).` });
  }
  if (run.result === 'safety-stop') {
    notifications.push({ kind: 'safety-stop', title: 'Basic Memory: sync stopped for safety', body: 'Too many deletions (or a missing check file); nothing was deleted. Run `basic-memory cloud bisync --dry-run` to see why.' });
  }
  if (run.result === 'needs-baseline') {
    notifications.push({ kind: 'lost-baseline', title: 'Basic Memory: sync baseline lost', body: 'Sync needs a new baseline. Run `basic-memory cloud bisync` (it keeps every file).' });
  }
  if (run.result !== 'ok' && failuresInARow === REPEATED_FAILURES) {
    notifications.push({ kind: 'repeated-failures', title: 'Basic Memory: sync keeps failing', body: `${failuresInARow} syncs in a row failed${run.detail ? `: ${run.detail}` : ''}. Run \`basic-memory cloud bisync-service logs\`.` });
  }
  return notifications;
}

/** Pure: at most one notification of a kind per hour. */
export function mayNotify(lastShownAt: string | undefined, now: Date, everyMs: number = NOTIFY_AT_MOST_EVERY_MS): boolean {
  return lastShownAt === undefined || now.getTime() - Date.parse(lastShownAt) >= everyMs;
}

/** Pure: the program and arguments that show a notification on each OS (undefined: none). */
export function notificationCommand(platform: NodeJS.Platform, notification: Notification): [string, string[]] | undefined {
  const { title, body } = notification;
  if (platform === 'linux') return ['notify-send', ['--app-name=Basic Memory', title, body]];
  if (platform === 'darwin') {
    // Passed as arguments, not spliced into the script, so a note's name cannot break out of it.
    return ['osascript', ['-e', 'on run argv', '-e', 'display notification (item 2 of argv) with title (item 1 of argv)', '-e', 'end run', title, body]];
  }
  if (platform === 'win32') {
    // User text goes in as base64, so no note name can break out of the script's quoting.
    const text = (value: string) => `[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(value, 'utf8').toString('base64')}'))`;
    const script = [
      '$ErrorActionPreference = "Stop"',
      '[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] > $null',
      '$xml = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02)',
      '$texts = $xml.GetElementsByTagName("text")',
      `$texts.Item(0).AppendChild($xml.CreateTextNode(${text(title)})) > $null`,
      `$texts.Item(1).AppendChild($xml.CreateTextNode(${text(body)})) > $null`,
      '[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier("Basic Memory").Show([Windows.UI.Notifications.ToastNotification]::new($xml))',
    ].join('; ');
    return ['powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script]];
  }
  return undefined;
}

/**
 * The desktop notifier for this OS. A missing tool (no notify-send, no desktop session) is not an
 * error: the health file and the log still say what happened.
 */
export function desktopNotifier(platform: NodeJS.Platform, exec: RunCommand): Notifier {
  return {
    async notify(notification) {
      const command = notificationCommand(platform, notification);
      if (!command) return;
      await exec(command[0], command[1]).catch(() => undefined);
    },
  };
}
