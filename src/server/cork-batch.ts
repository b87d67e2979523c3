// Sockets written to in one turn of the event loop stay corked until the turn ends, so that each sends
// everything of that turn (a commit's answers, a fan-out's events) in one writev rather than one syscall
// per frame. A turn that touches many sockets (one event to each of ten thousand watchers) uncorks them a
// batch at a time, so the first watchers are reached while the rest are still being encoded.

export interface CorkedLink {
  /** Writes out what the link held back; the batch calls it once per cork. */
  uncork(): void;
}

/** Corked sockets before a batch goes out early; far above the connections a commit answers in the usual case. */
export const CORKED_SOCKETS_MAX = 64;

export class CorkBatch {
  private readonly corked: CorkedLink[] = [];
  private scheduled = false;
  private readonly flushAtEndOfTurn = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly socketsMax = CORKED_SOCKETS_MAX) {}

  /** The link has just corked its socket; it will be uncorked at the end of this turn or with its batch. */
  add(link: CorkedLink): void {
    this.corked.push(link);
    if (this.corked.length >= this.socketsMax) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushAtEndOfTurn);
    }
  }

  flush(): void {
    const links = this.corked.splice(0, this.corked.length);
    for (const link of links) link.uncork();
  }
}
