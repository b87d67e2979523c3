// What the operator's view (cons, stat, /commands/connections) reads of one client connection, whichever
// door it came in by.
import type { ConnectionStats } from './server-stats.js';

export interface ClientConnection {
  readonly stats: ConnectionStats;
  /** address:port of the client. */
  readonly remoteAddress: string;
  /** Came in over TLS. */
  readonly secure: boolean;
  /** 0 before the handshake binds a session. */
  readonly sessionId: number;
  readonly sessionTimeoutMs: number;
}
