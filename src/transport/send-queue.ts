// Encoded messages waiting for one outbound link, oldest first. Bounded by count and by bytes: when full,
// the oldest messages are dropped (and counted), because the protocol above detects gaps and resyncs,
// while a stale backlog would only delay the messages that matter now.
//
// The bound is enforced by trim(), which the link calls at the end of each event-loop turn after handing
// what it can to the socket, not on every push: a turn's own output (say a SNAP followed by proposals)
// must reach an up link whole, whatever its size. The newest message always stays, so a single message
// larger than the byte bound can still go out once the link is up.
import { arrayHeaderBytes } from './codec.js';

export interface SendQueueLimits {
  messagesMax: number;
  bytesMax: number;
}

const COMPACT_AFTER = 1024;

export class SendQueue {
  private items: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  private droppedCount = 0;

  constructor(private readonly limits: SendQueueLimits) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Counts a message dropped before it could be queued (e.g. larger than any frame). */
  countDropped(n: number): void {
    this.droppedCount += n;
  }

  push(encoded: Uint8Array): void {
    this.items.push(encoded);
    this.bytes += encoded.length;
  }

  /** Drops the oldest messages beyond the bounds; returns how many were dropped. */
  trim(): number {
    let dropped = 0;
    while (this.length > 1 && (this.length > this.limits.messagesMax || this.bytes > this.limits.bytesMax)) {
      this.removeHead();
      dropped++;
    }
    this.droppedCount += dropped;
    return dropped;
  }

  /**
   * Takes the oldest messages that fit together in one frame of at most frameBytesMax (at least one
   * message: each queued message fits a frame on its own, which the link checks before pushing).
   */
  takeBatch(frameBytesMax: number): Uint8Array[] {
    const batch: Uint8Array[] = [];
    let bodyBytes = 0;
    while (this.length > 0) {
      const next = this.items[this.head]!;
      const frameBytes = arrayHeaderBytes(batch.length + 1) + bodyBytes + next.length;
      if (batch.length > 0 && frameBytes > frameBytesMax) break;
      batch.push(next);
      bodyBytes += next.length;
      this.removeHead();
    }
    return batch;
  }

  private removeHead(): void {
    const item = this.items[this.head]!;
    this.bytes -= item.length;
    this.head++;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
