// One logical client of a workload: an SDK session that is replaced by a new one (with a new logical id)
// when it expires or when an operation hangs past its deadline — a client whose op never answered cannot
// issue the next one without overlapping it, and the checker relies on a client's ops never overlapping.
import { Client } from '../../../client/index.js';
import type { ClientOptions } from '../../../client/index.js';
import { ErrorCode, errorCodeName } from '../../../protocol/index.js';
import { KeeperError } from '../../../client/index.js';

const CONNECT_RETRY_PAUSE_MS = 100;

export type Attempt<T> = { kind: 'ok'; value: T } | { kind: 'error'; code: ErrorCode; name: string } | { kind: 'timeout' };

/** Runs `op` with a deadline; a KeeperError becomes its code, anything else is rethrown (a harness bug). */
export async function attempt<T>(op: () => Promise<T>, deadlineMs: number): Promise<Attempt<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Attempt<T>>((resolve) => { timer = setTimeout(() => resolve({ kind: 'timeout' }), deadlineMs); });
  const run = (async (): Promise<Attempt<T>> => {
    try {
      return { kind: 'ok', value: await op() };
    } catch (e) {
      if (e instanceof KeeperError) return { kind: 'error', code: e.code, name: errorCodeName(e.code) };
      throw e;
    }
  })();
  try {
    return await Promise.race([run, late]);
  } finally {
    clearTimeout(timer);
  }
}

export class ClientSlot {
  private current: Client | undefined;
  private id = 0;

  constructor(
    private readonly connectString: string,
    private readonly options: ClientOptions,
    private readonly nextLogicalId: () => number,
  ) {}

  /** The logical id of the session in use (0 before the first). */
  get logicalId(): number {
    return this.id;
  }

  get client(): Client | undefined {
    return this.current;
  }

  /**
   * The live client, connecting a new session if there is none; undefined if that fails for now (after a
   * short pause, so a loop that retries does not spin while every server is out of reach).
   */
  async ensure(): Promise<Client | undefined> {
    if (this.current !== undefined) return this.current;
    try {
      this.current = await Client.connect(this.connectString, this.options);
      this.id = this.nextLogicalId();
      return this.current;
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_PAUSE_MS));
      return undefined;
    }
  }

  /** Gives up this session: later ops run on a new one. Closing is not awaited (its server may be frozen). */
  retire(): void {
    const c = this.current;
    this.current = undefined;
    if (c !== undefined) void c.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (c !== undefined) await attempt(() => c.close(), 5_000);
  }
}
