// What a client connection has handed to its socket and not yet seen written out, for either door: bounded
// by maxOutputBytes (a client that does not read its answers is cut off by its link), congested past half
// of it (the replica then holds further answers back), and corked until the end of the turn (cork-batch.ts)
// so that every answer of a commit goes out in one writev.
import type { Duplex } from 'node:stream';
import type { CorkBatch, CorkedLink } from './cork-batch.js';

export class ClientOutput implements CorkedLink {
  private unsentBytes = 0;
  private corked = false;

  constructor(
    private readonly socket: Duplex,
    private readonly maxOutputBytes: number,
    private readonly corks: CorkBatch,
    /** A send left the process, or failed (the socket is gone). */
    private readonly written: (err: Error | null | undefined) => void,
  ) {}

  /** Whether `bytes` more would pass maxOutputBytes. */
  wouldOverflow(bytes: number): boolean {
    return this.unsentBytes + bytes > this.maxOutputBytes;
  }

  get congested(): boolean {
    return this.unsentBytes >= this.maxOutputBytes / 2;
  }

  /** Counts `size` bytes as unsent until `write` reports them written; the socket is corked for the rest of the turn. */
  send(size: number, write: (done: (err?: Error | null) => void) => void): void {
    this.unsentBytes += size;
    const corking = !this.corked;
    if (corking) {
      this.corked = true;
      this.socket.cork();
    }
    write((err) => {
      this.unsentBytes -= size;
      this.written(err);
    });
    if (corking) this.corks.add(this);
  }

  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }
}
