// canopy-bench's two kinds of failure that stop a run: a bad command line (exit 2, with the usage hint)
// and anything else that makes a run impossible (no server, no client library, a client process died).
// A failed operation is neither: it is counted in the result's `errors` and the run carries on.

/** The command line or a BenchOptions object asks for something invalid. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The run could not be carried out (setup failed, a client process died, a driver is missing). */
export class BenchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchError';
  }
}

/** A one-line description of anything thrown, for error samples and messages. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length <= ERROR_TEXT_CHARS_MAX ? text : `${text.slice(0, ERROR_TEXT_CHARS_MAX)}…`;
}

const ERROR_TEXT_CHARS_MAX = 300;
