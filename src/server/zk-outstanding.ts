// The op of each request a ZooKeeper-door connection has sent and not yet been answered. A jute reply
// names only its xid, and its body's layout depends on the op, so the door must remember which op each
// xid was. Answers come in request order (the replica's response queue is FIFO per connection), so the
// head matches at once; a search of the bounded list covers anything else. Reserved xids repeat (every
// ping is -2), which a FIFO handles and a map by xid would not.

import type { MultiSubOp } from './zk-multi-results.js';

/** An op as the codec read it; undefined for a frame too broken to name its op (answered header-only). */
export type OutstandingOp = number | undefined;

/** What an answer's encoding needs of its request: its op, and a multi's ops (with their create modes) in order. */
export interface OutstandingRequest {
  op: OutstandingOp;
  subOps?: readonly MultiSubOp[];
}

export class OutstandingOps {
  private readonly entries: Array<{ xid: number; request: OutstandingRequest }> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`outstanding ops max must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Remembers a request's op; false when max requests are already unanswered (the caller closes). */
  add(xid: number, request: OutstandingRequest): boolean {
    if (this.entries.length >= this.max) return false;
    this.entries.push({ xid, request });
    return true;
  }

  /** The oldest unanswered request with this xid, forgotten as it is answered; undefined when none. */
  take(xid: number): OutstandingRequest | undefined {
    const head = this.entries[0];
    if (head !== undefined && head.xid === xid) {
      this.entries.shift();
      return head.request;
    }
    const i = this.entries.findIndex((e) => e.xid === xid);
    if (i < 0) return undefined;
    return this.entries.splice(i, 1)[0]!.request;
  }
}
