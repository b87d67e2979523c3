// Handshakes that arrive while no leader serves (during an election) wait, up to about the time a leader
// change takes, instead of being refused: the client is served the moment this server is synced, rather
// than after its retry backoff. Deadlines are checked on the replica's ticks.
import type { ConnectRequest } from '../../protocol/index.js';
import type { ClientHandle } from './client-handle.js';

/** Handshakes held at once; more are refused. */
export const HELD_HANDSHAKES_MAX = 10_000;
/** The longest a handshake waits, whatever the tick settings. */
export const HANDSHAKE_HOLD_MAX_MS = 2_000;

export class HeldHandshakes {
  private readonly held = new Map<ClientHandle, { req: ConnectRequest; deadlineMs: number }>();

  constructor(private readonly holdMs: number) {}

  get size(): number {
    return this.held.size;
  }

  /** false when full: the caller refuses the handshake. */
  hold(conn: ClientHandle, req: ConnectRequest, nowMs: number): boolean {
    if (this.held.size >= HELD_HANDSHAKES_MAX) return false;
    this.held.set(conn, { req, deadlineMs: nowMs + this.holdMs });
    return true;
  }

  forget(conn: ClientHandle): void {
    this.held.delete(conn);
  }

  /** Removes and returns the handshakes whose wait is over. */
  takeExpired(nowMs: number): ClientHandle[] {
    const out: ClientHandle[] = [];
    for (const [conn, { deadlineMs }] of this.held) {
      if (deadlineMs > nowMs) continue;
      this.held.delete(conn);
      out.push(conn);
    }
    return out;
  }

  /** Removes and returns every held handshake, oldest first. */
  takeAll(): Array<[ClientHandle, ConnectRequest]> {
    const out = [...this.held].map(([conn, { req }]): [ClientHandle, ConnectRequest] => [conn, req]);
    this.held.clear();
    return out;
  }
}
