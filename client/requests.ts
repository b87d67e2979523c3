// Requests on their way: those waiting for a link (queued, already encoded) and those sent and
// waiting for their response (pending, by xid). Both are bounded.
import { ErrorCode } from '../protocol/index.js';
import type { ResponseHeader } from '../protocol/index.js';
import { KeeperError } from './errors.js';
import type { ConnectionFailure } from './errors.js';
import type { ServerFrame } from './frames.js';

/** Most requests sent and not yet answered. */
export const MAX_PENDING_REQUESTS = 100_000;
/** Most requests waiting for a connection. */
export const MAX_QUEUED_REQUESTS = 10_000;
const MAX_XID = 2 ** 31 - 1;

export interface PendingRequest {
  xid: number;
  op: number;
  /** For error messages. */
  path: string | undefined;
  /** Runs synchronously as the response is read, before any later frame: watch bookkeeping lives here. */
  onResponse: ((response: ResponseHeader) => void) | undefined;
  resolve: (frame: ServerFrame) => void;
  reject: (error: KeeperError) => void;
}

export interface QueuedRequest {
  request: PendingRequest;
  frame: Uint8Array;
}

export class RequestTable {
  private lastXid = 0;
  private readonly pending = new Map<number, PendingRequest>();
  private queued: QueuedRequest[] = [];

  /** Xids increase and wrap from 2^31-1 back to 1, skipping the reserved negative ones. */
  nextXid(): number {
    this.lastXid = this.lastXid >= MAX_XID ? 1 : this.lastXid + 1;
    return this.lastXid;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  /** False when the table is full: the caller rejects the request instead. */
  addPending(request: PendingRequest): boolean {
    if (this.pending.size >= MAX_PENDING_REQUESTS) return false;
    this.pending.set(request.xid, request);
    return true;
  }

  takePending(xid: number): PendingRequest | undefined {
    const request = this.pending.get(xid);
    if (request !== undefined) this.pending.delete(xid);
    return request;
  }

  enqueue(item: QueuedRequest): boolean {
    if (this.queued.length >= MAX_QUEUED_REQUESTS) return false;
    this.queued.push(item);
    return true;
  }

  /** Hands every queued request over (in call order) and empties the queue. */
  drainQueue(): QueuedRequest[] {
    const items = this.queued;
    this.queued = [];
    return items;
  }

  failPending(code: ErrorCode, detail: string, connectionFailure?: ConnectionFailure): void {
    const requests = [...this.pending.values()];
    this.pending.clear();
    for (const r of requests) r.reject(new KeeperError(code, r.path, connectionFailure === undefined ? { detail } : { detail, connectionFailure }));
  }

  failQueued(code: ErrorCode, detail: string): void {
    for (const { request } of this.drainQueue()) request.reject(new KeeperError(code, request.path, { detail }));
  }
}

export function throttled(path: string | undefined, what: string, max: number): KeeperError {
  return new KeeperError(ErrorCode.THROTTLEDOP, path, { detail: `more than ${max} requests ${what}` });
}
