// ZooKeeper's AdminServer commands (/commands/<name>) as JSON, laid out as ZooKeeper 3.8 lays them out: the
// same primary names and aliases, the same keys, "command" and "error" in every answer. Monitoring written
// for ZooKeeper's AdminServer reads ours. Fields ZooKeeper reports about machinery Canopy does not have
// (trace masks, observers' handlers, buffer-size stats) are left out rather than made up. The snapshot
// command streams bytes, not JSON: the admin server handles it; it is listed here so /commands shows it.
import { assertNever } from '../../protocol/assert-never.js';
import { NOT_SERVING, WATCH_DUMP_ENTRIES_MAX, monitorValues, versionText } from './four-letter-answers.js';
import type { ConnectionFacts, ServerFacts, ServerView } from './server-view.js';

export const ADMIN_COMMANDS = [
  'configuration', 'connection_stat_reset', 'connections', 'dirs', 'environment', 'is_read_only', 'last_snapshot', 'leader', 'monitor',
  'observers', 'ruok', 'server_stats', 'snapshot', 'stat_reset', 'stats', 'voting_view', 'watch_summary', 'watches', 'watches_by_path', 'zabstate',
] as const;
export type AdminCommand = (typeof ADMIN_COMMANDS)[number];

/** ZooKeeper's other names for the same commands (mostly the four-letter words). */
const ALIASES: Readonly<Record<string, AdminCommand>> = {
  conf: 'configuration', config: 'configuration', crst: 'connection_stat_reset', cons: 'connections', env: 'environment', envi: 'environment',
  isro: 'is_read_only', lsnp: 'last_snapshot', lead: 'leader', mntr: 'monitor', obsr: 'observers', srvr: 'server_stats', snap: 'snapshot',
  srst: 'stat_reset', stat: 'stats', wchs: 'watch_summary', wchc: 'watches', wchp: 'watches_by_path',
};
const PRIMARY: ReadonlySet<string> = new Set(ADMIN_COMMANDS);

/** The command a name or alias from a URL means, or undefined. Own properties only: the name is the client's. */
export function adminCommandOf(name: string): AdminCommand | undefined {
  if (PRIMARY.has(name)) return name as AdminCommand;
  return Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
}

/** Commands that answer ZooKeeper's "not serving" error while the server elects or syncs (ZooKeeper's isServerRequired). */
const SERVING_REQUIRED: ReadonlySet<AdminCommand> = new Set<AdminCommand>([
  'configuration', 'connection_stat_reset', 'connections', 'dirs', 'is_read_only', 'last_snapshot', 'leader', 'observers', 'ruok', 'server_stats',
  'snapshot', 'stat_reset', 'stats', 'voting_view', 'watch_summary', 'watches', 'watches_by_path',
]);

