// The client sockets of every client door counted together: the WebSocket ports (client-listener.ts) and
// the ZooKeeper port (zk-listener.ts) share one budget, so maxClientCnxns per remote address, maxCnxns in
// total and the file descriptors kept in reserve bound all of them at once, whichever door a socket came in
// by. Sockets are counted from the TCP accept to their close, before a byte is read.
import { FdBudget, openFilesLimit } from './fd-budget.js';

export interface SocketBudgetLimits {
  /** Sockets per remote address (0 = unlimited). */
  maxClientCnxns: number;
  /** Sockets in total (0 = only the descriptor reserve bounds them). */
  maxCnxns: number;
  fdReserve: number;
}

/** How often the descriptors that are not client sockets are counted again. */
const FD_SAMPLE_INTERVAL_MS = 1000;

/** One counted socket: release() gives its place back (once; later calls do nothing). */
export interface SocketTicket {
  readonly remoteAddress: string;
  release(): void;
}

export class SocketBudget {
  private readonly perAddress = new Map<string, number>();
  private total = 0;
  private readonly fds: FdBudget;
  private fdTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly limits: SocketBudgetLimits, fds: FdBudget = new FdBudget(openFilesLimit(), limits.fdReserve)) {
    this.fds = fds;
    this.fds.sample(0);
    this.scheduleFdSample();
  }

  /** Sockets open on every client door. */
  get socketCount(): number {
    return this.total;
  }

  /** Why one more socket from remoteAddress must be refused, or undefined when it fits. */
  problem(remoteAddress: string): string | undefined {
    const l = this.limits;
    if (this.closed) return 'server is shutting down';
    if (l.maxClientCnxns > 0 && (this.perAddress.get(remoteAddress) ?? 0) >= l.maxClientCnxns) return `too many connections from your address (maxClientCnxns=${l.maxClientCnxns})`;
    if (l.maxCnxns > 0 && this.total >= l.maxCnxns) return `too many connections (maxCnxns=${l.maxCnxns})`;
    if (this.total >= this.fds.socketsMax) return 'too many connections (file descriptors reserved for storage)';
    return undefined;
  }

  /** Counts an accepted socket (call problem() first); its ticket is released when the socket closes. */
  admit(remoteAddress: string): SocketTicket {
    this.total += 1;
    this.perAddress.set(remoteAddress, (this.perAddress.get(remoteAddress) ?? 0) + 1);
    let released = false;
    return {
      remoteAddress,
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (this.perAddress.get(remoteAddress) ?? 1) - 1;
        if (left <= 0) this.perAddress.delete(remoteAddress);
        else this.perAddress.set(remoteAddress, left);
      },
    };
  }

  private scheduleFdSample(): void {
    this.fdTimer = setTimeout(() => {
      this.fds.sample(this.total);
      if (!this.closed) this.scheduleFdSample();
    }, this.fds.nextSampleDelayMs(FD_SAMPLE_INTERVAL_MS));
    this.fdTimer.unref();
  }

  /** Refuses every later socket and stops sampling. */
  close(): void {
    this.closed = true;
    clearTimeout(this.fdTimer);
  }
}
