// Runs one seeded op sequence (zk-diff-ops) through node-zookeeper-client against one system and records
// what each op answered and which notifications each session received, so that two systems' records compare
// with deepEqual once normalised: zxids become their rank among the zxids of the run (ZooKeeper and Canopy
// number txns differently, and a failed write takes a zxid in ZooKeeper), session ids become the session's
// slot and generation, times are dropped. Ops run one at a time; after each, every session syncs, so any
// notification the op triggered has reached its session before the next op (the server sends a change's
// event before any later reply on that connection, and sync on an ensemble member waits until the member
// has applied what the leader committed before it).
import { assertNever } from '../../protocol/assert-never.js';
import { DIFF_SESSIONS } from './zk-diff-ops.js';
import type { DiffAclName, DiffCreateMode, DiffMultiOp, DiffOp } from './zk-diff-ops.js';
import { NzkClient, nzk, nzkCode } from './zk-node-client.js';
import type { NzkAcl, NzkStat } from './zk-node-client.js';
import { DiffSessions } from './zk-diff-sessions.js';

/** A system under comparison: where each session slot connects. */
export interface DiffTarget {
  readonly name: string;
  hostOf(session: number): string;
}

/** A zxid as read (bigint), then its rank among the zxids of the run (`z1` is the oldest). */
export type Zxid = bigint | string;

export interface StatRecord {
  czxid: Zxid;
  mzxid: Zxid;
  pzxid: Zxid;
  version: number;
  cversion: number;
  aversion: number;
  /** 'none', or the owning session's slot and generation (`s1.0`). */
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

export interface MultiResultRecord {
  type: number;
  path?: string;
  err?: number;
  stat?: StatRecord;
}

export interface AclRecord {
  perms: number;
  scheme: string;
  id: string;
}

/** What one op answered: a ZooKeeper error code, an error the library raised itself, or the op's result. */
export type OutcomeRecord =
  | { error: number }
  | { clientError: string }
  | { path: string; stat?: StatRecord }
  | { exists: StatRecord | null }
  | { data: string | null; stat: StatRecord }
  | { children: string[]; stat: StatRecord }
  | { acls: AclRecord[]; stat: StatRecord }
  | { stat: StatRecord }
  | { multiError: number | null; results: MultiResultRecord[] }
  | { removed: true }
  | { session: string };

export interface NotificationRecord {
  type: number;
  state: number;
  path: string;
}

export interface StepRecord {
  outcome: OutcomeRecord;
  /** Per session slot, the notifications it received during the op and the sync after it, in arrival order. */
  events: NotificationRecord[][];
}

export interface TreeNodeRecord {
  path: string;
  data: string | null;
  stat: StatRecord;
}

export interface RunRecord {
  steps: StepRecord[];
  /** Every node under the root after the last op, depth first in name order. */
  tree: TreeNodeRecord[];
}

const CREATE_MODE_NUMBERS: Readonly<Record<DiffCreateMode, number>> = {
  persistent: 0, ephemeral: 1, 'persistent-sequential': 2, 'ephemeral-sequential': 3, 'container-flag': 4, 'ttl-flag': 5,
};
const PERMS = { read: 1, write: 2, create: 4, delete: 8, admin: 16, all: 31 } as const;

function aclOf(name: DiffAclName): NzkAcl[] {
  const world = (perms: number): NzkAcl[] => [new nzk.ACL(perms, new nzk.Id('world', 'anyone'))];
  switch (name) {
    case 'open': return world(PERMS.all);
    case 'read-only': return world(PERMS.read);
    case 'no-write': return world(PERMS.all & ~PERMS.write);
    case 'no-create': return world(PERMS.all & ~PERMS.create);
    case 'no-delete': return world(PERMS.all & ~PERMS.delete);
    case 'no-admin': return world(PERMS.all & ~PERMS.admin);
    case 'ip-local': return [new nzk.ACL(PERMS.all, new nzk.Id('ip', '127.0.0.1'))];
    case 'unknown-scheme': return [new nzk.ACL(PERMS.all, new nzk.Id('nosuchscheme', 'x'))];
    case 'auth-without-identity': return [new nzk.ACL(PERMS.all, new nzk.Id('auth', ''))];
    default: return assertNever(name, 'ACL name');
  }
}

function statRecord(stat: NzkStat, sessions: DiffSessions): StatRecord {
  return {
    czxid: stat.czxid.readBigUInt64BE(0), mzxid: stat.mzxid.readBigUInt64BE(0), pzxid: stat.pzxid.readBigUInt64BE(0),
    version: stat.version, cversion: stat.cversion, aversion: stat.aversion,
    ephemeralOwner: sessions.ownerLabel(stat.ephemeralOwner), dataLength: stat.dataLength, numChildren: stat.numChildren,
  };
}

function dataText(data: Buffer | null): string | null {
  return data === null ? null : data.toString('utf8');
}

/** An error as recorded: ZooKeeper's code when the error carries one. */
function failure(error: unknown): OutcomeRecord {
  const code = nzkCode(error);
  if (code !== undefined) return { error: code };
  return { clientError: error instanceof Error ? `${error.name}: ${error.message}` : 'a non-Error value' };
}

function absolute(root: string, relative: string): string {
  return relative === '' ? root : `${root}/${relative}`;
}

/** Watchers exist so the library asks for a watch; what fires is recorded from the wire (DiffSessions). */
function watcherFor(watch: boolean): (() => void) | undefined {
  return watch ? () => {} : undefined;
}

async function multi(client: NzkClient, root: string, ops: readonly DiffMultiOp[], sessions: DiffSessions): Promise<OutcomeRecord> {
  const { error, results } = await client.commit((t) => {
    for (const op of ops) {
      const path = absolute(root, op.path);
      switch (op.kind) {
        case 'create': t.create(path, Buffer.from(op.data), nzk.ACL.OPEN_ACL_UNSAFE, CREATE_MODE_NUMBERS[op.mode]); break;
        case 'remove': t.remove(path, op.version); break;
        case 'setData': t.setData(path, Buffer.from(op.data), op.version); break;
        case 'check': t.check(path, op.version); break;
        default: assertNever(op, 'multi op');
      }
    }
    return t;
  });
  const multiError = error === null ? null : nzkCode(error);
  if (multiError === undefined) return failure(error);
  return {
    multiError,
    results: results.map((r) => ({
      type: r.type,
      ...(r.path !== undefined ? { path: r.path } : {}),
      ...(r.err !== undefined ? { err: r.err } : {}),
      ...(r.stat !== undefined ? { stat: statRecord(r.stat, sessions) } : {}),
    })),
  };
}

/** Performs op and records its answer; a rejected op is an outcome, not a failure of the run. */
async function perform(op: DiffOp, root: string, sessions: DiffSessions): Promise<OutcomeRecord> {
  const client = sessions.client(op.session);
  const stat = (s: NzkStat): StatRecord => statRecord(s, sessions);
  try {
    switch (op.kind) {
      case 'create': return { path: await client.createWithAcl(absolute(root, op.path), op.data, CREATE_MODE_NUMBERS[op.mode], aclOf(op.acl)) };
      case 'createContainer': {
        const made = await client.createContainer(absolute(root, op.path), op.data, aclOf('open'));
        return { path: made.path, stat: stat(made.stat) };
      }
      case 'remove':
        await client.remove(absolute(root, op.path), op.version);
        return { removed: true };
      case 'setData': return { stat: stat(await client.setData(absolute(root, op.path), op.data, op.version)) };
      case 'getData': {
        const read = await client.getDataOrNull(absolute(root, op.path), watcherFor(op.watch));
        return { data: dataText(read.data), stat: stat(read.stat) };
      }
      case 'exists': {
        const found = await client.exists(absolute(root, op.path), watcherFor(op.watch));
        return { exists: found === null ? null : stat(found) };
      }
      case 'getChildren': {
        const read = await client.getChildrenWithStat(absolute(root, op.path), watcherFor(op.watch));
        // ZooKeeper lists children in its hash set's order, which no client may rely on: compare them sorted.
        return { children: [...read.children].sort(), stat: stat(read.stat) };
      }
      case 'multi': return await multi(client, root, op.ops, sessions);
      case 'sync': return { path: await client.sync(absolute(root, op.path)) };
      case 'getACL': {
        const read = await client.getACL(absolute(root, op.path));
        return { acls: read.acls.map((a) => ({ perms: a.permission, scheme: a.id.scheme, id: a.id.id })), stat: stat(read.stat) };
      }
      case 'setACL': return { stat: stat(await client.setACL(absolute(root, op.path), aclOf(op.acl), op.version)) };
      case 'reopen': return { session: await sessions.reopen(op.session) };
      default: return assertNever(op, 'op');
    }
  } catch (e) {
    return failure(e);
  }
}

/**
 * A closed session's ephemerals all go in its close txn, in an order nothing promises: ZooKeeper walks its
 * hash set of the session's paths. So a session's events of one close are compared sorted (by path, then
 * type); the events of any other op keep their arrival order, which for a multi is the order of its ops.
 */
function sortedEvents(events: NotificationRecord[]): NotificationRecord[] {
  return [...events].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : x.type - y.type));
}

