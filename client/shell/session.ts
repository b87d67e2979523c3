// The shell's one session with the ensemble: connects lazily or in the background, reconnects to a new
// connect string on `connect`, and tells the printer about watch events and state changes.
import { Client, ErrorCode, KeeperError, KeeperState } from '../index.js';
import type { ClientState, ConnectionFailure, TlsOptions, WatchedEvent, Watcher } from '../index.js';
import { failureSentence } from './connection-failure.js';

export interface SessionOptions {
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  /** From --tls/--ca/--cert/--key: every connect, `connect host:port` included, uses them. */
  tls?: TlsOptions;
}

/**
 * zkCli's ZooKeeper.States names, as the prompt shows them, and DISCONNECTED: a session whose link dropped
 * while the client tries the servers again (zkCli says CONNECTING there too, which hides that it was lost).
 */
export type SessionLabel = 'CONNECTING' | 'CONNECTED' | 'DISCONNECTED' | 'CLOSED' | 'NOT_CONNECTED';

const STATE_EVENTS: Record<ClientState, number> = {
  connected: KeeperState.SyncConnected,
  disconnected: KeeperState.Disconnected,
  expired: KeeperState.Expired,
  closed: KeeperState.Closed,
  authFailed: KeeperState.AuthFailed,
};

export class Session {
  private current: Client | undefined;
  private pending: Promise<Client> | undefined;
  private label: SessionLabel = 'NOT_CONNECTED';
  private lastError = '';
  /** Why the last connect failed, when the SDK could tell. */
  private connectFailure: ConnectionFailure | undefined;
  /** Bumped by every connect and close: a slower, older attempt must not install its client. */
  private generation = 0;
  printWatches = true;
  /** Every watch the shell sets prints through this. */
  readonly watcher: Watcher = (event) => this.emit(event);

  constructor(
    public connectString: string,
    private readonly options: SessionOptions,
    private readonly onEvent: (event: WatchedEvent) => void,
  ) {}

  get state(): SessionLabel {
    return this.label;
  }

  /** Starts connecting (closing any current session first); resolves once connected. */
  connect(connectString = this.connectString): Promise<Client> {
    const previous = this.current;
    this.current = undefined;
    this.connectString = connectString;
    this.label = 'CONNECTING';
    const attempt = this.open(previous, connectString, ++this.generation);
    this.pending = attempt;
    // A background attempt must not be an unhandled rejection; callers of client() see the error.
    attempt.catch(() => undefined);
    return attempt;
  }

  private async open(previous: Client | undefined, connectString: string, generation: number): Promise<Client> {
    if (previous !== undefined) await previous.close().catch(() => undefined);
    try {
      const client = await Client.connect(connectString, {
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        connectTimeoutMs: this.options.connectTimeoutMs,
        ...(this.options.tls !== undefined ? { tls: this.options.tls } : {}),
      });
      if (generation !== this.generation) {
        await client.close();
        throw new KeeperError(ErrorCode.CONNECTIONLOSS, undefined, { detail: 'replaced by a newer connect or close' });
      }
      this.current = client;
      this.label = 'CONNECTED';
      client.on('state', (state) => this.onState(client, state));
      this.emit({ type: -1, state: KeeperState.SyncConnected, path: '', zxid: -1 });
      return client;
    } catch (e) {
      if (generation !== this.generation) throw e;
      this.label = 'NOT_CONNECTED';
      this.lastError = e instanceof Error ? e.message : String(e);
      this.connectFailure = e instanceof KeeperError ? e.connectionFailure : undefined;
      throw e;
    }
  }

  private onState(client: Client, state: ClientState): void {
    if (client !== this.current) return;
    this.label = state === 'connected' ? 'CONNECTED' : state === 'disconnected' ? 'DISCONNECTED' : 'CLOSED';
    this.emit({ type: -1, state: STATE_EVENTS[state], path: '', zxid: -1 });
  }

  /** Why a command may be waiting: the state, and the last link failure when not connected. */
  trouble(): string {
    const state = `the session is ${this.label}`;
    if (this.label === 'CONNECTED') return state;
    const failure = this.current?.lastConnectionFailure ?? this.connectFailure;
    return failure === undefined ? state : `${state}; last failure: ${failureSentence(failure)}`;
  }

  /** The client when connected now (for tab completion, which must not wait). */
  connectedClient(): Client | undefined {
    return this.label === 'CONNECTED' ? this.current : undefined;
  }

  /** The connected client: waits for a connect in progress, starts one if none was ever made. */
  async client(): Promise<Client> {
    if (this.current !== undefined && this.label !== 'CLOSED') return this.current;
    if (this.pending === undefined) return this.connect();
    if (this.label === 'CLOSED' || this.label === 'NOT_CONNECTED') {
      const why = this.lastError === '' ? 'the session is closed' : this.lastError;
      throw new KeeperError(ErrorCode.CONNECTIONLOSS, undefined, { detail: `not connected: ${why}; use connect host:port` });
    }
    return this.pending;
  }

  /** Ends the session (ephemerals go); the shell stays usable for `connect`. */
  async close(): Promise<void> {
    const client = this.current;
    this.current = undefined;
    this.generation++;
    this.label = 'CLOSED';
    this.lastError = 'the session is closed';
    if (client !== undefined) await client.close();
  }

  private emit(event: WatchedEvent): void {
    if (this.printWatches) this.onEvent(event);
  }
}
