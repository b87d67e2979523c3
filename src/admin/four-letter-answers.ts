// The text of each four-letter word's answer, laid out as ZooKeeper 3.8 lays it out, so that scripts and
// monitoring written for ZooKeeper (zkServer.sh status, check_zookeeper, exporters parsing mntr) read ours.
// Canopy-only facts appear only where ZooKeeper's own layout has room for them (mntr's key/value lines).
import { assertNever } from '../../protocol/assert-never.js';
import type { FourLetterWord } from './four-letter-words.js';
import type { ConnectionFacts, LatencyFacts, ServerFacts, ServerView } from './server-view.js';

/** ZooKeeper's answer from a server that is not serving (electing, or syncing with its leader). */
export const NOT_SERVING = 'This ZooKeeper instance is not currently serving requests\n';

/** wchc and wchp list at most this many (session, path) pairs: ZooKeeper's are unbounded, and were a DoS. */
export const WATCH_DUMP_ENTRIES_MAX = 100_000;

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A zxid or id as ZooKeeper prints it: -1 as 0xffffffffffffffff (a Java long). */
function hexLong(n: number): string {
  return n < 0 ? '0xffffffffffffffff' : hex(n);
}

/** Milliseconds as ZooKeeper's whole-ms latency fields. */
function wholeMs(ms: number): number {
  return Math.round(ms);
}

/** A double as Java prints one: always a decimal point. */
function javaDouble(n: number): string {
  const rounded = Math.round(n * 10_000) / 10_000;
  return Number.isInteger(rounded) ? `${rounded}.0` : String(rounded);
}

function latencyLine(l: LatencyFacts): string {
  return `Latency min/avg/max: ${wholeMs(l.minMs)}/${javaDouble(l.avgMs)}/${wholeMs(l.maxMs)}\n`;
}

/** The lines srvr and stat share after their header (ZooKeeper's ServerStats, then the node count). */
function statsBlock(f: ServerFacts): string {
  return latencyLine(f.latency)
    + `Received: ${f.received}\n`
    + `Sent: ${f.sent}\n`
    + `Connections: ${f.connections.length}\n`
    + `Outstanding: ${f.outstandingRequests}\n`
    + `Zxid: ${hex(f.lastZxid)}\n`
    + `Mode: ${f.mode}\n`
    + `Node count: ${f.nodeCount}\n`;
}

/** One connection as stat (brief) and cons list it, without its line end. */
export function connectionLine(c: ConnectionFacts, brief: boolean): string {
  let line = ` /${c.remoteAddress}[1](queued=${c.queued},recved=${c.received},sent=${c.sent}`;
  if (!brief && c.sessionId !== 0) {
    line += `,sid=${hex(c.sessionId)},lop=${c.lastOp === '' ? 'NA' : c.lastOp},est=${c.established},to=${c.sessionTimeoutMs}`;
    if (c.lastCxid >= 0) line += `,lcxid=${hex(c.lastCxid)}`;
    line += `,lzxid=${hexLong(c.lastZxid)},lresp=${c.lastResponseAt},llat=${wholeMs(c.lastLatencyMs)}`;
    line += `,minlat=${wholeMs(c.latency.minMs)},avglat=${javaDouble(c.latency.avgMs)},maxlat=${wholeMs(c.latency.maxMs)}`;
  }
  return `${line})`;
}

/**
 * The ZooKeeper release whose client protocol and behaviour Canopy matches. ZooKeeper's version lines start
 * with its release (`3.8.0-<commit>, built on <date>`) and clients read it from there: Kazoo's
 * server_version() takes the leading digits of envi's zookeeper.version to choose features, and fails on a
 * line that does not start with them.
 */
export const ZOOKEEPER_COMPATIBLE_VERSION = '3.9.2';

/** What the version lines say: the ZooKeeper release Canopy matches, then Canopy's own version. */
export function versionText(version: string): string {
  return `${ZOOKEEPER_COMPATIBLE_VERSION}-canopy-${version}`;
}

function header(f: ServerFacts): string {
  return `Zookeeper version: ${versionText(f.version)}\n`;
}

