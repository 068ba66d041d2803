import type { Ora } from 'ora';
import { interruptedLine } from './interrupt.js';
import { SecretRedactor } from './redact.js';

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
  /** stderr is a terminal: spinners and in-place status lines are allowed. */
  interactive: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/**
 * All user-facing text goes through here. People-facing lines go to stderr; `--json` writes exactly
 * one document to stdout. Made once from the parsed flags and passed in, never sniffed from argv.
 */
export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly color: boolean;
  readonly interactive: boolean;
  readonly redactor = new SecretRedactor();
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;
  private liveLineShown = false;
  private resultWritten = false;
  private readonly onceKeys = new Set<string>();
  private spinner: Ora | undefined;
  /** The step now running and the ones finished, for the line Ctrl-C ends with. */
  private runningStep: string | undefined;
  private readonly doneSteps: string[] = [];

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.color = options.color;
    this.interactive = options.interactive;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
  }

  /** A line for people (stderr). */
  info(line: string): void {
    this.writeLine(line);
  }

  success(line: string): void {
    this.writeLine(`${this.paint('32', '✓')} ${line}`);
  }

  warn(line: string): void {
    this.writeLine(`${this.paint('33', '!')} ${line}`);
  }

  /** A warning said at most once per process (e.g. "your rclone lacks --recover"). */
  warnOnce(key: string, line: string): void {
    if (this.onceKeys.has(key)) return;
    this.onceKeys.add(key);
    this.warn(line);
  }

  error(line: string): void {
    this.writeLine(`${this.paint('31', 'Error:')} ${line}`);
  }

  debug(line: string): void {
    if (this.verbose) this.writeLine(this.paint('2', line));
  }

  /** The one machine-readable document of a `--json` command; a second one is a bug, not a second line. */
  result(document: unknown): void {
    if (this.resultWritten) throw new Error('A command wrote two JSON documents.');
    this.resultWritten = true;
    this.stdout.write(`${this.redactor.redact(JSON.stringify(document, null, 2))}\n`);
  }

  /** Whether the document of this run is out (the entry point writes an error document otherwise). */
  get hasResult(): boolean {
    return this.resultWritten;
  }

  /** Plain text result for stdout (e.g. a table); under `--json` it goes to stderr, so stdout stays one document. */
  print(text: string): void {
    (this.json ? this.stderr : this.stdout).write(`${this.redactor.redact(text)}\n`);
  }

  /** The terminal's width, for lines that must not wrap; undefined when stderr is not a terminal. */
  get columns(): number | undefined {
    const columns = (this.stderr as NodeJS.WriteStream).columns;
    return this.interactive && typeof columns === 'number' && columns > 0 ? columns : undefined;
  }

  /**
   * A status line that updates in place on a terminal (watch mode) and is a plain line otherwise.
   */
  live(line: string): void {
    const text = this.redactor.redact(line);
    if (this.interactive) {
      this.stderr.write(`\r\x1b[2K${text}`);
      this.liveLineShown = true;
    } else {
      this.stderr.write(`${text}\n`);
    }
  }

  /** Erases the live line (a progress line that is over), leaving nothing behind. */
  clearLive(): void {
    if (!this.liveLineShown) return;
    this.stderr.write('\r\x1b[2K');
    this.liveLineShown = false;
  }

  /** Runs `task` under a spinner on a TTY; without one, prints the label and the outcome as lines. */
  async step<T>(label: string, task: () => Promise<T>, done?: (value: T) => string): Promise<T> {
    this.runningStep = label;
    if (!this.interactive || this.json) {
      this.debug(`… ${label}`);
      const value = await task();
      this.runningStep = undefined;
      this.success(this.stepDone(done ? done(value) : label));
      return value;
    }
    this.endLive();
    const { default: ora } = await import('ora');
    const spinner = ora({ text: label, stream: this.stderr, color: 'cyan', isEnabled: true }).start();
    this.spinner = spinner;
    try {
      const value = await task();
      // ora's own mark is ✔; every success line here uses ✓.
      spinner.stopAndPersist({ symbol: this.paint('32', '✓'), text: this.redactor.redact(this.stepDone(done ? done(value) : label)) });
      return value;
    } catch (error) {
      spinner.fail(label);
      throw error;
    } finally {
      this.spinner = undefined;
      this.runningStep = undefined;
    }
  }

  /** Ends the command's output on Ctrl-C: no spinner left spinning, one line saying how far it got. */
  interrupted(): void {
    this.spinner?.stop();
    this.spinner = undefined;
    this.writeLine(interruptedLine(this.runningStep, this.doneSteps));
  }

  private stepDone(line: string): string {
    this.doneSteps.push(line);
    return line;
  }

  paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  private writeLine(line: string): void {
    this.endLive();
    this.stderr.write(`${this.redactor.redact(line)}\n`);
  }

  private endLive(): void {
    if (this.liveLineShown) {
      this.stderr.write('\n');
      this.liveLineShown = false;
    }
  }
}
