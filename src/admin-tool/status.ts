// canopy-admin status: every server of an ensemble side by side, from each one's admin endpoint: its role,
// last zxid, how far it is behind the newest zxid seen, its sessions and connections, and whether /health
// calls it ready. A server that does not answer is a row that says why, not a failed command.
import { DEFAULT_ADMIN_PORT, adminGetJson, parseAdminEndpoint, readTokenFile, timeoutArg, type AdminEndpoint, type GetOptions } from './admin-endpoint-client.js';
import { type AdminIo, AdminToolError, EXIT, defineSubcommand } from './subcommand.js';

/** An ensemble has at most 255 voters; this is a bound on what one command line asks. */
const SERVERS_MAX = 255;

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

export const statusCommand = defineSubcommand({
  command: 'status',
  describe: 'every server of an ensemble side by side: role, readiness, zxid, lag, sessions, connections (exit 0 when all are ready)',
  builder: (y) => y
    .option('servers', { type: 'string', default: `127.0.0.1:${DEFAULT_ADMIN_PORT}`, describe: 'comma-separated admin endpoints (host:port of each server\'s admin.serverPort)' })
    .option('token-file', { type: 'string', describe: 'file holding the bearer token of the servers\' admin.tokenFile' })
    .option('timeout', { type: 'number', default: 10_000, describe: 'ms to wait for each server' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON array instead of the table' }),
  run: async (args, io: AdminIo) => {
    const servers = args.servers.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (servers.length === 0 || servers.length > SERVERS_MAX) throw new AdminToolError(`--servers needs 1 to ${SERVERS_MAX} addresses`);
    const token = args.tokenFile === undefined ? undefined : readTokenFile(args.tokenFile);
    const rows = await ensembleStatus(servers, { token, timeoutMs: timeoutArg(args.timeout) });
    await io.out(args.json ? `${JSON.stringify(rows, null, 2)}\n` : statusTable(rows));
    return rows.every((r) => r.ready === true) ? EXIT.ok : EXIT.failed;
  },
});
