// Caches, service discovery, configuration handles and group membership against real servers: caches
// converge after forced disconnects (and a leader crash) without losing or inventing events, discovery
// follows instances that come and go with their sessions, config handles never publish an invalid value.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ErrorCode, KeeperError, Op } from '../../client/index.js';
import { ChildrenCache } from '../../client/recipes/children-cache.js';
import { NodeCache } from '../../client/recipes/node-cache.js';
import { TreeCache } from '../../client/recipes/tree-cache.js';
import type { CacheBase, CachedNode } from '../../client/recipes/cache-core.js';
import { ServiceDiscovery } from '../../client/recipes/service-discovery.js';
import type { ServiceInstance } from '../../client/recipes/service-discovery.js';
import { RandomStrategy, ServiceProvider } from '../../client/recipes/service-provider.js';
import { ConfigHandle } from '../../client/recipes/config-handle.js';
import { GroupMember } from '../../client/recipes/group-member.js';
import { parseProperties, stringifyProperties, PropertiesSyntaxError } from '../../client/recipes/properties.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

const text = new TextDecoder();
const WAIT_MS = 20_000;

/** path → "data@mzxid" for every node of a subtree, read afresh (depth-limited like the cache). */
async function freshTree(client: Client, root: string, maxDepth = Infinity, includeRoot = true): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (path: string, depth: number): Promise<void> => {
    let read;
    try {
      read = await client.getData(path);
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return;
      throw e;
    }
    if (includeRoot || path !== root) out.set(path, `${text.decode(read.data)}@${read.stat.mzxid}`);
    if (depth >= maxDepth) return;
    const { children } = await client.getChildren(path).catch((e: unknown) => {
      if (KeeperError.is(e, ErrorCode.NONODE)) return { children: [] as string[] };
      throw e;
    });
    await Promise.all(children.map((c) => visit(`${path}/${c}`, depth + 1)));
  };
  await visit(root, 0);
  return out;
}

function viewOf(nodes: readonly CachedNode[]): Map<string, string> {
  return new Map(nodes.map((n) => [n.path, `${text.decode(n.data)}@${n.stat.mzxid}`]));
}

/**
 * Replays a cache's events onto a map: if none is lost or invented, it ends equal to the cache's view.
 * Inconsistencies are collected in `violations` (an assertion thrown in a listener would be swallowed).
 */
function mirror(cache: CacheBase): { view: Map<string, string>; violations: string[] } {
  const view = new Map<string, string>();
  const violations: string[] = [];
  const key = (n: CachedNode): string => `${text.decode(n.data)}@${n.stat.mzxid}`;
  cache.on('added', (n) => {
    if (view.has(n.path)) violations.push(`added twice: ${n.path}`);
    view.set(n.path, key(n));
  });
  cache.on('updated', (n, prev) => {
    if (view.get(n.path) !== key(prev)) violations.push(`updated from a state never reported: ${n.path}`);
    if (key(n) === key(prev)) violations.push(`updated without a change: ${n.path}`);
    view.set(n.path, key(n));
  });
  cache.on('removed', (n) => {
    if (!view.delete(n.path)) violations.push(`removed without being added: ${n.path}`);
  });
  return { view, violations };
}

function assertMirrors(m: { view: Map<string, string>; violations: string[] }, cache: { current(): CachedNode[] }): void {
  assert.deepEqual(m.violations, []);
  assert.deepEqual(sorted(m.view), sorted(viewOf(cache.current())));
}

