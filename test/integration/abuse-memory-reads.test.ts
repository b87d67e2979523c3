// Attacks on the server's memory through reads: one small request that asks for a gigabyte of answer, and
// clients that send requests but never read the answers. The server's resident memory (VmHWM, the kernel's
// peak) must stay bounded, and a well-behaved client must stay served with bounded latency. (A gigabyte of
// pipelined writes: abuse-memory-writes.test.ts.)
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, OpCode } from '../../protocol/index.js';
import { Client, KeeperError } from '../../client/index.js';
import { LatencyProbe, RawClient } from '../support/raw-client.js';
import type { LatencyReport, RawClientOptions } from '../support/raw-client.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const MiB = 1024 * 1024;
const MB = 1_000_000;
/** The default maxDataBytes: the largest node, and the answer each getData of it carries. */
const BIG_BYTES = MiB;
/** The spec's close code for a connection whose unsent output went over maxClientOutputBytes. */
const SLOW_CONSUMER = 4007;
/** The spec's default maxClientOutputBytes. */
const MAX_CLIENT_OUTPUT_BYTES = 4 * MiB;

/**
 * One multiRead of 1,000 getData of a 1 MiB node asks for a 1 GB answer (today the server builds it: its RSS
 * goes up by about 2.5 GB). Refusing it costs next to nothing; 200 MB leaves room for the garbage collector's
 * lag and the heap growing a little, and is an order of magnitude below building the answer.
 */
const MULTIREAD_RSS_GROWTH_MAX = 200 * MB;
/**
 * A non-reading client may pin about maxClientOutputBytes (4 MiB) plus the few 1 MiB answers in flight:
 * under 10 MB. 100 MB of room for one such client, and for 20 of them 20 × 10 MB + 100 MB of room; today each
 * pins about 64 MB before it is dropped (20 of them: well over 1 GB).
 */
const NON_READER_RSS_GROWTH_MAX = 100 * MB;
const NON_READERS = 20;
const NON_READERS_RSS_GROWTH_MAX = NON_READERS * 10 * MB + 100 * MB;
/**
 * Well-behaved requests answered after the non-readers leave before the test ends: a few seconds' worth at
 * most on a healthy server, and enough that one of them waits out any work the server does for the leavers.
 */
const PROBES_AFTER_LEAVING = 20;
/**
 * Slowest well-behaved getData while an attack runs. A read takes milliseconds; the server's work on a
 * refused or held-back attack is small. 3 s absorbs a noisy 2-core machine and garbage collection of
 * a few hundred MB, and is still far below what building a gigabyte answer costs today.
 */
const READ_LATENCY_MAX_MS = 3_000;
/** getData in the amplified multiRead, and pipelined by each non-reading client. */
const PIPELINED = 1_000;

function mb(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}

/** Waits until the server's RSS has stayed within `toleranceBytes` for `windowMs`: the attack's effect is done. */
async function memorySettled(server: ServerProcess, windowMs = 1_500, toleranceBytes = 8 * MB, timeoutMs = 30_000): Promise<void> {
  const samples: Array<{ at: number; rss: number }> = [];
  await until(() => {
    if (!server.alive) return true;
    const now = Date.now();
    try {
      samples.push({ at: now, rss: server.memory().rssBytes });
    } catch {
      return true;
    }
    while (samples.length > 0 && samples[0]!.at < now - windowMs) samples.shift();
    if (now - samples[0]!.at < windowMs * 0.8 || samples.length < 5) return false;
    const rss = samples.map((s) => s.rss);
    return Math.max(...rss) - Math.min(...rss) <= toleranceBytes;
  }, { timeoutMs, intervalMs: 100 }).catch(() => undefined);
}

