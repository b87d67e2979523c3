// The well-behaved client: an SDK Client on its own connection, connected before the fuzzing starts,
// that reads and writes its own node. A round is a getData then a setData; it must complete
// within the liveness bound. A round may retry after CONNECTIONLOSS (an ensemble may legitimately fail over
// while forged peer messages disturb it) but not past the bound. A background loop keeps doing rounds
// during each batch, so a server that starves other connections while it is being fuzzed is caught too.
import { Client, ErrorCode, KeeperError } from '../../client/index.js';

export class GoodClient {
  private rounds = 0;
  private maxLatencyMs = 0;
  /** Slowest round since the loop last started. */
  private loopMaxLatencyMs = 0;
  private loop: Promise<void> | undefined;
  private looping = false;
  private failure: string | undefined;

  private constructor(
    readonly name: string,
    private readonly client: Client,
    private readonly path: string,
  ) {}

  static async connect(name: string, connectString: string, path: string): Promise<GoodClient> {
    const client = await Client.connect(connectString, { sessionTimeoutMs: 30_000, connectTimeoutMs: 30_000 });
    try {
      await client.create(path, 'v0');
    } catch (e) {
      if (!KeeperError.is(e, ErrorCode.NODEEXISTS)) throw e;
    }
    return new GoodClient(name, client, path);
  }

  /** Creates a node if missing (setup of the fuzz tree). */
  async ensure(path: string): Promise<void> {
    try {
      await this.client.create(path, '');
    } catch (e) {
      if (!KeeperError.is(e, ErrorCode.NODEEXISTS)) throw e;
    }
  }

  get stats(): { rounds: number; maxLatencyMs: number } {
    return { rounds: this.rounds, maxLatencyMs: this.maxLatencyMs };
  }

  /** One getData + setData, answered within boundMs; throws with the reason otherwise. */
  async round(boundMs: number): Promise<number> {
    const started = Date.now();
    const deadline = started + boundMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name}: no answer to getData+setData within ${boundMs} ms (session state ${this.client.state})`)), boundMs);
    });
    try {
      for (;;) {
        try {
          const { stat } = await Promise.race([this.client.getData(this.path), late]);
          await Promise.race([this.client.setData(this.path, `v${stat.version + 1}`, -1), late]);
          break;
        } catch (e) {
          if (!KeeperError.is(e, ErrorCode.CONNECTIONLOSS) || Date.now() >= deadline) throw e;
          // The client reconnects by itself; requests issued meanwhile wait for the new link.
        }
      }
    } finally {
      clearTimeout(timer);
    }
    const latency = Date.now() - started;
    this.rounds++;
    this.maxLatencyMs = Math.max(this.maxLatencyMs, latency);
    this.loopMaxLatencyMs = Math.max(this.loopMaxLatencyMs, latency);
    return latency;
  }

  /** Starts rounds in the background, one after another with `gapMs` between them. */
  startLoop(boundMs: number, gapMs: number): void {
    if (this.loop !== undefined) return;
    this.looping = true;
    this.failure = undefined;
    this.loopMaxLatencyMs = 0;
    this.loop = (async () => {
      while (this.looping) {
        try {
          await this.round(boundMs);
        } catch (e) {
          this.failure = (e as Error).message;
          return;
        }
        if (this.looping) await new Promise((r) => setTimeout(r, gapMs));
      }
    })();
  }

  /** Stops the loop; returns why a background round failed, if one did. */
  async stopLoop(): Promise<string | undefined> {
    this.looping = false;
    await this.loop;
    this.loop = undefined;
    return this.failure;
  }

  /** The slowest round since the loop last started. */
  get slowestInLoopMs(): number {
    return this.loopMaxLatencyMs;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