/** Every node under root, read by session 0 (which has just synced), depth first in name order. */
async function treeOf(root: string, sessions: DiffSessions): Promise<TreeNodeRecord[]> {
  const client = sessions.client(0);
  const nodes: TreeNodeRecord[] = [];
  const visit = async (path: string): Promise<void> => {
    const read = await client.getDataOrNull(path);
    nodes.push({ path, data: dataText(read.data), stat: statRecord(read.stat, sessions) });
    const { children } = await client.getChildrenWithStat(path);
    for (const child of [...children].sort()) await visit(`${path}/${child}`);
  };
  await visit(root);
  return nodes;
}

/** Replaces every bigint (the zxids) in value by its rank among all of them: z1 is the oldest. */
function rankZxids<T>(value: T): T {
  const seen = new Set<bigint>();
  const collect = (v: unknown): void => {
    if (typeof v === 'bigint') seen.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(collect);
  };
  collect(value);
  const rank = new Map([...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((z, i) => [z, `z${i + 1}`]));
  const replace = (v: unknown): unknown => {
    if (typeof v === 'bigint') return rank.get(v);
    if (Array.isArray(v)) return v.map(replace);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
    return v;
  };
  return replace(value) as T;
}

/** Runs ops under a fresh root `/diff-<seed>` on target with DIFF_SESSIONS sessions; the normalised record. */
export async function runDiff(target: DiffTarget, seed: number, ops: readonly DiffOp[]): Promise<RunRecord> {
  const root = `/diff-${seed}`;
  const sessions = await DiffSessions.open(target, DIFF_SESSIONS);
  try {
    await sessions.within(sessions.client(0).create(root, ''), `create ${root}`);
    await sessions.drain();
    const steps: StepRecord[] = [];
    for (const op of ops) {
      const outcome = await sessions.within(perform(op, root, sessions), `op ${steps.length} (${op.kind}) on ${target.name}`);
      const events = await sessions.drain();
      steps.push({ outcome, events: op.kind === 'reopen' ? events.map(sortedEvents) : events });
    }
    const tree = await sessions.within(treeOf(root, sessions), `reading the tree of ${target.name}`);
    return rankZxids({ steps, tree });
  } finally {
    await sessions.closeAll();
  }
}