describe('abuse: memory through reads', () => {
  let server: ServerProcess;
  let good: Client;

  // A long session timeout: the non-reading clients send nothing for a while, and must not expire meanwhile.
  const SERVER_ARGS = ['--maxSessionTimeout', '60000'];
  before(async () => {
    server = await ServerProcess.start({ args: SERVER_ARGS });
    good = await Client.connect(server.connectString, { sessionTimeoutMs: 30_000 });
    await good.create('/big', new Uint8Array(BIG_BYTES).fill(0x5a));
    await good.create('/small', 'small');
  });
  // Each test on a freshly started process (same data): a heap grown by an earlier attack would hide the next
  // one's growth, since the process reuses memory it already holds.
  let fresh = true;
  beforeEach(async () => {
    if (fresh) {
      fresh = false;
      return;
    }
    await good.close().catch(() => {});
    await server.stop();
    server = await server.restart({ args: SERVER_ARGS });
    good = await Client.connect(server.connectString, { sessionTimeoutMs: 30_000 });
  });
  after(async () => {
    await good?.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
  });

  // What a test started, stopped after it whatever happened: a paused socket or a running probe would keep
  // the test process alive.
  let probes: LatencyProbe[] = [];
  let raws: RawClient[] = [];
  afterEach(async () => {
    for (const raw of raws) raw.close();
    for (const probe of probes) await probe.stop();
    raws = [];
    probes = [];
  });

  /** Starts a measurement: the RSS now, the peak reset, a well-behaved client probing. */
  function measure(): { baseline: number; probe: LatencyProbe } {
    const baseline = server.memory().rssBytes;
    assert.ok(server.resetPeakMemory(), 'cannot reset the VmHWM of the server (write to /proc/<pid>/clear_refs)');
    const probe = new LatencyProbe(() => good.getData('/small'));
    probes.push(probe);
    return { baseline, probe };
  }

  async function openRaw(options: RawClientOptions): Promise<RawClient> {
    const raw = await RawClient.open(server.port, options);
    raws.push(raw);
    return raw;
  }

  async function finish(t: TestContext, baseline: number, probe: LatencyProbe): Promise<{ growth: number; latency: LatencyReport }> {
    const latency = await probe.stop();
    let memory = { hwmBytes: NaN, rssBytes: NaN };
    try {
      memory = server.memory();
    } catch {
      // the process is gone: the assertions say so
    }
    const { hwmBytes, rssBytes } = memory;
    t.diagnostic(`server RSS: ${mb(baseline)} before, peak (VmHWM) ${mb(hwmBytes)}, ${mb(rssBytes)} after; growth ${mb(hwmBytes - baseline)}`);
    t.diagnostic(`well-behaved getData: ${latency.count} done, slowest ${latency.maxMs} ms, errors ${JSON.stringify(latency.errors.slice(0, 3))}`);
    return { growth: hwmBytes - baseline, latency };
  }

  test(`one multiRead of ${PIPELINED} × getData of a 1 MiB node: MARSHALLINGERROR, bounded memory`, async (t) => {
    const raw = await openRaw({ stripData: true });
    assert.equal((await raw.handshake()).err, ErrorCode.OK);
    const { baseline, probe } = measure();
    raw.send({ xid: 1, op: OpCode.multiRead, ops: Array.from({ length: PIPELINED }, () => ({ op: OpCode.getData, path: '/big' })) });
    const r = await raw.waitFor((x) => x.closed !== undefined || x.frames.some((f) => f.xid === 1), 120_000);
    const { growth, latency } = await finish(t, baseline, probe);
    const reply = r.frames.find((f) => f.xid === 1);
    t.diagnostic(`the attacker got: ${reply !== undefined ? `err ${String(reply.err)}, message ${JSON.stringify(reply.message)}` : `close ${JSON.stringify(r.closed)}`}`);

    assert.ok(server.alive, 'the server process died');
    assert.ok(reply !== undefined, `no answer; the connection closed with ${JSON.stringify(r.closed)}`);
    assert.equal(reply.err, ErrorCode.MARSHALLINGERROR);
    assert.equal(typeof reply.message, 'string');
    assert.ok(growth <= MULTIREAD_RSS_GROWTH_MAX, `server RSS grew by ${mb(growth)} (bound ${mb(MULTIREAD_RSS_GROWTH_MAX)})`);
    assert.ok(latency.maxMs <= READ_LATENCY_MAX_MS, `a well-behaved getData took ${latency.maxMs} ms (bound ${READ_LATENCY_MAX_MS} ms)`);
    assert.deepEqual(latency.errors, []);
    // The attacker's connection still works, and the SDK reports the code.
    assert.equal((await raw.request({ xid: 2, op: OpCode.exists, path: '/big', watch: false })).err, ErrorCode.OK);
    raw.close();
    await assert.rejects(good.multiRead(Array.from({ length: PIPELINED }, () => ({ op: OpCode.getData, path: '/big' }))), (e) => KeeperError.is(e, ErrorCode.MARSHALLINGERROR));
  });

  /** A client that does the handshake, stops reading its socket, and pipelines getData of the 1 MiB node. */
  async function nonReader(): Promise<RawClient> {
    const raw = await openRaw({ stripData: true, maxPayload: 2 * BIG_BYTES });
    assert.equal((await raw.handshake({ timeoutMs: 60_000 })).err, ErrorCode.OK);
    raw.pauseReading();
    for (let xid = 1; xid <= PIPELINED; xid++) raw.send({ xid, op: OpCode.getData, path: '/big', watch: false });
    return raw;
  }

  test(`a client that never reads its answers to ${PIPELINED} getData of a 1 MiB node: bounded memory, closed with SLOW_CONSUMER or held`, async (t) => {
    const { baseline, probe } = measure();
    const raw = await nonReader();
    await memorySettled(server);
    const { growth, latency } = await finish(t, baseline, probe);
    assert.ok(server.alive, 'the server process died');

    // Read again: either the server closed the connection with SLOW_CONSUMER, or it kept the requests and
    // answers every one of them now that the client reads.
    raw.resumeReading();
    const r = await raw.waitFor((x) => x.closed !== undefined || x.count >= PIPELINED + 1, 120_000);
    const answers = r.frames.filter((f) => typeof f.xid === 'number' && f.xid >= 1);
    t.diagnostic(`after reading again: ${answers.length} answers, close ${JSON.stringify(r.closed)}`);
    raw.close();

    assert.ok(growth <= NON_READER_RSS_GROWTH_MAX, `server RSS grew by ${mb(growth)} (bound ${mb(NON_READER_RSS_GROWTH_MAX)})`);
    if (r.closed !== undefined) {
      assert.equal(r.closed.code, SLOW_CONSUMER, `closed with ${r.closed.code} '${r.closed.reason}' after ${answers.length} answers (${mb(answers.length * BIG_BYTES)}); the spec says ${SLOW_CONSUMER} SLOW_CONSUMER once over ${mb(MAX_CLIENT_OUTPUT_BYTES)}`);
    } else {
      assert.equal(answers.length, PIPELINED);
      assert.ok(answers.every((f) => f.err === ErrorCode.OK && f.dataBytes === BIG_BYTES));
    }
    assert.ok(latency.maxMs <= READ_LATENCY_MAX_MS, `a well-behaved getData took ${latency.maxMs} ms (bound ${READ_LATENCY_MAX_MS} ms)`);
    assert.deepEqual(latency.errors, []);
  });

  test(`${NON_READERS} such clients at once: bounded memory`, async (t) => {
    const { baseline, probe } = measure();
    const attackers: RawClient[] = [];
    for (let i = 0; i < NON_READERS; i++) attackers.push(await nonReader());
    await memorySettled(server);
    const during = probe.phase();
    // Then they go away without reading. What they left queued must be dropped, not computed for nobody:
    // the well-behaved client is probed until it has had PROBES_AFTER_LEAVING answers since.
    for (const raw of attackers) raw.close();
    const leftAt = probe.completed;
    await until(() => probe.completed >= leftAt + PROBES_AFTER_LEAVING, { timeoutMs: 120_000 }).catch(() => undefined);
    const { growth, latency: after } = await finish(t, baseline, probe);
    t.diagnostic(`well-behaved getData while they did not read: ${during.count} done, slowest ${during.maxMs} ms; after they left: ${after.count} done, slowest ${after.maxMs} ms`);
    assert.ok(server.alive, 'the server process died');
    assert.ok(growth <= NON_READERS_RSS_GROWTH_MAX, `server RSS grew by ${mb(growth)} with ${NON_READERS} non-reading clients (bound ${mb(NON_READERS_RSS_GROWTH_MAX)})`);
    assert.ok(during.maxMs <= READ_LATENCY_MAX_MS, `a well-behaved getData took ${during.maxMs} ms while they did not read (bound ${READ_LATENCY_MAX_MS} ms)`);
    assert.ok(after.maxMs <= READ_LATENCY_MAX_MS, `a well-behaved getData took ${after.maxMs} ms after they left (bound ${READ_LATENCY_MAX_MS} ms)`);
    assert.deepEqual([...during.errors, ...after.errors], []);
  });
});
