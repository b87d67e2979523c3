// Coordination recipes against real servers: leader latch and selector (with a leader's session expired
// through a TcpProxy), barriers, queues with consumers that come and go, counters under contention, and a
// leader latch on a 3-server ensemble whose ZooKeeper leader is killed mid-way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ErrorCode, KeeperError } from '../../client/index.js';
import { LeaderLatch } from '../../client/recipes/leader-latch.js';
import { LeaderSelector } from '../../client/recipes/leader-selector.js';
import { Barrier } from '../../client/recipes/barrier.js';
import { DoubleBarrier } from '../../client/recipes/double-barrier.js';
import { DistributedQueue } from '../../client/recipes/queue.js';
import { PriorityQueue } from '../../client/recipes/priority-queue.js';
import { DelayQueue } from '../../client/recipes/delay-queue.js';
import { DistributedAtomicLong } from '../../client/recipes/atomic-long.js';
import { SharedCount } from '../../client/recipes/shared-counter.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

const WAIT_MS = 30_000;
const text = new TextDecoder();
const isCode = (code: number) => (e: unknown): boolean => e instanceof KeeperError && e.code === code;

/** Fails the test (at its end) if a check inside a callback ever failed. */
class Violations {
  readonly list: string[] = [];
  check(ok: boolean, what: string): void {
    if (!ok) this.list.push(what);
  }
}

