// Drives node-zookeeper-client (an optional dependency) through the proxy: one session, every op it can send.
import { createRequire } from 'node:module';
import { until } from '../../bench/launch/until.js';
import type { RecordedFrame, RecordingProxy } from './recording-proxy.js';

const PING_XID = -2;

type Callback = (err: Error | null, ...results: unknown[]) => void;
interface NzcTransaction {
  create(path: string, data?: Buffer): NzcTransaction;
  setData(path: string, data: Buffer, version?: number): NzcTransaction;
  check(path: string, version?: number): NzcTransaction;
  remove(path: string, version?: number): NzcTransaction;
  commit(cb: Callback): void;
}
interface NzcClient {
  connect(): void;
  close(): void;
  once(event: string, cb: () => void): void;
  getState(): { name: string };
  create(path: string, data: Buffer, acls: unknown[], mode: number, cb: Callback): void;
  remove(path: string, version: number, cb: Callback): void;
  exists(path: string, watcher: ((e: unknown) => void) | undefined, cb: Callback): void;
  getData(path: string, watcher: ((e: unknown) => void) | undefined, cb: Callback): void;
  setData(path: string, data: Buffer, version: number, cb: Callback): void;
  getACL(path: string, cb: Callback): void;
  setACL(path: string, acls: unknown[], version: number, cb: Callback): void;
  getChildren(path: string, watcher: ((e: unknown) => void) | undefined, cb: Callback): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  transaction(): NzcTransaction;
}
interface NzcModule {
  createClient(connect: string, options: { sessionTimeout: number; retries: number }): NzcClient;
  ACL: { OPEN_ACL_UNSAFE: unknown[] };
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number };
}

export function loadNzc(): { nzc: NzcModule; version: string } {
  const require = createRequire(import.meta.url);
  const nzc = require('node-zookeeper-client') as NzcModule;
  const version = (require('node-zookeeper-client/package.json') as { version: string }).version;
  return { nzc, version };
}

/** Calls fn with a node-style callback; resolves with the error (or null) so expected failures are recorded too. */
function call(fn: (cb: Callback) => void): Promise<Error | null> {
  return new Promise((resolve) => fn((err) => resolve(err)));
}

export async function driveNodeZookeeperClient(proxy: RecordingProxy): Promise<void> {
  const { nzc } = loadNzc();
  const open = nzc.ACL.OPEN_ACL_UNSAFE;
  const c = nzc.createClient(`127.0.0.1:${proxy.port}`, { sessionTimeout: 4000, retries: 0 });
  const connected = new Promise<void>((resolve) => c.once('connected', resolve));
  c.connect();
  await connected;
  let fired = false;
  await call((cb) => c.create('/n', Buffer.from('v0'), open, nzc.CreateMode.PERSISTENT, cb));
  await call((cb) => c.create('/n/seq-', Buffer.alloc(0), open, nzc.CreateMode.PERSISTENT_SEQUENTIAL, cb));
  await call((cb) => c.create('/n/eph', Buffer.from('e'), open, nzc.CreateMode.EPHEMERAL, cb));
  await call((cb) => c.exists('/n', undefined, cb));
  await call((cb) => c.exists('/n/missing', undefined, cb));
  await call((cb) => c.getData('/n', () => { fired = true; }, cb));
  await call((cb) => c.setData('/n', Buffer.from('v1'), 0, cb));
  await until(() => fired, { timeoutMs: 10_000, message: 'the data watch to fire' });
  await call((cb) => c.setData('/n', Buffer.from('v2'), 7, cb));
  await call((cb) => c.getData('/n/missing', undefined, cb));
  await call((cb) => c.getACL('/n', cb));
  await call((cb) => c.setACL('/n', open, -1, cb));
  await call((cb) => c.getChildren('/n', undefined, cb));
  await call((cb) => c.transaction().check('/n', 1).create('/n/t1', Buffer.from('t')).setData('/n/t1', Buffer.from('t2'), -1).remove('/n/t1', -1).commit(cb));
  await call((cb) => c.transaction().create('/n/t2', Buffer.from('t')).check('/n', 99).commit(cb));
  c.addAuthInfo('digest', Buffer.from('bob:secret'));
  await call((cb) => c.remove('/n/missing', -1, cb));
  // Watches that have not fired, so that the reconnect re-sends them (setWatches).
  await call((cb) => c.exists('/n/later', () => undefined, cb));
  await call((cb) => c.getChildren('/n', () => undefined, cb));
  const reconnected = new Promise<void>((resolve) => c.once('connected', resolve));
  proxy.dropAll();
  await reconnected;
  // Idle past a third of the session timeout, so that the client pings; then one more request.
  const isPing = (f: RecordedFrame): boolean => f.dir === 'response' && f.conn > 1 && f.body.byteLength >= 4 && new DataView(f.body.buffer, f.body.byteOffset).getInt32(0) === PING_XID;
  await until(() => proxy.frames.some(isPing), { timeoutMs: 20_000, message: 'a ping and its answer' });
  await call((cb) => c.remove('/n/eph', -1, cb));
  const closed = new Promise<void>((resolve) => c.once('disconnected', resolve));
  c.close();
  await closed;
}