function sorted(m: Map<string, string>): Array<[string, string]> {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Waits until the cache settles on exactly what a fresh read shows. */
async function converged(cache: CacheBase & { current(): CachedNode[] }, reader: Client, maxDepth: number, includeRoot: boolean): Promise<void> {
  await until(async () => {
    await cache.settled();
    const fresh = await freshTree(reader, cache.path, maxDepth, includeRoot);
    return JSON.stringify(sorted(viewOf(cache.current()))) === JSON.stringify(sorted(fresh));
  }, { timeoutMs: WAIT_MS, message: `cache of ${cache.path} matching a fresh read` });
}

async function retrying<T>(op: () => Promise<T>, tolerate: readonly number[] = []): Promise<T | undefined> {
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if (e instanceof KeeperError && tolerate.includes(e.code)) return undefined;
      if (!(e instanceof KeeperError && (e.code === ErrorCode.CONNECTIONLOSS || e.code === ErrorCode.OPERATIONTIMEOUT))) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('properties format (unit)', () => {
  test('separators, comments, continuations and escapes', () => {
    const parsed = parseProperties([
      '# a comment',
      '! another',
      '',
      'a=1',
      '  b : two words ',
      'c three',
      'd=first \\',
      '    second',
      'e\\ key\\=x = \\tv\\u0041\\\\',
      'f',
      'g=trailing\\\\',
      'h=',
      'a=again',
    ].join('\n'));
    assert.deepEqual(parsed, { a: 'again', b: 'two words ', c: 'three', d: 'first second', 'e key=x': '\tvA\\', f: '', g: 'trailing\\', h: '' });
  });
  test('CRLF line ends and a continuation at end of text', () => {
    assert.deepEqual(parseProperties('x=1\r\ny=2\\'), { x: '1', y: '2' });
  });
  test('a malformed unicode escape is an error with its line', () => {
    assert.throws(() => parseProperties('ok=1\nbad=\\u12'), (e: unknown) => e instanceof PropertiesSyntaxError && e.line === 2);
  });
  test('stringify then parse gives the same strings back', () => {
    const values = { 'a key': ' lead', 'k:=#': 'v\nw', '#hash': '!bang', plain: 'x=y:z', n: '3' };
    assert.deepEqual(parseProperties(stringifyProperties(values)), values);
    assert.deepEqual(parseProperties(stringifyProperties({ port: 8080, on: true })), { port: '8080', on: 'true' });
  });
});

describe('caches, discovery, config, group membership', () => {
  let server: ServerProcess;
  const clients: Client[] = [];
  const proxies: TcpProxy[] = [];
  const connect = async (cs?: string, sessionTimeoutMs = 10_000): Promise<Client> => {
    const c = await Client.connect(cs ?? server.connectString, { sessionTimeoutMs, retry: { initialDelayMs: 20, maxDelayMs: 200 } });
    clients.push(c);
    return c;
  };
  const proxy = async (): Promise<TcpProxy> => {
    const p = await TcpProxy.start(server.port);
    proxies.push(p);
    return p;
  };
  const cutOff = async (p: TcpProxy, c: Client): Promise<void> => {
    const gone = new Promise<void>((resolve) => c.on('state', (s) => s !== 'connected' && resolve()));
    p.refuse(true);
    p.dropAll();
    await gone;
  };

  before(async () => {
    server = await ServerProcess.start({ tickTime: 100 });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const p of proxies) await p.close();
    await server?.stop();
    server?.removeDataDir();
  });

  test('NodeCache follows creation, updates and deletion', async () => {
    const w = await connect();
    const cache = new NodeCache(await connect(), '/nc');
    const seen: string[] = [];
    cache.on('added', (n) => seen.push(`added ${text.decode(n.data)}`));
    cache.on('updated', (n) => seen.push(`updated ${text.decode(n.data)}`));
    cache.on('removed', () => seen.push('removed'));
    await cache.start();
    assert.equal(cache.current(), undefined);
    await w.create('/nc', 'one');
    await until(() => cache.current() !== undefined, { message: 'created' });
    await w.setData('/nc', 'two');
    await until(() => cache.current() !== undefined && text.decode(cache.current()!.data) === 'two', { message: 'updated' });
    await w.delete('/nc');
    await until(() => cache.current() === undefined, { message: 'removed' });
    assert.deepEqual(seen, ['added one', 'updated two', 'removed']);
    cache.close();
  });

  test('TreeCache reports nested adds and removes, deepest first, within maxDepth', async () => {
    const w = await connect();
    await w.create('/tc', 'root');
    const cache = new TreeCache(await connect(), '/tc', { maxDepth: 3 });
    const log: string[] = [];
    cache.on('added', (n) => log.push(`+${n.path}`));
    cache.on('removed', (n) => log.push(`-${n.path}`));
    await cache.start();
    assert.deepEqual(log, ['+/tc']);
    log.length = 0;
    await w.create('/tc/a', '');
    await w.create('/tc/a/b', '');
    await w.create('/tc/a/b/c', 'deep');
    await w.create('/tc/a/b/c/too-deep', '');
    await until(() => cache.get('/tc/a/b/c') !== undefined, { message: 'nested add' });
    await converged(cache, w, 3, true);
    assert.deepEqual(log, ['+/tc/a', '+/tc/a/b', '+/tc/a/b/c']);
    assert.equal(cache.get('/tc/a/b/c/too-deep'), undefined);
    assert.deepEqual(cache.childNames('/tc/a'), ['b']);
    log.length = 0;
    await w.delete('/tc/a/b/c/too-deep');
    await w.multi([Op.delete('/tc/a/b/c'), Op.delete('/tc/a/b'), Op.delete('/tc/a')]);
    await until(() => cache.get('/tc/a') === undefined, { message: 'nested remove' });
    assert.deepEqual(log, ['-/tc/a/b/c', '-/tc/a/b', '-/tc/a']);
    await w.delete('/tc');
    await until(() => cache.current().length === 0, { message: 'root removed' });
    await w.create('/tc', 'again');
    await until(() => cache.get('/tc') !== undefined, { message: 'root re-created' });
    cache.close();
  });

  test('children and tree caches converge after a forced disconnect, with no lost or invented event', async () => {
    const w = await connect();
    await w.create('/conv', '');
    for (const name of ['a', 'b', 'c', 'd']) await w.create(`/conv/${name}`, `${name}0`);
    await w.create('/conv/a/x', 'x0');
    const p = await proxy();
    const cached = await connect(p.connectString);
    const children = new ChildrenCache(cached, '/conv');
    const tree = new TreeCache(cached, '/conv');
    const childMirror = mirror(children);
    const treeMirror = mirror(tree);
    await Promise.all([children.start(), tree.start()]);
    await converged(children, w, 1, false);
    await cutOff(p, cached);
    await w.setData('/conv/a', 'a1');
    await w.delete('/conv/b');
    await w.create('/conv/e', 'e0');
    await w.create('/conv/a/y', 'y0');
    await w.delete('/conv/a/x');
    await w.delete('/conv/c');
    await w.create('/conv/c', 'c-reborn');
    await w.setData('/conv/d', 'd1');
    await w.setData('/conv/d', 'd2');
    p.refuse(false);
    await converged(children, w, 1, false);
    await converged(tree, w, Infinity, true);
    assertMirrors(childMirror, children);
    assertMirrors(treeMirror, tree);
    assert.equal(text.decode(children.get('c')!.data), 'c-reborn');
    // And once more while changes keep coming during the reconnect.
    await cutOff(p, cached);
    const writes = (async () => {
      for (let i = 0; i < 20; i++) await w.setData('/conv/e', `e${i + 1}`);
      await w.create('/conv/f', 'f0');
    })();
    p.refuse(false);
    await writes;
    await converged(children, w, 1, false);
    await converged(tree, w, Infinity, true);
    assertMirrors(childMirror, children);
    assertMirrors(treeMirror, tree);
    children.close();
    tree.close();
  });

  test('discovery: register, query, watch, provider strategies', async () => {
    const a = await connect();
    const b = await connect();
    const da = new ServiceDiscovery(a, '/services');
    const db = new ServiceDiscovery(b, '/services');
    await da.registerService({ name: 'api', id: 'api-1', address: '10.0.0.1', port: 80, payload: { zone: 'x' } });
    await db.registerService({ name: 'api', id: 'api-2', address: '10.0.0.2', port: 80 });
    await db.registerService({ name: 'db', id: 'db-1', address: '10.0.0.9', port: 5432 });
    assert.deepEqual(await da.queryForNames(), ['api', 'db']);
    const apis = await db.queryForInstances('api');
    assert.deepEqual(apis.map((i) => [i.id, i.address, i.port]), [['api-1', '10.0.0.1', 80], ['api-2', '10.0.0.2', 80]]);
    assert.deepEqual(apis[0]!.payload, { zone: 'x' });

    const watcher = await connect();
    const dw = new ServiceDiscovery(watcher, '/services');
    const updates: string[][] = [];
    const watch = await dw.watchService('api', (list) => updates.push(list.map((i) => i.id)));
    assert.deepEqual(updates.at(-1), ['api-1', 'api-2']);

    const rr = new ServiceProvider(dw, 'api', { strategy: 'round-robin' });
    const sticky = new ServiceProvider(dw, 'api', { strategy: 'sticky' });
    const rnd = new ServiceProvider(dw, 'api', { strategy: new RandomStrategy(() => 0.99) });
    await Promise.all([rr.start(), sticky.start(), rnd.start()]);
    assert.deepEqual([1, 2, 3, 4].map(() => rr.getInstance()?.id), ['api-1', 'api-2', 'api-1', 'api-2']);
    assert.equal(rnd.getInstance()?.id, 'api-2');
    const first = sticky.getInstance()!.id;
    assert.deepEqual([1, 2, 3].map(() => sticky.getInstance()?.id), [first, first, first]);

    await da.registerService({ name: 'api', id: 'api-3', address: '10.0.0.3', port: 81 });
    await until(() => JSON.stringify(updates.at(-1)) === JSON.stringify(['api-1', 'api-2', 'api-3']), { message: 'watch sees api-3' });
    await (first === 'api-1' ? da : db).unregisterService({ name: 'api', id: first });
    await until(() => watch.current().every((i) => i.id !== first), { message: 'watch sees the sticky choice go' });
    // The provider keeps a cache of its own, updated by its own watch: wait for that one too.
    await until(() => sticky.getAllInstances().every((i) => i.id !== first), { message: 'the sticky provider sees its choice go' });
    const next = sticky.getInstance()!.id;
    assert.notEqual(next, first);
    assert.deepEqual([1, 2].map(() => sticky.getInstance()?.id), [next, next]);
    for (const pr of [rr, sticky, rnd]) pr.close();
    watch.close();
    await Promise.all([da.close(), db.close()]);
    assert.deepEqual(await dw.queryForInstances('api'), []);
  });

  test('discovery: an instance is re-created after deletion, vanishes at session expiry, comes back via reRegisterOn', async () => {
    const p = await proxy();
    const owner = await connect(p.connectString, 1_000);
    const other = await connect();
    const ownerStates: string[] = [];
    owner.on('state', (st) => ownerStates.push(st));
    const d = new ServiceDiscovery(owner, '/svc2');
    const errors: unknown[] = [];
    d.on('error', (e) => errors.push(e));
    const inst = await d.registerService({ name: 'worker', id: 'w1', address: 'h', port: 1 });
    const watched: string[][] = [];
    const observer = new ServiceDiscovery(other, '/svc2');
    const watch = await observer.watchService('worker', (list: ServiceInstance[]) => watched.push(list.map((i) => i.id)));
    assert.deepEqual(watch.current().map((i) => i.id), ['w1']);

    // Someone deletes it while the session lives: it is created again.
    const seenBefore = watched.length;
    await other.delete('/svc2/worker/w1');
    await until(async () => (await other.exists('/svc2/worker/w1'))?.ephemeralOwner === owner.sessionId, { message: 're-created' });
    // The observer saw it go and come back (so what it shows next is about the expiry below).
    await until(() => watched.slice(seenBefore).some((l) => l.length === 0) && JSON.stringify(watched.at(-1)) === '["w1"]', { message: 'observer saw the re-creation' });

    // Connection lost and session expired: the instance goes, observers see it go, the owner is told.
    await cutOff(p, owner);
    await until(() => watch.current().length === 0, { timeoutMs: WAIT_MS, message: 'observer sees the instance go' });
    assert.equal(await other.exists('/svc2/worker/w1'), null);
    assert.deepEqual(watched.at(-1), []);
    p.refuse(false);
    await until(() => errors.some((e) => KeeperError.is(e, ErrorCode.SESSIONEXPIRED)), { timeoutMs: WAIT_MS, message: 'owner told of expiry' }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; owner states ${ownerStates.join(',')}; errors ${errors.map(String).join(',')}`);
    });

    const fresh = await connect();
    await d.reRegisterOn(fresh);
    await until(() => watch.current().some((i) => i.id === inst.id), { message: 'instance back after reRegisterOn' });
    assert.equal((await other.exists('/svc2/worker/w1'))?.ephemeralOwner, fresh.sessionId);
    watch.close();
    await d.close();
  });

  test('discovery: with a client factory, an expired session\'s instances come back on their own', async () => {
    const p = await proxy();
    const owner = await connect(p.connectString, 1_000);
    const other = await connect();
    const made: Client[] = [];
    const d = new ServiceDiscovery(owner, '/svc3', {
      newClient: async () => {
        const c = await connect();
        made.push(c);
        return c;
      },
    });
    const renewed: Client[] = [];
    d.on('reRegistered', (c) => renewed.push(c));
    d.on('error', () => {});
    await d.registerService({ name: 'worker', id: 'w9', address: 'h', port: 9 });
    await cutOff(p, owner);
    // Let the session expire on the server before the owner may reconnect (and hear that it expired).
    await until(async () => (await other.exists('/svc3/worker/w9')) === null, { timeoutMs: WAIT_MS, message: 'instance gone with the session' });
    p.refuse(false);
    await until(() => renewed.length === 1, { timeoutMs: WAIT_MS, message: 're-registered through a new client' });
    assert.equal(made.length, 1);
    await until(async () => (await other.exists('/svc3/worker/w9'))?.ephemeralOwner === made[0]!.sessionId, { timeoutMs: WAIT_MS, message: 'instance back under the new session' });
    await d.close();
  });

  test('config handle: typed value, invalid update keeps the last good one, bounded history and rollback', async () => {
    interface Limits { rate: number; name: string }
    const validate = (raw: unknown): Limits => {
      const r = raw as Partial<Limits> | null;
      if (r === null || typeof r !== 'object' || typeof r.rate !== 'number' || r.rate < 0 || typeof r.name !== 'string') throw new TypeError('not a Limits');
      return { rate: r.rate, name: r.name };
    };
    const w = await connect();
    const writer = new ConfigHandle<Limits>(w, '/cfg/limits', { format: 'json', validate, historyMax: 3 });
    const reader = new ConfigHandle<Limits>(await connect(), '/cfg/limits', { format: 'json', validate });
    const changes: Array<[Limits, Limits | undefined]> = [];
    const invalid: string[] = [];
    reader.on('change', (v, prev) => changes.push([v, prev]));
    reader.on('invalid', (_e, raw) => invalid.push(raw));
    await Promise.all([writer.start(), reader.start()]);
    assert.equal(reader.value, undefined);

    await writer.set({ rate: 1, name: 'a' });
    await until(() => reader.value?.rate === 1, { message: 'first value' });
    assert.deepEqual(changes, [[{ rate: 1, name: 'a' }, undefined]]);
    await assert.rejects(writer.set({ rate: -1, name: 'bad' }), TypeError);

    // One at a time: a reader following one-shot watches may skip a version overwritten before it looked.
    await w.setData('/cfg/limits', '{"rate": "fast"}');
    await until(() => invalid.length === 1, { message: 'invalid update reported' });
    await w.setData('/cfg/limits', 'not json at all');
    await until(() => invalid.length === 2, { message: 'unparsable update reported' });
    assert.deepEqual(invalid, ['{"rate": "fast"}', 'not json at all']);
    assert.deepEqual(reader.value, { rate: 1, name: 'a' });
    assert.equal(changes.length, 1, 'no change event for invalid values');

    for (let rate = 2; rate <= 6; rate++) await writer.set({ rate, name: `v${rate}` });
    await until(() => reader.value?.rate === 6, { message: 'last set seen' });
    const [last, previous] = changes.at(-1)!;
    assert.deepEqual(last, { rate: 6, name: 'v6' });
    assert.ok(previous !== undefined && previous.rate >= 1 && previous.rate < 6, 'previous is an earlier good value');
    assert.ok(changes.every(([v]) => v.rate >= 0), 'only valid values reach change listeners');
    const history = await writer.history();
    assert.equal(history.length, 3);
    assert.deepEqual(history.map((h) => h.value?.rate), [5, 4, 3]);
    assert.ok(history[0]!.seq > history[1]!.seq);

    assert.deepEqual(await writer.rollback(2), { rate: 4, name: 'v4' });
    await until(() => reader.value?.rate === 4, { message: 'rollback seen' });
    assert.deepEqual((await writer.history()).map((h) => h.value?.rate), [6, 5, 4]);
    writer.close();
    reader.close();
  });

  test('config handle formats: yaml, properties and text', async () => {
    const c = await connect();
    const y = new ConfigHandle(c, '/cfg/y', { format: 'yaml', validate: (raw) => raw as { hosts: string[] } });
    await y.start();
    await y.set({ hosts: ['a', 'b'] });
    assert.match(text.decode((await c.getData('/cfg/y')).data), /hosts:\n\s+- a\n\s+- b/);
    await until(() => y.value?.hosts.length === 2, { message: 'yaml value' });
    const p = new ConfigHandle(c, '/cfg/p', { format: 'properties', validate: (raw) => raw as Record<string, string> });
    await p.start();
    await p.set({ 'log.level': 'debug', path: 'C:\\x' });
    await until(() => p.value?.['log.level'] === 'debug', { message: 'properties value' });
    assert.equal(p.value?.path, 'C:\\x');
    const t = new ConfigHandle(c, '/cfg/t', {
      format: 'text', validate: (raw) => {
        if (typeof raw !== 'string' || raw.length === 0) throw new Error('empty');
        return raw;
      },
    });
    await t.start();
    await t.set('hello');
    await until(() => t.value === 'hello', { message: 'text value' });
    for (const h of [y, p, t]) h.close();
  });

  test('group member is re-created after someone deletes it; members follow joins and leaves', async () => {
    const a = await connect();
    const b = await connect();
    const ma = new GroupMember(a, '/group', 'alpha', 'A');
    const mb = new GroupMember(b, '/group', 'beta', 'B');
    await ma.start();
    await mb.start();
    await until(() => ma.getCurrentMembers().size === 2, { message: 'both members seen' });
    assert.deepEqual([...ma.getCurrentMembers().keys()].sort(), ['alpha', 'beta']);
    assert.equal(text.decode(ma.getCurrentMembers().get('beta')!), 'B');

    await b.delete('/group/alpha');
    await until(async () => (await b.exists('/group/alpha'))?.ephemeralOwner === a.sessionId, { message: 'alpha re-created' });
    await mb.settled();
    await until(() => mb.getCurrentMembers().has('alpha'), { message: 'beta sees alpha back' });

    await ma.setThisData('A2');
    await until(() => text.decode(mb.getCurrentMembers().get('alpha') ?? new Uint8Array()) === 'A2', { message: 'data change seen' });
    await ma.close();
    await until(() => !mb.getCurrentMembers().has('alpha'), { message: 'alpha left' });
    assert.equal(await b.exists('/group/alpha'), null);
    await mb.close();
  });
});

describe('caches on a 3-server ensemble', () => {
  let ensemble: Ensemble | undefined;
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await ensemble?.removeAll();
  });

  test('a tree cache converges after the leader is killed mid-way', async () => {
    ensemble = await Ensemble.start({ size: 3, extraConfig: { maxSessionTimeout: '30000' } });
    const e = ensemble;
    const connect = async (): Promise<Client> => {
      const c = await Client.connect(e.connectString, { sessionTimeoutMs: 10_000, retry: { initialDelayMs: 20, maxDelayMs: 200 } });
      clients.push(c);
      return c;
    };
    const w = await connect();
    const cached = await connect();
    const states: string[] = [];
    cached.on('state', (st) => states.push(st));
    await w.create('/ens', '');
    const tree = new TreeCache(cached, '/ens');
    const treeMirror = mirror(tree);
    await tree.start();
    const leader = await e.waitForLeader();
    for (let i = 0; i < 10; i++) await w.create(`/ens/n${i}`, `v${i}`);
    await e.kill(leader);
    for (let i = 10; i < 20; i++) await retrying(() => w.create(`/ens/n${i}`, `v${i}`), [ErrorCode.NODEEXISTS]);
    for (let i = 0; i < 5; i++) await retrying(() => w.delete(`/ens/n${i}`), [ErrorCode.NONODE]);
    for (let i = 5; i < 10; i++) await retrying(() => w.setData(`/ens/n${i}`, `w${i}`));
    await retrying(() => w.create('/ens/n5/child', 'c'), [ErrorCode.NODEEXISTS]);
    await until(() => cached.state === 'connected', { timeoutMs: WAIT_MS, message: 'cache client reconnected' });
    await retrying(() => w.sync('/ens'));
    await until(async () => {
      await retrying(() => cached.sync('/ens'));
      await tree.settled();
      const fresh = await retrying(() => freshTree(cached, '/ens'));
      return fresh !== undefined && JSON.stringify(sorted(viewOf(tree.current()))) === JSON.stringify(sorted(fresh)) && fresh.size === 17;
    }, { timeoutMs: 30_000, message: 'tree cache matching a fresh read after failover' });
    assertMirrors(treeMirror, tree);
    assert.ok(states.includes('disconnected'), 'the cache client lost its connection');
    assert.ok(treeMirror.view.has('/ens/n5/child'));
    tree.close();
  });
});