describe('coordination recipes', () => {
  let server: ServerProcess;
  const clients: Client[] = [];
  const proxies: TcpProxy[] = [];

  const connect = async (cs = server.connectString, sessionTimeoutMs = 10_000): Promise<Client> => {
    const c = await Client.connect(cs, { sessionTimeoutMs });
    clients.push(c);
    return c;
  };
  const connectMany = (n: number): Promise<Client[]> => Promise.all(Array.from({ length: n }, () => connect()));
  /** A client behind a proxy with a short session: cutting the proxy expires it. */
  const doomedClient = async (): Promise<{ client: Client; proxy: TcpProxy }> => {
    const proxy = await TcpProxy.start(server.port);
    proxies.push(proxy);
    return { client: await connect(proxy.connectString, 1_000), proxy };
  };

  before(async () => {
    server = await ServerProcess.start({ tickTime: 100 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    for (const p of proxies) await p.close();
    await server?.stop();
    server?.removeDataDir();
  });

  test('leader latch: 10 participants, exactly one leader at a time, growing fencing tokens', async () => {
    const violations = new Violations();
    const leaders = new Set<string>();
    const latches = (await connectMany(10)).map((c, i) => new LeaderLatch(c, '/latch/ten', { id: `p${i}` }));
    for (const latch of latches) {
      latch.on('isLeader', () => {
        violations.check(leaders.size === 0, `${latch.id} leads while ${[...leaders].join(',')} also lead`);
        leaders.add(latch.id);
      });
      latch.on('notLeader', () => leaders.delete(latch.id));
    }
    await Promise.all(latches.map((l) => l.start()));
    assert.equal(latches.filter((l) => l.isLeader).length, 1);
    const participants = await latches[0]!.getParticipants();
    assert.equal(participants.length, 10);
    assert.equal(participants.filter((p) => p.isLeader).length, 1);
    const first = latches.find((l) => l.isLeader)!;
    assert.equal((await first.getLeader())?.id, first.id);
    const waiter = latches.find((l) => !l.isLeader)!;
    await assert.rejects(waiter.await({ timeoutMs: 100 }), isCode(ErrorCode.OPERATIONTIMEOUT));

    const tokens: number[] = [];
    let open = [...latches];
    while (open.length > 0) {
      const leader = await until(() => open.find((l) => l.isLeader), { timeoutMs: WAIT_MS, message: 'a leader' });
      assert.equal(open.filter((l) => l.isLeader).length, 1);
      tokens.push(leader.fencingToken!);
      await leader.close();
      assert.equal(leader.isLeader, false);
      open = open.filter((l) => l !== leader);
    }
    assert.deepEqual(violations.list, []);
    assert.equal(tokens.length, 10);
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, `fencing tokens grow: ${tokens.join(',')}`);
  });

  test("leader latch: the leader's session expires, another leads, the old one hears notLeader", async () => {
    const { client: doomedC, proxy } = await doomedClient();
    const doomed = new LeaderLatch(doomedC, '/latch/expiry', { id: 'doomed' });
    const heard: string[] = [];
    doomed.on('isLeader', () => heard.push('isLeader'));
    doomed.on('notLeader', () => heard.push('notLeader'));
    doomed.on('expired', () => heard.push('expired'));
    doomed.on('error', () => undefined);
    await doomed.start();
    assert.equal(doomed.isLeader, true);
    const oldToken = doomed.fencingToken!;
    const others = (await connectMany(3)).map((c, i) => new LeaderLatch(c, '/latch/expiry', { id: `o${i}` }));
    await Promise.all(others.map((l) => l.start()));
    assert.equal(others.some((l) => l.isLeader), false);
    const awaited = others[0]!.await({ timeoutMs: WAIT_MS });

    proxy.refuse(true);
    proxy.dropAll();
    await awaited;
    const next = await until(() => others.find((l) => l.isLeader), { timeoutMs: WAIT_MS, message: 'a new leader' });
    assert.equal(next, others[0]);
    assert.ok(next.fencingToken! > oldToken);
    assert.equal((await next.getLeader())?.id, 'o0');
    proxy.refuse(false);
    await until(() => heard.includes('expired'), { timeoutMs: WAIT_MS, message: 'the expired latch is told' });
    assert.deepEqual(heard, ['isLeader', 'notLeader', 'expired']);
    assert.equal(doomed.isLeader, false);
    await assert.rejects(doomed.await({ timeoutMs: 1_000 }), isCode(ErrorCode.SESSIONEXPIRED));
    await Promise.all(others.map((l) => l.close()));
  });

  test('leader latch: a leader that loses its connection says notLeader at once, and leads again once reconnected', async () => {
    const proxy = await TcpProxy.start(server.port);
    proxies.push(proxy);
    const flaky = new LeaderLatch(await connect(proxy.connectString, 10_000), '/latch/disconnect', { id: 'flaky' });
    const heard: string[] = [];
    flaky.on('isLeader', () => heard.push('isLeader'));
    flaky.on('notLeader', () => heard.push('notLeader'));
    await flaky.start();
    const token = flaky.fencingToken;
    const other = new LeaderLatch(await connect(), '/latch/disconnect', { id: 'other' });
    await other.start();

    proxy.refuse(true);
    proxy.dropAll();
    // Until it reconnects it cannot know that its session lives on: it must not go on as leader.
    await until(() => heard.includes('notLeader'), { timeoutMs: WAIT_MS, message: 'notLeader on the lost connection' });
    assert.equal(flaky.isLeader, false);
    assert.equal(other.isLeader, false, 'the session lives on, and so does the leader\'s node');
    proxy.refuse(false);
    await until(() => flaky.isLeader || undefined, { timeoutMs: WAIT_MS, message: 'leads again once reconnected' });
    assert.deepEqual(heard, ['isLeader', 'notLeader', 'isLeader']);
    assert.equal(flaky.fencingToken, token, 'the same node leads again');
    await Promise.all([flaky.close(), other.close()]);
  });

  test('leader selector: leadership handed over as callbacks return; autoRequeue takes turns', async () => {
    const violations = new Violations();
    let active = 0;
    const order: string[] = [];
    const tokens: number[] = [];
    const selectors = (await connectMany(3)).map((c, i) => {
      const selector: LeaderSelector = new LeaderSelector(c, '/selector/turns', async () => {
        violations.check(active === 0, `${selector.id} leads while another does`);
        active++;
        order.push(selector.id);
        tokens.push(selector.fencingToken!);
        // Work that yields to the event loop a few times: the others must stay out meanwhile.
        for (let k = 0; k < 5; k++) await c.exists('/selector/turns');
        active--;
      }, { id: `s${i}`, autoRequeue: true });
      return selector;
    });
    for (const s of selectors) s.start();
    await until(() => order.length >= 12, { timeoutMs: WAIT_MS, message: '12 turns' });
    await Promise.all(selectors.map((s) => s.close()));
    assert.deepEqual(violations.list, []);
    for (const s of selectors) assert.ok(order.filter((id) => id === s.id).length >= 3, `each leads several times: ${order.join(',')}`);
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, 'fencing tokens grow');
    assert.deepEqual((await (await connect()).getChildren('/selector/turns')).children, [], 'every participant node is gone');
  });

  test("leader selector: the leader's session expires, its callback is aborted and another leads", async () => {
    const { client: doomedC, proxy } = await doomedClient();
    let abortedWith: unknown;
    const doomed = new LeaderSelector(doomedC, '/selector/expiry', (signal) => new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => {
        abortedWith = signal.reason;
        resolve();
      });
    }), { id: 'doomed' });
    const expired: unknown[] = [];
    doomed.on('expired', (e) => expired.push(e));
    doomed.on('error', () => undefined);
    doomed.start();
    await until(() => doomed.hasLeadership, { timeoutMs: WAIT_MS, message: 'doomed leads' });
    let successorRan = false;
    const successor = new LeaderSelector(await connect(), '/selector/expiry', async () => {
      successorRan = true;
    }, { id: 'next' });
    successor.start();
    assert.equal(successorRan, false);
    proxy.refuse(true);
    proxy.dropAll();
    await until(() => successorRan, { timeoutMs: WAIT_MS, message: 'the successor leads' });
    proxy.refuse(false);
    await until(() => expired.length === 1, { timeoutMs: WAIT_MS, message: 'expiry reported' });
    assert.ok(isCode(ErrorCode.SESSIONEXPIRED)(abortedWith), 'the callback was aborted by the session end');
    assert.equal(doomed.hasLeadership, false);
    await Promise.all([doomed.close(), successor.close()]);
  });

  test('barrier: waiters are held until the barrier is removed', async () => {
    const [setter, ...waiters] = await connectMany(4);
    const barrier = new Barrier(setter!, '/barriers/b1');
    await barrier.setBarrier();
    await barrier.setBarrier();
    await assert.rejects(new Barrier(waiters[0]!, '/barriers/b1').waitOnBarrier({ timeoutMs: 100 }), isCode(ErrorCode.OPERATIONTIMEOUT));
    let released = 0;
    const waiting = waiters.map((c) => new Barrier(c, '/barriers/b1').waitOnBarrier({ timeoutMs: WAIT_MS }).then(() => released++));
    assert.equal(released, 0);
    await barrier.removeBarrier();
    await Promise.all(waiting);
    assert.equal(released, 3);
    await barrier.removeBarrier();
    await new Barrier(waiters[0]!, '/barriers/b1').waitOnBarrier({ timeoutMs: 100 });
  });

  test('double barrier: 5 members enter together and leave together', async () => {
    const path = '/barriers/double';
    const observer = await connect();
    const members = (await connectMany(5)).map((c, i) => new DoubleBarrier(c, path, 5, { id: `m${i}` }));
    const memberNodes = async (): Promise<string[]> => (await observer.getChildren(path).catch(() => ({ children: [] as string[] }))).children.filter((n) => n !== 'ready');
    const entered = new Set<string>();
    const entering = members.slice(0, 4).map((m) => m.enter({ timeoutMs: WAIT_MS }).then(() => entered.add(m.id)));
    await until(async () => (await memberNodes()).length === 4, { timeoutMs: WAIT_MS, message: '4 members in' });
    assert.equal(entered.size, 0, 'nobody enters before the fifth');
    await members[4]!.enter({ timeoutMs: WAIT_MS });
    await Promise.all(entering);
    assert.equal(entered.size, 4);

    const left = new Set<string>();
    const leaving = members.slice(0, 4).map((m) => m.leave({ timeoutMs: WAIT_MS }).then(() => left.add(m.id)));
    await until(async () => (await memberNodes()).length <= 2, { timeoutMs: WAIT_MS, message: 'the leavers step out' });
    assert.ok((await memberNodes()).includes('m4'));
    assert.equal(left.size, 0, 'nobody leaves before the fifth');
    await members[4]!.leave({ timeoutMs: WAIT_MS });
    await Promise.all(leaving);
    assert.equal(left.size, 4);
    assert.deepEqual((await observer.getChildren(path)).children, []);
  });

  test('queue: 5 producers x 200 items, consumers that come and go, every item taken exactly once', async () => {
    const path = '/queues/fifo';
    const producers = await connectMany(5);
    const acked = new Set<string>();
    const taken: string[] = [];
    const putting = producers.map(async (c, p) => {
      const q = new DistributedQueue(c, path);
      for (let i = 0; i < 200; i++) {
        const item = `p${p}-${i}`;
        await q.put(item);
        acked.add(item);
      }
    });
    // A consumer takes a few items, then goes away mid-way (its take aborted, its client closed); one
    // consumer slot goes through a proxy whose links are cut now and then, so that some claims are
    // answered only after a reconnect.
    const active = new Set<AbortController>();
    const consumer = async (quota: number, via: string, cut: (() => void) | undefined): Promise<void> => {
      const c = await Client.connect(via, { sessionTimeoutMs: 10_000 });
      if (cut !== undefined) cutDuringClaims(c, cut);
      const q = new DistributedQueue(c, path);
      const stop = new AbortController();
      active.add(stop);
      try {
        for (let n = 0; n < quota && !stop.signal.aborted; n++) {
          const take = q.take({ signal: stop.signal });
          if (n === quota - 1) stop.abort(new Error('consumer leaves'));
          const item = await take.catch((e: unknown) => (stop.signal.aborted ? undefined : Promise.reject(e)));
          if (item === undefined) continue;
          taken.push(text.decode(item));
          if (taken.length >= 1000) for (const a of active) a.abort(new Error('all taken'));
        }
      } finally {
        active.delete(stop);
        await c.close();
      }
    };
    // Every few claims (a multi), the link is cut right after it is sent: its answer is lost, and the
    // claim may or may not have happened on the server.
    let claimsCut = 0;
    const cutDuringClaims = (c: Client, cut: () => void): void => {
      const multi = c.multi.bind(c);
      let sent = 0;
      c.multi = (ops) => {
        const answer = multi(ops);
        if (++sent % 6 === 0) {
          claimsCut++;
          if (sent % 12 === 0) cut();
          else setImmediate(cut);
        }
        return answer;
      };
    };
    const cutter = await TcpProxy.start(server.port);
    proxies.push(cutter);
    const consuming = Array.from({ length: 5 }, async (_, slot) => {
      for (let round = 0; taken.length < 1000; round++) {
        const quota = 40 + ((slot * 37 + round * 11) % 60);
        if (slot === 0) await consumer(quota, cutter.connectString, () => cutter.dropAll());
        else await consumer(quota, server.connectString, undefined);
      }
    });
    await Promise.all(putting);
    await Promise.all(consuming);
    assert.ok(claimsCut >= 3, `claims whose answer was lost: ${claimsCut}`);
    assert.equal(acked.size, 1000);
    assert.equal(new Set(taken).size, taken.length, 'no item taken twice');
    assert.deepEqual([...taken].sort(), [...acked].sort());
    const observer = await connect();
    assert.equal(await new DistributedQueue(observer, path).size(), 0);
    assert.deepEqual((await observer.getChildren(`${path}/claims`)).children, []);
  });

  test('priority queue and delay queue deliver in order', async () => {
    const c = await connect();
    const pq = new PriorityQueue(c, '/queues/priority');
    for (const [item, priority] of [['five-a', 5], ['minus-one', -1], ['three', 3], ['five-b', 5], ['zero', 0]] as const) await pq.put(item, priority);
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push(text.decode(await pq.take({ timeoutMs: WAIT_MS })));
    assert.deepEqual(got, ['minus-one', 'zero', 'three', 'five-a', 'five-b']);
    await assert.rejects(pq.take({ timeoutMs: 100 }), isCode(ErrorCode.OPERATIONTIMEOUT));

    const dq = new DelayQueue(c, '/queues/delay');
    const now = Date.now();
    const due = { late: now + 600, soon: now + 300, now };
    await dq.put('late', due.late);
    await dq.put('soon', due.soon);
    await dq.put('now', due.now);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const item = text.decode(await dq.take({ timeoutMs: WAIT_MS }));
      assert.ok(Date.now() >= due[item as keyof typeof due], `${item} not taken before it is due`);
      order.push(item);
    }
    assert.deepEqual(order, ['now', 'soon', 'late']);
  });

  test('atomic long: 10 clients x 100 increments = 1000; compareAndSet; shared count', async () => {
    const path = '/counters/long';
    const counters = (await connectMany(10)).map((c) => new DistributedAtomicLong(c, path));
    const results = await Promise.all(counters.map(async (counter) => {
      let ok = 0;
      for (let i = 0; i < 100; i++) if ((await counter.increment()).succeeded) ok++;
      return ok;
    }));
    assert.deepEqual(results, Array(10).fill(100));
    assert.equal((await counters[0]!.get()).postValue, 1000);
    assert.deepEqual(await counters[1]!.compareAndSet(999, 5), { succeeded: false, preValue: 1000, postValue: 1000 });
    assert.deepEqual(await counters[1]!.compareAndSet(1000, 5), { succeeded: true, preValue: 1000, postValue: 5 });
    assert.deepEqual(await counters[2]!.decrement(), { succeeded: true, preValue: 5, postValue: 4 });
    assert.deepEqual(await counters[2]!.add(-10), { succeeded: true, preValue: 4, postValue: -6 });

    const [a, b] = await connectMany(2);
    const countA = new SharedCount(a!, '/counters/shared', 7);
    const countB = new SharedCount(b!, '/counters/shared', 99);
    await countA.start();
    await countB.start();
    assert.equal(countB.getCount(), 7, 'the first seed wins');
    const seenByB: number[] = [];
    countB.on('changed', (v) => seenByB.push(v));
    const stale = countB.getVersionedValue();
    assert.equal(await countA.trySetCount(countA.getVersionedValue(), 8), true);
    assert.equal(await countB.trySetCount(stale, 100), false, 'a write over a stale version fails');
    await until(() => countB.getCount() === 8, { timeoutMs: WAIT_MS, message: 'B sees A\'s write' });
    await countB.setCount(20);
    await until(() => countA.getCount() === 20, { timeoutMs: WAIT_MS, message: 'A sees B\'s write' });
    assert.deepEqual(seenByB, [8, 20]);
    countA.close();
    countB.close();
  });
});

