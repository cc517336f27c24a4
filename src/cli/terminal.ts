/**
 * Terminal conventions of every command: colour only on a terminal that wants it (`NO_COLOR`,
 * `--no-color`, `FORCE_COLOR`, `TERM=dumb`), and a live line that updates in place on a terminal
 * but becomes plain, sparse lines when the output is piped to a file or another program.
 */

/** The stream a terminal writes to (process.stdout, or a test's capture). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Whether to colour `stream`: `--no-color` and a non-empty `NO_COLOR` (no-color.org) always win,
 * then `FORCE_COLOR` (non-empty, not `0`), then a TTY whose `TERM` is not `dumb`.
 */
export function colourWanted(stream: OutputStream, env: NodeJS.ProcessEnv, noColorFlag = false): boolean {
  if (noColorFlag || (env.NO_COLOR ?? '') !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const codes = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof codes;

/** Remove ANSI escape sequences (for widths, and for tests reading what a terminal showed). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

export class Terminal {
  private liveShown = false;

  constructor(
    private readonly stream: OutputStream,
    /** Colour escape codes in output. */
    readonly colour: boolean,
    /** Rewrite the live line in place (a TTY); otherwise live lines are printed as plain lines. */
    readonly inPlace: boolean = Boolean(stream.isTTY),
  ) {}

  /** A terminal for `stream` following the environment's and the flag's wishes. */
  static for(stream: OutputStream, env: NodeJS.ProcessEnv, noColorFlag = false): Terminal {
    return new Terminal(stream, colourWanted(stream, env, noColorFlag), Boolean(stream.isTTY) && env.TERM !== 'dumb');
  }

  style(style: Style, text: string): string {
    if (!this.colour) return text;
    const [on, off] = codes[style];
    return `\x1b[${on}m${text}\x1b[${off}m`;
  }

  /** Print a permanent line (clearing the live line first, so it stays below). */
  line(text = ''): void {
    this.clearLive();
    this.stream.write(`${text}\n`);
  }

  /**
   * Show `text` as the live line. In place on a terminal; when piped, printed only if `plain` is
   * given (the caller decides which moments deserve a line of their own, e.g. every 10 s).
   */
  live(text: string, plain?: string): void {
    if (this.inPlace) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.liveShown = true;
    } else if (plain !== undefined) {
      this.stream.write(`${plain}\n`);
    }
  }

  /** Remove the live line (a terminal only; piped output has none). */
  clearLive(): void {
    if (this.inPlace && this.liveShown) this.stream.write('\r\x1b[2K');
    this.liveShown = false;
  }
}