/** mntr's key/value pairs, ZooKeeper's names first, then Canopy's own (canopy_*). */
export function monitorValues(f: ServerFacts, watches: number): Array<[string, string | number]> {
  const values: Array<[string, string | number]> = [
    ['zk_version', versionText(f.version)],
    ['zk_server_state', f.mode],
    ['zk_avg_latency', javaDouble(f.latency.avgMs)],
    ['zk_max_latency', wholeMs(f.latency.maxMs)],
    ['zk_min_latency', wholeMs(f.latency.minMs)],
    ['zk_packets_received', f.received],
    ['zk_packets_sent', f.sent],
    ['zk_num_alive_connections', f.connections.length],
    ['zk_outstanding_requests', f.outstandingRequests],
    ['zk_znode_count', f.nodeCount],
    ['zk_watch_count', watches],
    ['zk_ephemerals_count', f.ephemeralCount],
    ['zk_approximate_data_size', f.approximateDataSize],
    ['zk_global_sessions', f.sessionCount],
    ['zk_uptime', Math.round(f.uptimeMs)],
  ];
  if (f.openFileDescriptors !== undefined) values.push(['zk_open_file_descriptor_count', f.openFileDescriptors]);
  if (f.maxFileDescriptors !== undefined) values.push(['zk_max_file_descriptor_count', f.maxFileDescriptors]);
  if (f.mode === 'leader') {
    values.push(['zk_learners', f.learners.length]);
    values.push(['zk_synced_followers', f.learners.filter((l) => l.synced).length]);
    values.push(['zk_synced_non_voting_followers', 0]);
    values.push(['zk_synced_observers', 0]);
    values.push(['zk_pending_syncs', f.learners.filter((l) => !l.synced).length]);
  }
  values.push(['zk_peer_state', peerState(f)]);
  values.push(['canopy_server_id', f.serverId]);
  values.push(['canopy_epoch', f.epoch]);
  values.push(['canopy_leader_id', f.leaderId]);
  return values;
}

/** ZooKeeper's peer_state: the role, and whether it is past its sync ("broadcast"). */
function peerState(f: ServerFacts): string {
  switch (f.mode) {
    case 'standalone': return 'standalone';
    case 'leader': return f.serving ? 'leading - broadcast' : 'leading - synchronization';
    case 'follower': return f.serving ? 'following - broadcast' : 'following - synchronization';
    case 'looking': return 'looking';
    default: return assertNever(f.mode, 'server mode');
  }
}

function watchDumpText(view: ServerView, by: 'session' | 'path'): string {
  const { groups, truncated } = view.watchDump(by, WATCH_DUMP_ENTRIES_MAX);
  let out = '';
  for (const [key, members] of groups) {
    out += `${typeof key === 'number' ? hex(key) : key}\n`;
    for (const m of members) out += `\t${typeof m === 'number' ? hex(m) : m}\n`;
  }
  if (truncated) out += `(the list stops at ${WATCH_DUMP_ENTRIES_MAX} watches)\n`;
  return out;
}

/** The answer to a word that is on the whitelist. */
export async function answerFourLetterWord(word: FourLetterWord, view: ServerView): Promise<string> {
  switch (word) {
    case 'ruok': return 'imok';
    case 'isro': return 'rw';
    case 'srvr': {
      const f = view.facts();
      return f.serving ? header(f) + statsBlock(f) : NOT_SERVING;
    }
    case 'stat': {
      const f = view.facts();
      if (!f.serving) return NOT_SERVING;
      const clients = f.connections.map((c) => `${connectionLine(c, true)}\n`).join('');
      return `${header(f)}Clients:\n${clients}\n${statsBlock(f)}`;
    }
    case 'cons': return `${view.facts().connections.map((c) => `${connectionLine(c, false)}\n`).join('')}\n`;
    case 'crst':
      view.resetConnectionStats();
      return 'Connection stats reset.\n';
    case 'srst':
      view.resetServerStats();
      return 'Server stats reset.\n';
    case 'conf': return view.configEntries().map(([k, v]) => `${k}=${v}\n`).join('');
    case 'envi': return `Environment:\n${view.environment().map(([k, v]) => `${k}=${v}\n`).join('')}`;
    case 'dirs': {
      const sizes = await view.dirSizes();
      return `datadir_size: ${sizes.dataDirBytes}\nlogdir_size: ${sizes.logDirBytes}\n`;
    }
    case 'mntr': {
      const f = view.facts();
      if (!f.serving) return NOT_SERVING;
      return monitorValues(f, view.watchSummary().watches).map(([k, v]) => `${k}\t${v}\n`).join('');
    }
    case 'wchs': {
      const s = view.watchSummary();
      return `${s.sessions} connections watching ${s.paths} paths\nTotal watches:${s.watches}\n`;
    }
    case 'wchc': return watchDumpText(view, 'session');
    case 'wchp': return watchDumpText(view, 'path');
    default: return assertNever(word, 'four-letter word');
  }
}
