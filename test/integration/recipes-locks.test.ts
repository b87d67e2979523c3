// Lock recipes against real servers: many clients in contention on one mutex with a shared critical-section
// invariant and growing fencing tokens; a holder whose session expires loses the lock (and is told); reentrancy;
// timeouts and aborts leave no node behind; read–write lock, semaphore and multi-lock; and contention that
// carries on while an ensemble's leader is killed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ErrorCode, KeeperError } from '../../client/index.js';
import { FencingGate } from '../../client/recipes/fencing.js';
import type { LockLease } from '../../client/recipes/fencing.js';
import { Mutex } from '../../client/recipes/mutex.js';
import { MultiLock } from '../../client/recipes/multi-lock.js';
import { ReadWriteLock } from '../../client/recipes/read-write-lock.js';
import { Semaphore } from '../../client/recipes/semaphore.js';
import type { Lease } from '../../client/recipes/semaphore.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

const SESSION_MS = 10_000;
const DOOMED_SESSION_MS = 1_000;
const WAIT_MS = 30_000;
/** A hung recipe fails its suite instead of hanging the run. */
const SUITE_TIMEOUT_MS = 120_000;

const isCode = (code: ErrorCode) => (e: unknown): boolean => KeeperError.is(e, code);

function assertIncreasing(tokens: readonly number[]): void {
  for (let i = 1; i < tokens.length; i++) {
    assert.ok(tokens[i]! > tokens[i - 1]!, `fencing token ${i} (${tokens[i]}) not above ${tokens[i - 1]}`);
  }
}

