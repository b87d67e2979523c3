// canopy-bench's coordination of client processes (barriers, reports, failures) and the closed loop
// each client runs (op budget, errors, a server that stops answering), without servers or processes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientGroup } from '../../bench/clients/client-group.js';
import type { ClientEndpoint } from '../../bench/clients/client-group.js';
import type { ToClient } from '../../bench/clients/messages.js';
import { asFromClient } from '../../bench/clients/messages.js';
import { LatencyHistogram } from '../../bench/histogram.js';
import { runOpLoop } from '../../bench/workloads/op-loop.js';
import { shareOf } from '../../bench/workloads/sessions-pool.js';

function group(size: number): { group: ClientGroup; sent: ToClient[][]; stopped: boolean[] } {
  const g = new ClientGroup(size);
  const sent: ToClient[][] = Array.from({ length: size }, () => []);
  const stopped = new Array<boolean>(size).fill(false);
  const endpoints: ClientEndpoint[] = sent.map((box, i) => ({ send: (m) => box.push(m), stop: () => { stopped[i] = true; } }));
  g.attach(endpoints);
  return { group: g, sent, stopped };
}

const report = (ops: number) => ({ ops, errors: 0, histogram: LatencyHistogram.empty().encode(), extra: {} });

describe('ClientGroup', () => {
  test('a barrier resolves only once every process has arrived, whichever arrives first', async () => {
    const { group: g } = group(3);
    g.clientOnMessage(2, { type: 'arrive', name: 'start', payload: { x: 2 } });
    g.clientOnMessage(1, { type: 'arrive', name: 'start', payload: { x: 1 } });
    let resolved = false;
    const all = g.arrived('start').then((p) => {
      resolved = true;
      return p;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(resolved, false, 'process 0 has not arrived');
    g.clientOnMessage(0, { type: 'arrive', name: 'start', payload: { x: 0 } });
    assert.deepEqual(await all, [{ x: 0 }, { x: 1 }, { x: 2 }]);
  });

  test('arrivals before the coordinator waits are kept; a late first process is not counted early', async () => {
    const { group: g } = group(2);
    g.clientOnMessage(1, { type: 'arrive', name: 'fired:0', payload: { lastAtMs: 5 } });
    const waiting = g.arrived('fired:0');
    g.clientOnMessage(0, { type: 'arrive', name: 'fired:0', payload: { lastAtMs: 4 } });
    assert.deepEqual(await waiting, [{ lastAtMs: 4 }, { lastAtMs: 5 }]);
    g.clientOnMessage(0, { type: 'arrive', name: 'later', payload: {} });
    g.clientOnMessage(1, { type: 'arrive', name: 'later', payload: {} });
    assert.deepEqual(await g.arrived('later'), [{}, {}]);
  });

  test('release goes to every process; reports come back in process order', async () => {
    const { group: g, sent } = group(2);
    g.release('measure', { sentAtMs: 7 });
    assert.deepEqual(sent.map((box) => box[0]), [0, 1].map(() => ({ type: 'release', name: 'measure', payload: { sentAtMs: 7 } })));
    g.clientOnMessage(1, { type: 'report', report: report(20) });
    g.clientOnMessage(0, { type: 'report', report: report(10) });
    assert.deepEqual((await g.finished()).map((r) => r.ops), [10, 20]);
  });

  test('a process that fails or dies before reporting fails every wait and stops the others', async () => {
    const { group: g, stopped } = group(2);
    const waiting = g.arrived('start');
    g.clientOnMessage(1, { type: 'failed', message: 'could not open 5 sessions' });
    await assert.rejects(waiting, /client process 2 failed: could not open 5 sessions/);
    await assert.rejects(g.finished(), /client process 2 failed/);
    assert.deepEqual(stopped, [true, true]);
    const other = group(1).group;
    other.clientOnExit(0, 'signal SIGKILL');
    await assert.rejects(other.finished(), /exited \(signal SIGKILL\) before reporting/);
  });

  test('messages of the wrong shape are recognised as such', () => {
    assert.equal(asFromClient({ type: 'arrive', name: 'x', payload: { a: 'no' } }), undefined);
    assert.equal(asFromClient({ type: 'report', report: { ops: -1, errors: 0, histogram: '', extra: {} } }), undefined);
    assert.equal(asFromClient({ type: 'progress', done: 1.5 }), undefined);
    assert.equal(asFromClient('arrive'), undefined);
    assert.deepEqual(asFromClient({ type: 'progress', done: 3 }), { type: 'progress', done: 3 });
  });
});

describe('runOpLoop', () => {
  const limits = { opsMax: Infinity, endAtMs: Infinity, stallMs: 60_000 };

  test('runs exactly the op budget over the lanes and records every successful op', async () => {
    const lanesSeen = new Set<number>();
    const histogram = LatencyHistogram.empty();
    const outcome = await runOpLoop(4, async (lane) => { lanesSeen.add(lane); }, { ...limits, opsMax: 103 }, histogram, () => undefined);
    assert.deepEqual(outcome, { ops: 103, errors: 0 });
    assert.equal(histogram.count, 103);
    assert.deepEqual([...lanesSeen].sort(), [0, 1, 2, 3]);
  });

  test('failed ops are counted as errors, with the first one kept as a sample, and not recorded', async () => {
    const histogram = LatencyHistogram.empty();
    let progress = 0;
    const outcome = await runOpLoop(2, async (_lane, n) => {
      if (n % 3 === 0) throw new Error(`no node ${n}`);
    }, { ...limits, opsMax: 30 }, histogram, (done) => { progress = done; });
    assert.equal(outcome.errors, 10);
    assert.equal(outcome.ops, 20);
    assert.match(outcome.errorSample ?? '', /no node 0/);
    assert.equal(histogram.count, 20);
    assert.equal(progress, 30);
  });

  test('a time limit already past starts nothing', async () => {
    assert.deepEqual(await runOpLoop(3, async () => undefined, { ...limits, endAtMs: 0 }, undefined, () => undefined), { ops: 0, errors: 0 });
  });

  test('ops that never answer end the loop once nothing has answered for stallMs, counted as errors', async () => {
    let answered = 0;
    const outcome = await runOpLoop(3, (_lane, n) => (n < 6 ? Promise.resolve().then(() => { answered++; }) : new Promise<void>(() => undefined)),
      { ...limits, stallMs: 50 }, undefined, () => undefined);
    assert.equal(answered, 6);
    assert.equal(outcome.ops, 6);
    assert.equal(outcome.errors, 3, 'one op stuck on each lane');
    assert.match(outcome.errorSample ?? '', /3 operations had no answer/);
  });
});

describe('shareOf', () => {
  test('splits a total over processes, contiguously and as evenly as possible', () => {
    assert.deepEqual([0, 1, 2].map((i) => shareOf(10, i, 3)), [{ first: 0, count: 4 }, { first: 4, count: 3 }, { first: 7, count: 3 }]);
    assert.deepEqual([0, 1].map((i) => shareOf(1, i, 2)), [{ first: 0, count: 1 }, { first: 1, count: 0 }]);
  });
});
