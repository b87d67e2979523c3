// Waiting for a command with a way out: it settles, its time runs out, or the user cancels (Ctrl-C). The
// shell then stops waiting; the SDK call itself goes on (a request cannot be taken back once sent), so a
// write abandoned this way may still be applied if its server answers later.
import { CancelledError, CommandTimeoutError } from './errors.js';

export interface BoundOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** The message of the timeout error, made when it fires (the session state is read then). */
  timeoutMessage: () => string;
}

export function bounded<T>(work: Promise<T>, options: BoundOptions): Promise<T> {
  const { timeoutMs, signal } = options;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new CancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      finish();
      reject(new CommandTimeoutError(options.timeoutMessage()));
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        finish();
        resolve(value);
      },
      (e: unknown) => {
        finish();
        reject(e);
      },
    );
  });
}
