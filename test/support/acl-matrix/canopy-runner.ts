// Runs a matrix plan against Canopy through the SDK: setup clients create the nodes (in multi batches),
// then every caller runs its cells concurrently on its own connection, then the event cells. Callers
// may be pointed at one follower only, so that the identities a follower forwards are what is checked.
import { AddWatchMode, Client, CreateMode, ErrorCode, KeeperError, Op, WatcherType } from '../../../client/index.js';
import { errorCodeName } from '../../../protocol/index.js';
import { assertNever } from '../../../protocol/assert-never.js';
import type { ClientOptions, MultiOp, ReadOp, WatchedEvent } from '../../../client/index.js';
import { until } from '../until.js';
import { MATRIX_TTL_MS, type Action, type CreateKind, type EventPlan, type NodeSpec, type PreparePlan, type RawResult, type RunnerCell, type RunnerPlan } from './actions.js';
import { CALLERS, type CallerName } from './identities.js';

/** Ops per setup multi: well under the server's limit, small enough to keep frames modest. */
const SETUP_BATCH_OPS = 250;
/** Requests a caller keeps in flight (the server's default per-session limit is 1000). */
const CALLER_IN_FLIGHT = 200;
const SENTINEL_WAIT_MS = 60_000;

export interface CallerConnection {
  connectString: string;
  /** Extra client options (a client certificate for the x509 callers). */
  options?: ClientOptions;
}

export interface CanopyTarget {
  /** Where the setup clients connect (any member). */
  setupConnectString: string;
  /** Where each caller connects: a standalone server, or a single follower. */
  caller: (name: CallerName) => CallerConnection;
}

const MODES: Record<CreateKind, CreateMode> = {
  persistent: CreateMode.PERSISTENT,
  container: CreateMode.CONTAINER,
  ttl: CreateMode.PERSISTENT_WITH_TTL,
};

function createOptions(kind: CreateKind, acl: NodeSpec['acl']): Parameters<Client['create']>[2] {
  return kind === 'ttl' ? { mode: MODES[kind], acl, ttl: MATRIX_TTL_MS } : { mode: MODES[kind], acl };
}

/** The error code a failed call carries, or a description when it is not a KeeperError. */
function failure(e: unknown): RawResult {
  if (e instanceof KeeperError) return e.results !== undefined ? { err: e.code, results: e.results.map((r) => r.err) } : { err: e.code };
  return { error: e instanceof Error ? e.message : String(e) };
}