export function servingRequired(command: AdminCommand): boolean {
  return SERVING_REQUIRED.has(command);
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** ZooKeeper's answer shape: the command's fields, then its primary name and error (null when it ran). */
export function commandAnswer(command: string, fields: JsonObject, error: string | null = null): JsonObject {
  return { ...fields, command, error };
}

export function unknownCommandAnswer(name: string): JsonObject {
  return { command: name, error: `Unknown command: ${name}` };
}

export function notServingAnswer(command: AdminCommand): JsonObject {
  return commandAnswer(command, {}, NOT_SERVING.trim());
}

/** A JSON answer of every command but snapshot (which streams); runs the resets it names. */
export async function runAdminCommand(command: Exclude<AdminCommand, 'snapshot'>, view: ServerView): Promise<JsonObject> {
  const facts = view.facts();
  if (servingRequired(command) && !facts.serving) return notServingAnswer(command);
  // As ZooKeeper: a standalone server is not a quorum server and has no leader to report.
  if (command === 'leader' && facts.mode === 'standalone') return commandAnswer(command, {}, 'server is not initialized');
  return commandAnswer(command, await commandFields(command, view, facts));
}

async function commandFields(command: Exclude<AdminCommand, 'snapshot'>, view: ServerView, f: ServerFacts): Promise<JsonObject> {
  switch (command) {
    case 'ruok': return {};
    case 'configuration': return configurationFields(view);
    case 'connection_stat_reset':
      view.resetConnectionStats();
      return {};
    case 'stat_reset':
      view.resetServerStats();
      return {};
    case 'connections': return connectionLists(f.connections, false);
    case 'dirs': {
      const sizes = await view.dirSizes();
      return { datadir_size: sizes.dataDirBytes, logdir_size: sizes.logDirBytes };
    }
    case 'environment': return Object.fromEntries(view.environment());
    case 'is_read_only': return { read_only: false };
    case 'last_snapshot': {
      const s = view.lastSnapshot();
      // As ZooKeeper: the zxid in hex without 0x, the time in seconds; -1 for both before any snapshot.
      return { zxid: s === undefined ? '-1' : s.zxid.toString(16), timestamp: s === undefined ? -1 : Math.floor(s.writtenAtMs / 1000) };
    }
    case 'leader': return leaderFields(view, f);
    case 'monitor': return monitorFields(f, view.watchSummary().watches);
    case 'observers': return { synced_observers: 0, observers: [] };
    case 'server_stats': return serverStatsFields(f, await view.dirSizes());
    case 'stats': return { ...serverStatsFields(f, await view.dirSizes()), ...connectionLists(f.connections, true) };
    case 'voting_view': return { current_config: votingView(view) };
    case 'watch_summary': {
      const s = view.watchSummary();
      return { num_connections: s.sessions, num_paths: s.paths, num_total_watches: s.watches };
    }
    case 'watches': return watchDump(view, 'session');
    case 'watches_by_path': return watchDump(view, 'path');
    case 'zabstate': return zabStateFields(f);
    default: return assertNever(command, 'admin command');
  }
}

/** ZooKeeper's own configuration keys (snake case), then the rest of conf's entries under their zoo.cfg names. */
function configurationFields(view: ServerView): JsonObject {
  const entries = new Map(view.configEntries());
  const number = (key: string): number | undefined => (entries.has(key) ? Number(entries.get(key)) : undefined);
  const out: JsonObject = {};
  const zkKeys: Array<[string, string, JsonValue | undefined]> = [
    ['client_port', 'clientPort', number('clientPort')],
    ['secure_client_port', 'secureClientPort', number('secureClientPort')],
    ['data_dir', 'dataDir', entries.get('dataDir')],
    ['data_log_dir', 'dataLogDir', entries.get('dataLogDir')],
    ['tick_time', 'tickTime', number('tickTime')],
    ['max_client_cnxns', 'maxClientCnxns', number('maxClientCnxns')],
    ['min_session_timeout', 'minSessionTimeout', number('minSessionTimeout')],
    ['max_session_timeout', 'maxSessionTimeout', number('maxSessionTimeout')],
    ['server_id', 'serverId', number('serverId')],
  ];
  const covered = new Set<string>();
  for (const [zkKey, key, value] of zkKeys) {
    covered.add(key);
    if (value !== undefined) out[zkKey] = value;
  }
  for (const [key, value] of entries) if (!covered.has(key)) out[key] = typedValue(value);
  return out;
}

/** conf's text values as JSON types: integers as numbers, true/false as booleans. */
function typedValue(text: string): JsonValue {
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

function connectionInfo(c: ConnectionFacts, brief: boolean): JsonObject {
  const info: JsonObject = {
    remote_socket_address: c.remoteAddress, interest_ops: 1, outstanding_requests: c.queued, packets_received: c.received, packets_sent: c.sent,
  };
  if (brief || c.sessionId === 0) return info;
  return {
    ...info, session_id: c.sessionId, last_operation: c.lastOp === '' ? 'NA' : c.lastOp, established: c.established, session_timeout: c.sessionTimeoutMs,
    last_cxid: c.lastCxid, last_zxid: c.lastZxid, last_response_time: c.lastResponseAt, last_latency: Math.round(c.lastLatencyMs),
    min_latency: Math.round(c.latency.minMs), avg_latency: Math.round(c.latency.avgMs), max_latency: Math.round(c.latency.maxMs),
  };
}

function connectionLists(connections: readonly ConnectionFacts[], brief: boolean): JsonObject {
  return {
    connections: connections.filter((c) => !c.secure).map((c) => connectionInfo(c, brief)),
    secure_connections: connections.filter((c) => c.secure).map((c) => connectionInfo(c, brief)),
  };
}

function serverStatsFields(f: ServerFacts, dirs: { dataDirBytes: number; logDirBytes: number }): JsonObject {
  return {
    version: versionText(f.version),
    read_only: false,
    server_stats: {
      packets_sent: f.sent, packets_received: f.received, data_dir_size: dirs.dataDirBytes, log_dir_size: dirs.logDirBytes, server_state: f.mode,
      last_processed_zxid: f.lastZxid, outstanding_requests: f.outstandingRequests, avg_latency: roundTo4(f.latency.avgMs),
      max_latency: Math.round(f.latency.maxMs), min_latency: Math.round(f.latency.minMs), num_alive_client_connections: f.connections.length,
      uptime: Math.round(f.uptimeMs),
    },
    node_count: f.nodeCount,
  };
}

/** mntr's values without their zk_ prefix (ZooKeeper's monitor command), numbers as numbers. */
function monitorFields(f: ServerFacts, watches: number): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of monitorValues(f, watches)) {
    const name = key.startsWith('zk_') ? key.slice(3) : key;
    out[name] = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

function leaderFields(view: ServerView, f: ServerFacts): JsonObject {
  const leader = view.voters().find((v) => v.id === f.leaderId);
  return { is_leader: f.mode === 'leader', leader_id: f.leaderId, leader_ip: leader === undefined ? '' : leader.host };
}

function votingView(view: ServerView): JsonObject {
  const out: JsonObject = {};
  for (const v of view.voters()) {
    out[String(v.id)] = `${v.host.includes(':') ? `[${v.host}]` : v.host}:${v.peerPort}${v.electionPort !== undefined ? `:${v.electionPort}` : ''}:participant`;
  }
  return out;
}

/** ZooKeeper's ZAB phase names; a standalone server is not a quorum server (voting false, no phase). */
function zabStateFields(f: ServerFacts): JsonObject {
  switch (f.mode) {
    case 'standalone': return { voting: false, zabstate: '' };
    case 'looking': return { voting: true, zabstate: 'election' };
    case 'leader':
    case 'follower': return { voting: true, zabstate: f.serving ? 'broadcast' : 'synchronization' };
    default: return assertNever(f.mode, 'server mode');
  }
}

function watchDump(view: ServerView, by: 'session' | 'path'): JsonObject {
  const { groups, truncated } = view.watchDump(by, WATCH_DUMP_ENTRIES_MAX);
  // Paths are clients' strings: a null-prototype map keeps '__proto__' an ordinary key.
  const map = Object.create(null) as JsonObject;
  for (const [key, members] of groups) map[String(key)] = [...members];
  const field = by === 'session' ? 'session_id_to_watched_paths' : 'path_to_session_ids';
  // Past the bound the answer says so, where ZooKeeper's unbounded dump would have grown without end.
  return truncated ? { [field]: map, truncated_at: WATCH_DUMP_ENTRIES_MAX } : { [field]: map };
}

function roundTo4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
