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

/**
 * A description of anything thrown, for error samples and messages: our own errors by their message
 * (they are written to be read), others with their class name (KeeperError: NONODE ...).
 */
export function errorText(error: unknown, charsMax = ERROR_TEXT_CHARS_MAX): string {
  const ours = error instanceof BenchError || error instanceof UsageError;
  const text = error instanceof Error ? (ours ? error.message : `${error.name}: ${error.message}`) : String(error);
  return text.length <= charsMax ? text : `${text.slice(0, charsMax)}…`;
}

const ERROR_TEXT_CHARS_MAX = 600;