async function connect(name: CallerName, where: CallerConnection): Promise<Client> {
  const client = await Client.connect(where.connectString, {
    sessionTimeoutMs: 30_000, connectTimeoutMs: 30_000, retry: { initialDelayMs: 20, maxDelayMs: 500 }, ...where.options,
  });
  for (const [scheme, credential] of CALLERS[name].auth) await client.addAuthInfo(scheme, credential);
  return client;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function multiOp(op: Extract<Action, { kind: 'multi' }>['ops'][number]): MultiOp {
  switch (op.kind) {
    case 'check': return Op.check(op.path, -1);
    case 'create': return Op.create(op.path, '', { acl: op.acl });
    case 'delete': return Op.delete(op.path);
    case 'setData': return Op.setData(op.path, 'changed');
    default: return assertNever(op, 'multi op');
  }
}

function readOp(op: Extract<Action, { kind: 'multiRead' }>['ops'][number]): ReadOp {
  return op.kind === 'getData' ? Op.getData(op.path) : Op.getChildren(op.path);
}

/** One request cell through the SDK. */
async function runAction(client: Client, action: Action): Promise<RawResult> {
  try {
    switch (action.kind) {
      case 'create': await client.create(action.path, '', createOptions(action.mode, action.acl)); break;
      case 'delete': await client.delete(action.path); break;
      case 'setData': await client.setData(action.path, 'changed'); break;
      case 'getData': await client.getData(action.path); break;
      case 'exists': return { err: ErrorCode.OK, isNull: (await client.exists(action.path)) === null };
      case 'getChildren': await client.getChildren(action.path); break;
      case 'getAllChildrenNumber': await client.getAllChildrenNumber(action.path); break;
      case 'getEphemerals': await client.getEphemerals(action.path); break;
      case 'getACL': return { err: ErrorCode.OK, acl: (await client.getACL(action.path)).acl };
      case 'setACL': await client.setACL(action.path, action.acl); break;
      case 'sync': await client.sync(action.path); break;
      case 'addWatch': {
        const mode = action.mode === 'persistent' ? AddWatchMode.PERSISTENT : AddWatchMode.PERSISTENT_RECURSIVE;
        await client.addWatch(action.path, () => {}, mode);
        break;
      }
      case 'removeWatches': await client.removeWatches(action.path, null, WatcherType.Any); break;
      case 'multi': return { err: ErrorCode.OK, results: (await client.multi(action.ops.map(multiOp))).map((r) => r.err) };
      case 'multiRead': return { err: ErrorCode.OK, results: (await client.multiRead(action.ops.map(readOp))).map((r) => r.err) };
      default: return assertNever(action, 'action');
    }
    return { err: ErrorCode.OK };
  } catch (e) {
    return failure(e);
  }
}

/** Creates the plan's nodes in order, consecutive nodes of one creator in one multi. */
async function createNodes(nodes: readonly NodeSpec[], setup: (as: CallerName) => Client): Promise<void> {
  let i = 0;
  while (i < nodes.length) {
    const as = nodes[i]!.as;
    const batch: NodeSpec[] = [];
    while (i < nodes.length && nodes[i]!.as === as && batch.length < SETUP_BATCH_OPS) batch.push(nodes[i++]!);
    await setup(as).multi(batch.map((n) => Op.create(n.path, '', { acl: n.acl })));
  }
}

/** The cells' prepare steps: each caller's watches while the nodes are open, then the ACL changes. A cell
 * whose watch could not be set gets that as its result (and does not run). */
async function prepare(cells: readonly RunnerCell[], callers: Map<CallerName, Client>, setup: (as: CallerName) => Client, results: Map<string, RawResult>): Promise<void> {
  const withPrepare = cells.filter((c): c is RunnerCell & { prepare: PreparePlan } => c.prepare !== undefined);
  await Promise.all(withPrepare.map(async (c) => {
    try {
      await callers.get(c.caller)!.addWatch(c.prepare.watchPath, () => {}, AddWatchMode.PERSISTENT);
    } catch (e) {
      const f = failure(e);
      results.set(c.id, { error: `watch not set: ${f.err !== undefined ? errorCodeName(f.err) : f.error}` });
    }
  }));
  await Promise.all(withPrepare.map((c) => setup(c.prepare.aclChange.as).setACL(c.prepare.aclChange.path, c.prepare.aclChange.acl)));
}

/** Event cells: watches while open, then the ACL changes, the triggers, and each caller's sentinel. */
async function runEvents(cells: readonly RunnerCell[], plan: RunnerPlan, callers: Map<CallerName, Client>, setup: (as: CallerName) => Client, results: Map<string, RawResult>): Promise<void> {
  const seen = new Map<string, number[]>();
  const sentinelSeen = new Set<CallerName>();
  const failed = new Set<string>();
  const withEvent = cells.filter((c): c is RunnerCell & { event: EventPlan } => c.event !== undefined);
  await Promise.all([...callers].map(async ([name, client]) => {
    const sentinel = plan.sentinels[name];
    if (sentinel === undefined) return;
    await mapLimit(withEvent.filter((c) => c.caller === name), CALLER_IN_FLIGHT, async (cell) => {
      const events: number[] = [];
      seen.set(cell.id, events);
      const watcher = (e: WatchedEvent): void => {
        if (e.path === cell.event.eventPath) events.push(e.type);
      };
      try {
        await setWatch(client, cell.event, watcher);
      } catch (e) {
        const f = failure(e);
        failed.add(cell.id);
        results.set(cell.id, { error: `watch not set: ${f.err !== undefined ? errorCodeName(f.err) : f.error}` });
      }
    });
    await client.getData(sentinel, { watch: () => sentinelSeen.add(name) });
  }));
  await Promise.all(withEvent.map(async (c) => {
    if (c.event.aclChange !== undefined) await setup(c.event.aclChange.as).setACL(c.event.aclChange.path, c.event.aclChange.acl);
  }));
  await Promise.all(withEvent.map(async (c) => {
    const t = c.event.trigger;
    if (t.kind === 'setData') await setup(t.as).setData(t.path, 'changed');
    else await setup(t.as).create(t.path, '', { acl: t.acl });
  }));
  const waiting = [...callers.keys()].filter((n) => plan.sentinels[n] !== undefined);
  await Promise.all(waiting.map((n) => setup('super').setData(plan.sentinels[n]!, 'sentinel')));
  await until(() => waiting.every((n) => sentinelSeen.has(n)), { timeoutMs: SENTINEL_WAIT_MS, message: 'every caller to see its sentinel event' });
  for (const c of withEvent) if (!failed.has(c.id)) results.set(c.id, { events: seen.get(c.id) ?? [] });
}

async function setWatch(client: Client, plan: EventPlan, watcher: (e: WatchedEvent) => void): Promise<void> {
  const path = plan.watch.path;
  switch (plan.watch.kind) {
    case 'data': await client.getData(path, { watch: watcher }); return;
    case 'exists': await client.exists(path, { watch: watcher }); return;
    case 'children': await client.getChildren(path, { watch: watcher }); return;
    case 'persistent': await client.addWatch(path, watcher, AddWatchMode.PERSISTENT); return;
    case 'persistentRecursive': await client.addWatch(path, watcher, AddWatchMode.PERSISTENT_RECURSIVE); return;
    default: assertNever(plan.watch.kind, 'watch kind');
  }
}

export interface CanopyRun {
  /** Keyed by cell id. */
  results: Map<string, RawResult>;
  /** Clients that lost their connection during the run (their cells in flight failed with CONNECTIONLOSS). */
  disconnected: string[];
}

/** Runs every cell of the plan. */
export async function runOnCanopy(plan: RunnerPlan, target: CanopyTarget): Promise<CanopyRun> {
  const results = new Map<string, RawResult>();
  const disconnected: string[] = [];
  const watchState = (label: string, client: Client): Client => client.on('state', (s) => {
    if (s === 'disconnected') disconnected.push(label);
  });
  const setupClients = new Map<CallerName, Client>();
  const callers = new Map<CallerName, Client>();
  try {
    const setupNames = new Set<CallerName>(['super', ...plan.nodes.map((n) => n.as)]);
    for (const c of plan.cells) {
      if (c.event?.aclChange !== undefined) setupNames.add(c.event.aclChange.as);
      if (c.event !== undefined) setupNames.add(c.event.trigger.as);
    }
    for (const name of setupNames) setupClients.set(name, watchState(`setup ${name}`, await connect(name, { connectString: target.setupConnectString })));
    const setup = (as: CallerName): Client => {
      const c = setupClients.get(as);
      if (c === undefined) throw new Error(`no setup client for ${as}`);
      return c;
    };
    await createNodes(plan.nodes, setup);
    for (const name of new Set(plan.cells.map((c) => c.caller))) {
      const client = await connect(name, target.caller(name));
      // A follower serves reads from its own tree: make it catch up with the setup writes first.
      await client.sync(plan.root);
      callers.set(name, watchState(`caller ${name}`, client));
    }
    await prepare(plan.cells, callers, setup, results);
    await Promise.all([...callers].map(([name, client]) => mapLimit(plan.cells.filter((c) => c.caller === name && c.action !== undefined && !results.has(c.id)), CALLER_IN_FLIGHT, async (cell) => {
      const raw = await runAction(client, cell.action!);
      if (cell.readBackAcl !== undefined && raw.err === ErrorCode.OK) {
        // The setup client may be on another member: sync, so that it has applied the caller's write.
        await setup('super').sync(cell.readBackAcl);
        raw.acl = (await setup('super').getACL(cell.readBackAcl)).acl;
      }
      results.set(cell.id, raw);
    })));
    await runEvents(plan.cells, plan, callers, setup, results);
  } finally {
    for (const c of [...callers.values(), ...setupClients.values()]) await c.close().catch(() => {});
  }
  return { results, disconnected };
}