/** Yields to the event loop so that other clients' callbacks run inside a critical section. */
const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('lock recipes on one server', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: ServerProcess;
  const clients: Client[] = [];
  const proxies: TcpProxy[] = [];

  const connect = async (cs = server.connectString, sessionTimeoutMs = SESSION_MS): Promise<Client> => {
    const c = await Client.connect(cs, { sessionTimeoutMs });
    clients.push(c);
    return c;
  };
  /** A client behind a proxy, with a short session: cut it off and its session expires on the server. */
  const doomedClient = async (): Promise<{ client: Client; proxy: TcpProxy }> => {
    const proxy = await TcpProxy.start(server.port);
    proxies.push(proxy);
    return { client: await connect(proxy.connectString, DOOMED_SESSION_MS), proxy };
  };
  /** Children of a path; a path never created counts as none. */
  const childCount = async (c: Client, path: string): Promise<number> => {
    try {
      return (await c.getChildren(path)).children.length;
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return 0;
      throw e;
    }
  };

  before(async () => {
    server = await ServerProcess.start({ tickTime: 100, args: ['--maxSessionTimeout', '30000'] });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const p of proxies) await p.close();
    await server?.stop();
    server?.removeDataDir();
  });

  test('20 clients x 50 acquisitions: one holder at a time, fencing tokens only grow', async () => {
    const workers = await Promise.all(Array.from({ length: 20 }, () => connect()));
    const lockPath = '/locks/contended';
    let inside = 0;
    let counter = 0;
    const tokens: number[] = [];
    await Promise.all(workers.map(async (client) => {
      const mutex = new Mutex(client, lockPath);
      for (let i = 0; i < 50; i++) {
        const lease = await mutex.acquire({ timeoutMs: WAIT_MS });
        try {
          inside++;
          assert.equal(inside, 1, 'two holders inside the critical section');
          tokens.push(lease.fencingToken);
          const seen = counter;
          await client.exists(lockPath);
          counter = seen + 1;
          inside--;
        } finally {
          await mutex.release();
        }
      }
    }));
    assert.equal(counter, 1000);
    assert.equal(tokens.length, 1000);
    assertIncreasing(tokens);
    assert.equal(await childCount(workers[0]!, lockPath), 0, 'every lock node deleted');
  });

  test("a holder whose session expires loses the lock: the next one gets it and the old one hears 'lost'", async () => {
    const { client: doomed, proxy } = await doomedClient();
    const other = await connect();
    const lockPath = '/locks/expiry';
    const doomedMutex = new Mutex(doomed, lockPath);
    const lost: KeeperError[] = [];
    doomedMutex.on('lost', (e) => lost.push(e));
    const first = await doomedMutex.acquire();
    const otherMutex = new Mutex(other, lockPath);
    const waiting = otherMutex.acquire({ timeoutMs: WAIT_MS });
    await until(async () => (await otherMutex.participants()).length === 2, { message: 'second contender queued' });
    assert.equal(otherMutex.isHeld, false);

    proxy.refuse(true);
    proxy.dropAll();
    const second = await waiting;
    assert.ok(second.fencingToken > first.fencingToken);
    const gate = new FencingGate();
    assert.ok(gate.admit(second.fencingToken));
    assert.equal(gate.admit(first.fencingToken), false, 'the storage refuses the stale holder');

    proxy.refuse(false);
    await until(() => lost.length === 1, { timeoutMs: WAIT_MS, message: "'lost' on the expired holder" });
    assert.equal(lost[0]!.code, ErrorCode.SESSIONEXPIRED);
    assert.equal(doomedMutex.isHeld, false);
    assert.equal(doomedMutex.holdCount, 0);
    await doomedMutex.release(); // idempotent: nothing held
    await otherMutex.release();
    assert.equal(await childCount(other, lockPath), 0);
  });

  test('reentrancy: the same Mutex counts up; others wait until the last release', async () => {
    const a = await connect();
    const b = await connect();
    const lockPath = '/locks/reentrant';
    const mutex = new Mutex(a, lockPath);
    const rival = new Mutex(b, lockPath);
    const first = await mutex.acquire();
    const again = await mutex.acquire();
    assert.deepEqual(again, first);
    assert.equal(mutex.holdCount, 2);
    assert.equal(await rival.tryAcquire(0), false);
    await mutex.release();
    assert.equal(mutex.isHeld, true);
    assert.equal(await rival.tryAcquire(0), false);
    await mutex.release();
    assert.equal(mutex.isHeld, false);
    await mutex.release(); // one too many: a no-op
    assert.equal(await rival.tryAcquire(0), true);
    await rival.release();

    // Two concurrent acquire calls on one object share one node.
    const [x, y] = await Promise.all([mutex.acquire(), mutex.acquire()]);
    assert.equal(x.nodePath, y.nodePath);
    assert.equal(mutex.holdCount, 2);
    assert.equal(await childCount(a, lockPath), 1);
    await mutex.release();
    await mutex.release();
    assert.equal(await childCount(a, lockPath), 0);
  });

  test('timeout and abort reject and leave no node behind', async () => {
    const a = await connect();
    const b = await connect();
    const lockPath = '/locks/give-up';
    const holder = new Mutex(a, lockPath);
    await holder.acquire();
    const waiter = new Mutex(b, lockPath);

    await assert.rejects(waiter.acquire({ timeoutMs: 200 }), isCode(ErrorCode.OPERATIONTIMEOUT));
    assert.equal(await childCount(a, lockPath), 1);
    assert.equal(await waiter.tryAcquire(100), false);
    assert.equal(await childCount(a, lockPath), 1);

    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const aborted = waiter.acquire({ signal: controller.signal });
    await until(async () => (await childCount(a, lockPath)) === 2, { message: 'waiter queued' });
    controller.abort(reason);
    await assert.rejects(aborted, (e: unknown) => e === reason);
    assert.equal(await childCount(a, lockPath), 1);

    await assert.rejects(waiter.acquire({ signal: AbortSignal.abort(reason) }), (e: unknown) => e === reason);
    await assert.rejects(waiter.acquire({ timeoutMs: -1 }), isCode(ErrorCode.BADARGUMENTS));
    assert.equal(await childCount(a, lockPath), 1);
    assert.equal(waiter.isHeld, false);

    await holder.release();
    assert.equal(await waiter.tryAcquire(0), true);
    await waiter.release();
    assert.equal(await childCount(a, lockPath), 0);
  });

  test('read-write lock: readers share, a writer excludes and waits its turn (fair)', async () => {
    const cs = await Promise.all(Array.from({ length: 5 }, () => connect()));
    const lockPath = '/locks/rw';
    const locks = cs.map((c) => new ReadWriteLock(c, lockPath));
    // Three readers hold it at once.
    await Promise.all(locks.slice(0, 3).map((l) => l.readLock().acquire({ timeoutMs: WAIT_MS })));
    assert.ok(locks.slice(0, 3).every((l) => l.readLock().isHeld));
    // A writer queues behind them; a reader arriving after the writer queues behind the writer.
    let writerHeld = false;
    const writer = locks[3]!.writeLock().acquire({ timeoutMs: WAIT_MS }).then((lease) => {
      writerHeld = true;
      return lease;
    });
    await until(async () => (await childCount(cs[0]!, lockPath)) === 4, { message: 'writer queued' });
    let lateReaderHeld = false;
    const lateReader = locks[4]!.readLock().acquire({ timeoutMs: WAIT_MS }).then(() => { lateReaderHeld = true; });
    await until(async () => (await childCount(cs[0]!, lockPath)) === 5, { message: 'late reader queued' });
    assert.equal(await locks[4]!.writeLock().tryAcquire(0), false);
    await locks[0]!.readLock().release();
    await locks[1]!.readLock().release();
    assert.equal(writerHeld, false);
    assert.equal(lateReaderHeld, false);
    await locks[2]!.readLock().release();
    const writeLease = await writer;
    assert.equal(lateReaderHeld, false, 'a reader behind a holding writer waits');
    assert.equal(await locks[0]!.readLock().tryAcquire(0), false);
    await locks[3]!.writeLock().release();
    await lateReader;
    assert.ok(locks[4]!.readLock().lease!.fencingToken > writeLease.fencingToken);
    await locks[4]!.readLock().release();

    // Mixed load: writers alone, readers never beside a writer.
    let readers = 0;
    let writers = 0;
    await Promise.all(locks.map(async (rw, i) => {
      for (let n = 0; n < 10; n++) {
        const write = (i + n) % 3 === 0;
        const lock = write ? rw.writeLock() : rw.readLock();
        await lock.acquire({ timeoutMs: WAIT_MS });
        try {
          if (write) writers++;
          else readers++;
          assert.ok(writers <= 1 && (writers === 0 || readers === 0), `readers ${readers}, writers ${writers}`);
          await yieldTurn();
          if (write) writers--;
          else readers--;
        } finally {
          await lock.release();
        }
      }
    }));
    assert.equal(await childCount(cs[0]!, lockPath), 0);
  });

  test('a write holder may take the read lock (downgrade)', async () => {
    const c = await connect();
    const rw = new ReadWriteLock(c, '/locks/downgrade');
    await rw.writeLock().acquire();
    assert.equal(await rw.readLock().tryAcquire(1_000), true);
    await rw.writeLock().release();
    const other = new ReadWriteLock(await connect(), '/locks/downgrade');
    assert.equal(await other.readLock().tryAcquire(1_000), true, 'readers share with the downgraded holder');
    assert.equal(await other.writeLock().tryAcquire(0), false);
    await other.readLock().release();
    await rw.readLock().release();
  });

  test('semaphore: never more than maxLeases held across 10 clients', async () => {
    const cs = await Promise.all(Array.from({ length: 10 }, () => connect()));
    const path = '/semaphores/pool';
    const maxLeases = 3;
    let held = 0;
    let peak = 0;
    await Promise.all(cs.map(async (c, i) => {
      const semaphore = new Semaphore(c, path, maxLeases);
      for (let n = 0; n < 8; n++) {
        const count = (i + n) % 4 === 0 ? 2 : 1;
        const leases = await semaphore.acquire(count, { timeoutMs: WAIT_MS });
        held += leases.length;
        peak = Math.max(peak, held);
        assert.ok(held <= maxLeases, `${held} leases held`);
        assert.ok((await semaphore.leaseNodes()).length <= maxLeases);
        held -= leases.length;
        await Promise.all(leases.map((l) => l.close()));
        await leases[0]!.close(); // idempotent
      }
    }));
    assert.ok(peak >= 2, `leases were shared (peak ${peak})`);
    const probe = new Semaphore(cs[0]!, path, maxLeases);
    assert.deepEqual(await probe.leaseNodes(), []);

    // Full: a timed-out acquisition leaves neither a lease nor a queue node.
    const all = await probe.acquire(maxLeases);
    await assert.rejects(new Semaphore(cs[1]!, path, maxLeases).acquire(1, { timeoutMs: 200 }), isCode(ErrorCode.OPERATIONTIMEOUT));
    assert.equal((await probe.leaseNodes()).length, maxLeases);
    assert.equal(await childCount(cs[0]!, `${path}/locks`), 0);
    await Promise.all(all.map((l) => l.close()));
  });

  test("a lease whose session dies is freed, and its holder hears 'lost'", async () => {
    const { client: doomed, proxy } = await doomedClient();
    const other = await connect();
    const path = '/semaphores/expiry';
    const doomedSemaphore = new Semaphore(doomed, path, 1);
    const lost: Lease[] = [];
    doomedSemaphore.on('lost', (lease) => lost.push(lease));
    const [lease] = await doomedSemaphore.acquire();
    const waiting = new Semaphore(other, path, 1).acquire(1, { timeoutMs: WAIT_MS });
    proxy.refuse(true);
    proxy.dropAll();
    const [next] = await waiting;
    assert.ok(next!.isValid);
    proxy.refuse(false);
    await until(() => lost.length === 1, { timeoutMs: WAIT_MS, message: "'lost' on the expired lease" });
    assert.equal(lost[0], lease);
    assert.equal(lease!.isValid, false);
    await next!.close();
  });

  test('multi-lock: all or nothing', async () => {
    const a = await connect();
    const b = await connect();
    const blocker = new Mutex(a, '/multi/b');
    await blocker.acquire();
    const multi = MultiLock.ofPaths(b, ['/multi/c', '/multi/a', '/multi/b']);
    assert.equal(await multi.tryAcquire(200), false);
    assert.equal(multi.isHeld, false);
    for (const p of ['/multi/a', '/multi/c']) assert.equal(await childCount(a, p), 0, `${p} released after failure`);
    assert.equal(await childCount(a, '/multi/b'), 1);

    await blocker.release();
    const leases: LockLease[] = await multi.acquire({ timeoutMs: WAIT_MS });
    assert.deepEqual(leases.map((l) => l.lockPath), ['/multi/a', '/multi/b', '/multi/c']);
    assert.equal(multi.isHeld, true);
    for (const p of ['/multi/a', '/multi/b', '/multi/c']) assert.equal(await new Mutex(a, p).tryAcquire(0), false);
    await multi.release();
    assert.equal(multi.isHeld, false);
    for (const p of ['/multi/a', '/multi/b', '/multi/c']) assert.equal(await childCount(a, p), 0);
  });
});

