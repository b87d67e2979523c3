// A ServerView with fixed facts, for the pure tests of the four-letter words and the admin commands.
import type { ConnectionFacts, ServerFacts, ServerView, SnapshotFacts, VoterFacts } from '../../src/admin/server-view.js';
import { WatchManager } from '../../src/tree/watch-manager.js';

export function connection(over: Partial<ConnectionFacts> = {}): ConnectionFacts {
  return {
    remoteAddress: '127.0.0.1:40000', secure: false, sessionId: 0x1000a, sessionTimeoutMs: 30_000, queued: 0, received: 5, sent: 4, established: 1_700_000_000_000,
    lastOp: 'getData', lastCxid: 3, lastZxid: 0x10, lastResponseAt: 1_700_000_000_500, lastLatencyMs: 1.2, latency: { minMs: 0.2, avgMs: 0.75, maxMs: 2.6 },
    ...over,
  };
}

export function facts(over: Partial<ServerFacts> = {}): ServerFacts {
  return {
    version: '1.2.3', serverId: 1, serving: true, mode: 'standalone', leaderId: 1, epoch: 1, voters: 1, lastZxid: 0x100000005, nodeCount: 7,
    approximateDataSize: 123, ephemeralCount: 2, sessionCount: 1, outstandingRequests: 0, received: 10, sent: 9,
    latency: { minMs: 0, avgMs: 0.5, maxMs: 3 }, connections: [connection()], learners: [], openFileDescriptors: 40, maxFileDescriptors: 1024,
    uptimeMs: 5000, dataDir: '/d', dataLogDir: '/d/txnlog', ...over,
  };
}

export class FakeView implements ServerView {
  serverResets = 0;
  connectionResets = 0;
  readonly watches = new WatchManager({ watchesPerSessionMax: 1_000_000 });
  voterList: VoterFacts[] = [];
  snapshot: SnapshotFacts | undefined;
  constructor(private readonly f: ServerFacts) {}
  facts(): ServerFacts {
    return this.f;
  }
  watchSummary() {
    return this.watches.summary();
  }
  watchDump(by: 'session' | 'path', max: number) {
    return this.watches.dump(by, max);
  }
  configEntries(): Array<[string, string]> {
    return [['clientPort', '2181'], ['dataDir', '/d']];
  }
  environment(): Array<[string, string]> {
    return [['zookeeper.version', '3.9.2-canopy-1.2.3'], ['host.name', 'h']];
  }
  async dirSizes() {
    return { dataDirBytes: 300, logDirBytes: 200 };
  }
  voters(): VoterFacts[] {
    return this.voterList;
  }
  lastSnapshot(): SnapshotFacts | undefined {
    return this.snapshot;
  }
  resetServerStats(): void {
    this.serverResets++;
  }
  resetConnectionStats(): void {
    this.connectionResets++;
  }
}
