// The server's Prometheus metrics, on prom-client (the maintained Node client): a registry of its own (not
// the library's global one, so two servers in one process never share series), events counted where they
// happen, and the state that a scrape can read (znodes, sessions, watches, learner lag) read at scrape time.
// Label values come only from closed sets (op names, error names, server ids from the config), never
// from a client's bytes, so the number of series is bounded.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServerView } from '../admin/server-view.js';
import { LATENCY_BUCKETS_S, RequestTallies, registerRequestMetrics } from './request-metrics.js';
const FSYNC_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SLOW_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new RequestTallies();
  private readonly fsync: Histogram;
  private readonly proposalCommit: Histogram;
  private readonly elections: Counter;
  private readonly electionDuration: Histogram;
  private readonly snapshotDuration: Histogram;
  private readonly snapshotBytes: Gauge;
  private readonly storageErrors: Counter<'kind'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'canopy_' });
    registerRequestMetrics(this.requests, this.registry);
    this.fsync = new Histogram({ name: 'canopy_fsync_duration_seconds', help: 'Synced txn-log batch writes (group commit), from submit to durable', buckets: FSYNC_BUCKETS_S, registers });
    this.proposalCommit = new Histogram({
      name: 'canopy_proposal_commit_duration_seconds', help: 'Leader: from a proposal being made to its commit (a quorum durable)', buckets: [...LATENCY_BUCKETS_S], registers,
    });
    this.elections = new Counter({ name: 'canopy_elections_total', help: 'Elections this server took part in (times it went looking)', registers });
    this.electionDuration = new Histogram({ name: 'canopy_election_duration_seconds', help: 'From going looking to serving again (election, discovery and sync)', buckets: SLOW_BUCKETS_S, registers });
    this.snapshotDuration = new Histogram({ name: 'canopy_snapshot_duration_seconds', help: 'Writing a local snapshot', buckets: SLOW_BUCKETS_S, registers });
    this.snapshotBytes = new Gauge({ name: 'canopy_snapshot_bytes', help: 'Size on disk of the last snapshot written (segments engine)', registers });
    this.storageErrors = new Counter({ name: 'canopy_storage_errors_total', help: 'Storage failures, by kind (write: the server stops; snapshot: it goes on)', labelNames: ['kind'], registers });
  }

  /** Gauges read from the server's state when scraped: nothing to keep in step on the request path. Call once. */
  observeState(view: ServerView): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    };
    gauge('canopy_outstanding_requests', 'Requests received and not yet answered', () => view.facts().outstandingRequests);
    gauge('canopy_connections', 'Open client connections', () => view.facts().connections.length);
    gauge('canopy_sessions', 'Live sessions (ensemble-wide, as this server knows them)', () => view.facts().sessionCount);
    gauge('canopy_watches', 'Watches registered on this server', () => view.watchSummary().watches);
    gauge('canopy_znodes', 'Znodes in the tree', () => view.facts().nodeCount);
    gauge('canopy_ephemerals', 'Ephemeral znodes in the tree', () => view.facts().ephemeralCount);
    gauge('canopy_data_bytes', 'Approximate bytes of znode data and paths', () => view.facts().approximateDataSize);
    gauge('canopy_last_zxid', 'The last applied zxid', () => view.facts().lastZxid);
    gauge('canopy_epoch', 'The epoch served', () => view.facts().epoch);
    gauge('canopy_leader_id', 'The leader\'s server id (0 while looking)', () => view.facts().leaderId);
    gauge('canopy_serving', '1 when this server answers clients', () => (view.facts().serving ? 1 : 0));
    new Gauge({
      name: 'canopy_server_state', help: '1 for this server\'s mode', labelNames: ['state'], registers,
      collect() {
        const mode = view.facts().mode;
        for (const state of ['standalone', 'leader', 'follower', 'looking'] as const) this.set({ state }, state === mode ? 1 : 0);
      },
    });
    new Gauge({
      name: 'canopy_learner_lag_zxids', help: 'Leader: txns each learner has not yet acknowledged as durable', labelNames: ['learner'], registers,
      collect() {
        this.reset();
        const f = view.facts();
        if (f.mode !== 'leader') return;
        for (const l of f.learners) this.set({ learner: String(l.id) }, Math.max(0, f.lastZxid - l.ackedZxid));
      },
    });
  }

  /** An answer left for a request of `op` after `ms`, with its error code (0 = OK). */
  requestDone(op: string, ms: number, err: number): void {
    this.requests.record(op, ms / 1000, err);
  }

  fsyncDone(ms: number): void {
    this.fsync.observe(ms / 1000);
  }

  proposalCommitted(ms: number): void {
    this.proposalCommit.observe(ms / 1000);
  }

  electionStarted(): void {
    this.elections.inc();
  }

  electionFinished(ms: number): void {
    this.electionDuration.observe(ms / 1000);
  }

  snapshotWritten(ms: number, bytes: number | undefined): void {
    this.snapshotDuration.observe(ms / 1000);
    if (bytes !== undefined) this.snapshotBytes.set(bytes);
  }

  storageError(kind: 'write' | 'snapshot'): void {
    this.storageErrors.inc({ kind });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
