// ZooKeeper settings that a zoo.cfg carried over may hold and that have no effect in Canopy. They are
// accepted, so that such a file starts a server, and each one found is logged at start with the reason,
// so that nobody believes a setting is in force when it is not. Keys outside this list, and outside the
// ones Canopy reads, are still refused as unknown: a typo must not pass silently.

/** key → why it has no effect here. */
const WITHOUT_EFFECT: Readonly<Record<string, string>> = {
  standaloneEnabled: 'a server without server.N lines is standalone, one with them is part of an ensemble',
  reconfigEnabled: 'dynamic reconfiguration is not supported: membership comes from the server.N lines',
  electionAlg: 'Canopy has one election algorithm (fast leader election, as ZooKeeper\'s 3)',
  electionPortBindRetry: 'election and broadcast share the peer port',
  cnxTimeout: 'peer connections time out by the peer transport\'s own handshake deadline',
  leaderServes: 'the leader always serves clients',
  preAllocSize: 'log segments reserve space in 16 MiB steps of their own',
  snapSizeLimitInKb: 'snapshots are taken by txn count (snapCount)',
  'zookeeper.snapSizeLimitInKb': 'snapshots are taken by txn count (snapCount)',
  forceSync: 'Canopy always syncs the txn log before acknowledging a write; it cannot be turned off',
  'zookeeper.forceSync': 'Canopy always syncs the txn log before acknowledging a write; it cannot be turned off',
  syncEnabled: 'observers are not supported',
  'fsync.warningthresholdms': 'slow syncs show in canopy_fsync_duration_seconds on /metrics',
  'zookeeper.fsync.warningthresholdms': 'slow syncs show in canopy_fsync_duration_seconds on /metrics',
  clientPortListenBacklog: 'the listen backlog is Node\'s default',
  serverCnxnFactory: 'clients connect over WebSocket; there is one connection factory',
  'metricsProvider.className': 'Prometheus metrics are built in: GET /metrics on the admin endpoint',
  'metricsProvider.httpPort': 'Prometheus metrics are served on the admin endpoint (admin.serverPort)',
  'metricsProvider.httpHost': 'Prometheus metrics are served on the admin endpoint (admin.serverAddress)',
  'metricsProvider.exportJvmInfo': 'there is no JVM; Node process metrics are always exported',
  localSessionsEnabled: 'every session is a global session',
  localSessionsUpgradingEnabled: 'every session is a global session',
  tcpKeepAlive: 'peer and client links detect dead peers by their own heartbeats',
  peerType: 'observers are not supported: every server.N line is a voting member',
  'quorum.cnxn.threads.size': 'peer links run on the event loop',
  'zookeeper.commitProcessor.numWorkerThreads': 'requests run on the event loop',
  'zookeeper.serverCnxnFactory': 'clients connect over WebSocket; there is one connection factory',
};

export function ignoredKeyReason(key: string): string | undefined {
  return Object.hasOwn(WITHOUT_EFFECT, key) ? WITHOUT_EFFECT[key] : undefined;
}

/** One accepted setting that does nothing, for the start log. */
export interface IgnoredSetting {
  key: string;
  reason: string;
}
