import { LAUNCHD_LABEL, RESTART_DELAY_SECONDS, START_LIMIT_BURST, START_LIMIT_INTERVAL_SECONDS, type ServiceSpec } from './spec.js';

/** Pure: systemd's quoting for one ExecStart word (double quotes, backslash escapes, `%` doubled). */
function systemdWord(word: string): string {
  const escaped = word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  return /[\s"'\\%$;]/.test(word) || word === '' ? `"${escaped}"` : escaped;
}

/** Pure: one `Environment=` assignment, quoted as a whole so spaces and `$` survive. */
function systemdAssignment(name: string, value: string): string {
  const escaped = `${name}=${value}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

/** Pure: the systemd user unit (`~/.config/systemd/user/basic-memory-bisync.service`). */
export function renderSystemdUnit(spec: ServiceSpec): string {
  const execStart = [spec.nodePath, spec.cliPath, ...spec.args].map(systemdWord).join(' ');
  return [
    '# Written by `basic-memory cloud bisync-service install`; removed by `uninstall`.',
    '[Unit]',
    `Description=${spec.description}`,
    'After=network-online.target',
    'Wants=network-online.target',
    `StartLimitIntervalSec=${START_LIMIT_INTERVAL_SECONDS}`,
    `StartLimitBurst=${START_LIMIT_BURST}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart}`,
    `WorkingDirectory=${systemdWord(spec.workingDirectory)}`,
    ...Object.entries(spec.environment).map(([name, value]) => `Environment=${systemdAssignment(name, value)}`),
    'Restart=on-failure',
    `RestartSec=${RESTART_DELAY_SECONDS}`,
    // The process stops its watch cleanly on SIGTERM: give a running sync time to finish.
    'TimeoutStopSec=60',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Pure: the launchd agent (`~/Library/LaunchAgents/com.basicmemory.bisync.plist`). */
export function renderLaunchdPlist(spec: ServiceSpec): string {
  const string = (value: string) => `<string>${xmlText(value)}</string>`;
  const environment = Object.entries(spec.environment).flatMap(([name, value]) => [`      <key>${xmlText(name)}</key>`, `      ${string(value)}`]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '  <dict>',
    '    <key>Label</key>',
    `    ${string(LAUNCHD_LABEL)}`,
    '    <key>ProgramArguments</key>',
    '    <array>',
    ...[spec.nodePath, spec.cliPath, ...spec.args].map((word) => `      ${string(word)}`),
    '    </array>',
    '    <key>EnvironmentVariables</key>',
    '    <dict>',
    ...environment,
    '    </dict>',
    '    <key>WorkingDirectory</key>',
    `    ${string(spec.workingDirectory)}`,
    '    <key>RunAtLoad</key>',
    '    <true/>',
    // Restarted when it fails; a clean stop (exit 0) stays stopped.
    '    <key>KeepAlive</key>',
    '    <dict>',
    '      <key>SuccessfulExit</key>',
    '      <false/>',
    '    </dict>',
    '    <key>ThrottleInterval</key>',
    `    <integer>${RESTART_DELAY_SECONDS}</integer>`,
    '    <key>ProcessType</key>',
    '    <string>Background</string>',
    '    <key>StandardOutPath</key>',
    `    ${string(spec.stdoutPath)}`,
    '    <key>StandardErrorPath</key>',
    `    ${string(spec.stderrPath)}`,
    '  </dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** Pure: one Windows command-line argument, quoted as the C runtime parses it. */
function windowsArgument(word: string): string {
  if (word !== '' && !/[\s"]/.test(word)) return word;
  return `"${word.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

export interface WindowsTaskInputs {
  /** `DOMAIN\user` of the user who installs it: the task runs at their logon, as them. */
  userId: string;
  /**
   * Task Scheduler has no environment settings: node reads them from this file
   * (`node --env-file`, Node 20.6+).
   */
  envFile: string;
}

/** Pure: the Task Scheduler definition, for `schtasks /Create /XML`. */
export function renderWindowsTaskXml(spec: ServiceSpec, inputs: WindowsTaskInputs): string {
  const argumentsLine = [`--env-file=${inputs.envFile}`, spec.cliPath, ...spec.args].map(windowsArgument).join(' ');
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>${xmlText(spec.description)}</Description>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger>',
    '      <Enabled>true</Enabled>',
    `      <UserId>${xmlText(inputs.userId)}</UserId>`,
    '    </LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${xmlText(inputs.userId)}</UserId>`,
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <Hidden>true</Hidden>',
    '    <RestartOnFailure>',
    `      <Interval>PT1M</Interval>`,
    `      <Count>${START_LIMIT_BURST}</Count>`,
    '    </RestartOnFailure>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlText(spec.nodePath)}</Command>`,
    `      <Arguments>${xmlText(argumentsLine)}</Arguments>`,
    `      <WorkingDirectory>${xmlText(spec.workingDirectory)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

/**
 * Pure: the env file `node --env-file` reads. Quoted so `#` and spaces survive; single quotes keep
 * backslashes (Windows paths) literal, and a value holding one gets the other kind.
 */
export function renderEnvFile(environment: Record<string, string>): string {
  return Object.entries(environment)
    .map(([name, value]) => {
      const quote = ["'", '"', '`'].find((candidate) => !value.includes(candidate)) ?? "'";
      return `${name}=${quote}${value}${quote}\n`;
    })
    .join('');
}
