/**
 * Exit codes of every command (SPEC §6): 0 success, 1 an unsuccessful outcome or unexpected
 * failure, 2 a usage or configuration error whose message names what to fix.
 */
import { ConfigError } from '../config/errors.js';

export const ExitCode = { Ok: 0, Unsuccessful: 1, Usage: 2 } as const;

let jsonErrors = false;

/** Under `--json` an error is one JSON document on stdout too (SPEC §6), not a line on stderr. */
export function setJsonErrors(on: boolean): void {
  jsonErrors = on;
}

/** Report a command's error: `flagops: <message>` on stderr, or `{"error": …}` on stdout under `--json`. */
export function reportError(message: string, exitCode: number): void {
  if (jsonErrors) process.stdout.write(`${JSON.stringify({ error: { message, exitCode } }, null, 2)}\n`);
  else process.stderr.write(`flagops: ${message}\n`);
}

/** Wrap a command body: its resolved number is the exit code; errors map to 1 or 2. */
export function action<A extends unknown[]>(body: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await body(...args);
      process.exitCode = code ?? ExitCode.Ok;
    } catch (error) {
      if (error instanceof ConfigError) {
        reportError(error.message, ExitCode.Usage);
        process.exitCode = ExitCode.Usage;
        return;
      }
      reportError(error instanceof Error ? error.message : String(error), ExitCode.Unsuccessful);
      process.exitCode = ExitCode.Unsuccessful;
    }
  };
}

/**
 * An action whose body module is imported only when its command runs, so `flagops --help` (and
 * every other command) does not load what it does not use.
 */
export function lazyAction<M, A extends unknown[]>(load: () => Promise<M>, call: (module: M, ...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return action(async (...args: A) => call(await load(), ...args));
}