describe('coordination recipes on a 3-server ensemble', () => {
  let ensemble: Ensemble | undefined;
  const clients: Client[] = [];
  before(async () => {
    ensemble = await Ensemble.start({ size: 3, extraConfig: { maxSessionTimeout: '30000' } });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await ensemble?.removeAll();
  });

  test('leader latch keeps one leader while the ensemble leader is killed mid-way', async () => {
    const e = ensemble!;
    const zkLeader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    for (let i = 0; i < 5; i++) clients.push(await Client.connect(e.connectString, { sessionTimeoutMs: 10_000 }));
    const violations = new Violations();
    const leaders = new Set<string>();
    const latches = clients.map((c, i) => new LeaderLatch(c, '/ens/latch', { id: `e${i}` }));
    for (const latch of latches) {
      latch.on('isLeader', () => {
        violations.check(leaders.size === 0, `${latch.id} leads while ${[...leaders].join(',')} also lead`);
        leaders.add(latch.id);
      });
      latch.on('notLeader', () => leaders.delete(latch.id));
    }
    await Promise.all(latches.map((l) => l.start()));
    const tokens: number[] = [];
    let open = [...latches];
    const handOver = async (): Promise<void> => {
      const leader = await until(() => open.find((l) => l.isLeader), { timeoutMs: WAIT_MS, message: 'a latch leader' });
      tokens.push(leader.fencingToken!);
      await leader.close();
      open = open.filter((l) => l !== leader);
    };
    await handOver();
    await handOver();
    await e.kill(zkLeader);
    await e.waitForLeader({ timeoutMs: WAIT_MS, exclude: [zkLeader] });
    await handOver();
    await handOver();
    await handOver();
    assert.deepEqual(violations.list, []);
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, `fencing tokens grow: ${tokens.join(',')}`);
    assert.equal(open.length, 0);
    // Back to three servers, so that the next test can kill a leader again.
    await e.restart(zkLeader);
  });

  test('queue on the ensemble: every item taken exactly once while the ensemble leader is killed mid-way', async () => {
    const e = ensemble!;
    const zkLeader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    const connectEnsemble = async (): Promise<Client> => {
      const c = await Client.connect(e.connectString, { sessionTimeoutMs: 10_000 });
      clients.push(c);
      return c;
    };
    const path = '/ens/queue';
    const acked: string[] = [];
    const taken: string[] = [];
    const putting = [0, 1].map(async (p) => {
      const q = new DistributedQueue(await connectEnsemble(), path);
      for (let i = 0; i < 150; i++) {
        await q.put(`p${p}-${i}`);
        acked.push(`p${p}-${i}`);
      }
    });
    const stop = new AbortController();
    const consuming = [0, 1, 2].map(async () => {
      const q = new DistributedQueue(await connectEnsemble(), path);
      while (taken.length < 300) {
        const item = await q.take({ signal: stop.signal }).catch((err: unknown) => (stop.signal.aborted ? undefined : Promise.reject(err)));
        if (item === undefined) return;
        taken.push(text.decode(item));
        if (taken.length >= 300) stop.abort(new Error('all taken'));
      }
    });
    await until(() => taken.length >= 60, { timeoutMs: WAIT_MS, message: '60 items before the kill' });
    await e.kill(zkLeader);
    await e.waitForLeader({ timeoutMs: WAIT_MS, exclude: [zkLeader] });
    await Promise.all(putting);
    await Promise.all(consuming);
    assert.equal(acked.length, 300);
    assert.equal(new Set(taken).size, taken.length, 'no item taken twice');
    assert.deepEqual([...taken].sort(), [...acked].sort());
  });
});
