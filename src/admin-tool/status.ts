// canopy-admin status: every server of an ensemble side by side, from each one's admin endpoint: its role,
// last zxid, how far it is behind the newest zxid seen, its sessions and connections, and whether /health
// calls it ready. A server that does not answer is a row that says why, not a failed command.
import { AdminToolError, adminGetJson, parseAdminEndpoint, type AdminEndpoint, type GetOptions } from './admin-endpoint-client.js';

export interface ServerStatus {
  server: string;
  reachable: boolean;
  /** Why it could not be asked (reachable false). */
  error?: string;
  ready?: boolean;
  role?: string;
  serverId?: number;
  leaderId?: number;
  zxid?: number;
  /** Txns behind the newest zxid of any server in the same epoch; undefined when the epochs differ. */
  lagTxns?: number;
  sessions?: number;
  connections?: number;
  znodes?: number;
}

function numberField(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

async function askOne(endpoint: AdminEndpoint, opts: GetOptions): Promise<ServerStatus> {
  try {
    const health = (await adminGetJson(endpoint, '/health', { ...opts, okStatuses: [200, 503] })).body;
    const monitor = (await adminGetJson(endpoint, '/commands/monitor', opts)).body;
    const zxidText = typeof health.lastZxid === 'string' && /^0x[0-9a-f]{1,14}$/.test(health.lastZxid) ? health.lastZxid : undefined;
    return {
      server: endpoint.label, reachable: true, ready: health.ready === true, role: typeof health.mode === 'string' ? health.mode.slice(0, 16) : undefined,
      serverId: numberField(health, 'serverId'), leaderId: numberField(health, 'leaderId'), zxid: zxidText === undefined ? undefined : Number(zxidText),
      sessions: numberField(monitor, 'global_sessions'), connections: numberField(monitor, 'num_alive_connections'), znodes: numberField(monitor, 'znode_count'),
    };
  } catch (e) {
    if (!(e instanceof AdminToolError)) throw e;
    return { server: endpoint.label, reachable: false, error: e.message };
  }
}

const EPOCH_FACTOR = 2 ** 32;

/** Asks every server at once; lag is counted against the newest zxid of the same epoch. */
export async function ensembleStatus(servers: readonly string[], opts: GetOptions): Promise<ServerStatus[]> {
  const endpoints = servers.map(parseAdminEndpoint);
  const rows = await Promise.all(endpoints.map((e) => askOne(e, opts)));
  const newest = Math.max(0, ...rows.map((r) => r.zxid ?? 0));
  for (const r of rows) {
    if (r.zxid === undefined) continue;
    if (Math.floor(r.zxid / EPOCH_FACTOR) === Math.floor(newest / EPOCH_FACTOR)) r.lagTxns = newest - r.zxid;
  }
  return rows;
}

function cell(v: string | number | boolean | undefined): string {
  if (v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** The rows as an aligned table, one server a line. */
export function statusTable(rows: readonly ServerStatus[]): string {
  const header = ['SERVER', 'ID', 'ROLE', 'READY', 'ZXID', 'LAG', 'SESSIONS', 'CONNECTIONS', 'ZNODES'];
  const lines = rows.map((r) => r.reachable
    ? [r.server, cell(r.serverId), cell(r.role), cell(r.ready), r.zxid === undefined ? '-' : `0x${r.zxid.toString(16)}`, cell(r.lagTxns), cell(r.sessions), cell(r.connections), cell(r.znodes)]
    : [r.server, '-', 'unreachable', 'no', '-', '-', '-', '-', '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (l: string[]): string => l.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const errors = rows.filter((r) => !r.reachable).map((r) => `${r.server}: ${r.error ?? 'unreachable'}`);
  return [format(header), ...lines.map(format), ...errors].join('\n') + '\n';
}