describe('lock recipes on a 3-server ensemble', { timeout: SUITE_TIMEOUT_MS }, () => {
  let ensemble: Ensemble | undefined;
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await ensemble?.removeAll();
  });

  test('contention carries on while the leader is killed, and the invariant holds', async () => {
    ensemble = await Ensemble.start({ size: 3, extraConfig: { maxSessionTimeout: '30000' } });
    const e = ensemble;
    const oldLeader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    // Half the clients start on the leader (servers tried in the listed order), so its death cuts them off.
    const leaderFirst = [e.server(oldLeader), ...e.servers.filter((s) => s.id !== oldLeader)].map((s) => `127.0.0.1:${s.clientPort}`).join(',');
    for (let i = 0; i < 6; i++) {
      const options = i < 3 ? { random: () => 0.999_999 } : {};
      clients.push(await Client.connect(i < 3 ? leaderFirst : e.connectString, { sessionTimeoutMs: SESSION_MS, connectTimeoutMs: WAIT_MS, ...options }));
    }
    assert.deepEqual(clients.slice(0, 3).map((c) => c.serverId), [oldLeader, oldLeader, oldLeader]);
    const lockPath = '/locks/failover';
    let inside = 0;
    let counter = 0;
    let stop = false;
    let killed = false;
    const tokens: number[] = [];
    const afterKill = clients.map(() => 0);
    const loads = clients.map(async (client, i) => {
      const mutex = new Mutex(client, lockPath);
      while (!stop) {
        const lease = await mutex.acquire({ timeoutMs: WAIT_MS });
        try {
          inside++;
          assert.equal(inside, 1, 'two holders inside the critical section');
          tokens.push(lease.fencingToken);
          if (killed) afterKill[i]!++;
          const seen = counter;
          await yieldTurn();
          counter = seen + 1;
          inside--;
        } finally {
          await mutex.release();
        }
      }
    });
    const failed = Promise.all(loads).then(() => undefined);
    await Promise.race([failed, until(() => counter >= 100, { timeoutMs: WAIT_MS, message: '100 acquisitions before the kill' })]);
    const beforeKill = counter;
    killed = true;
    await e.kill(oldLeader);
    await e.waitForLeader({ timeoutMs: WAIT_MS, exclude: [oldLeader] });
    await Promise.race([failed, until(() => counter >= beforeKill + 200 && afterKill.every((n) => n > 0), { timeoutMs: WAIT_MS, message: 'every client acquiring after the kill' })]);
    stop = true;
    await Promise.all(loads);
    assert.ok(clients.slice(0, 3).every((c) => c.serverId !== oldLeader), 'the leader\'s clients moved to another server');
    assert.equal(tokens.length, counter);
    assertIncreasing(tokens);
  });
});
