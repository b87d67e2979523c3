// Request counts and latencies as ZooKeeper's srvr, stat, cons and mntr report them: per server and per
// connection, in milliseconds from a request's frame arriving to its answer being handed to the socket.
// Answers go out in request order on a connection (ZooKeeper's FIFO client order), so each answer closes
// the oldest open request.
/** Open requests one connection's stats remember; the connection pauses reading long before this. */
const OPEN_REQUESTS_MAX = 100_000;

export class LatencyStats {
  count = 0;
  totalMs = 0;
  minMs = 0;
  maxMs = 0;

  record(ms: number): void {
    this.minMs = this.count === 0 ? ms : Math.min(this.minMs, ms);
    this.maxMs = Math.max(this.maxMs, ms);
    this.totalMs += ms;
    this.count++;
  }

  get avgMs(): number {
    return this.count === 0 ? 0 : this.totalMs / this.count;
  }

  reset(): void {
    this.count = 0;
    this.totalMs = 0;
    this.minMs = 0;
    this.maxMs = 0;
  }
}

/** The whole server's counts: srvr's Received, Sent and Latency min/avg/max (reset by srst). */
export class ServerStats {
  received = 0;
  sent = 0;
  readonly latency = new LatencyStats();
  /** Every answered request, for metrics (op, ms, error code; not reset by srst). */
  onRequestDone: ((op: string, ms: number, err: number) => void) | undefined;

  reset(): void {
    this.received = 0;
    this.sent = 0;
    this.latency.reset();
  }
}

/** One connection's counts, as cons shows them (reset by crst). */
export class ConnectionStats {
  readonly established = Date.now();
  received = 0;
  sent = 0;
  /** The op of the last answer ('' before any). */
  lastOp = '';
  /** The xid of the last request (-1 before any). */
  lastCxid = -1;
  /** The zxid of the last answer (-1 before any). */
  lastZxid = -1;
  /** Wall-clock ms of the last answer (0 before any). */
  lastResponseAt = 0;
  lastLatencyMs = 0;
  readonly latency = new LatencyStats();
  /** Open requests, oldest first from openHead: when each arrived and its op (two arrays: no object per request). */
  private readonly openAt: number[] = [];
  private readonly openOp: string[] = [];
  private openHead = 0;

  constructor(private readonly server: ServerStats, private readonly now: () => number = performance.now.bind(performance)) {}

  /** A request frame arrived (a connect request included): op is its op's name. */
  requestArrived(op: string, xid: number | undefined): void {
    this.received++;
    this.server.received++;
    if (xid !== undefined && xid >= 0) this.lastCxid = xid;
    if (this.openAt.length - this.openHead >= OPEN_REQUESTS_MAX) {
      // Forget the oldest: its answer, if it ever comes, is then matched to a later request.
      this.openHead++;
      this.compact();
    }
    this.openAt.push(this.now());
    this.openOp.push(op);
  }

  /** A frame left for this client; `answer` unless it is a watch event; err is its error code (0 = OK). */
  frameSent(answer: boolean, zxid: number | undefined, err = 0): void {
    this.sent++;
    this.server.sent++;
    if (!answer) return;
    const head = this.openHead;
    if (head >= this.openAt.length) return;
    const at = this.openAt[head]!;
    const op = this.openOp[head]!;
    this.openHead++;
    this.compact();
    const ms = this.now() - at;
    this.lastOp = op;
    if (zxid !== undefined) this.lastZxid = zxid;
    this.lastResponseAt = Date.now();
    this.lastLatencyMs = ms;
    this.latency.record(ms);
    this.server.latency.record(ms);
    this.server.onRequestDone?.(op, ms, err);
  }

  /** Drops the answered entries once they are most of the array. */
  private compact(): void {
    if (this.openHead === this.openAt.length) {
      // All answered (the usual case between bursts): start over without moving anything.
      this.openAt.length = 0;
      this.openOp.length = 0;
      this.openHead = 0;
    } else if (this.openHead > 1024 && this.openHead * 2 > this.openAt.length) {
      this.openAt.splice(0, this.openHead);
      this.openOp.splice(0, this.openHead);
      this.openHead = 0;
    }
  }

  /** Requests waiting for their answer. */
  get queued(): number {
    return this.openAt.length - this.openHead;
  }

  reset(): void {
    this.received = 0;
    this.sent = 0;
    this.lastOp = '';
    this.lastCxid = -1;
    this.lastZxid = -1;
    this.lastResponseAt = 0;
    this.lastLatencyMs = 0;
    this.latency.reset();
  }
}
