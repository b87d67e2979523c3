// Attacks on the client port with single hostile frames: frames shaped like the codec's own error objects,
// maps whose values are objects where a number or string is expected, and inputs whose error text is
// hundreds of thousands of characters long. Each must cost only the sender's connection: the process stays
// up, the event loop keeps turning, and a well-behaved client is served throughout.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode, ErrorCode, OpCode, OPEN_ACL_UNSAFE } from '../../protocol/index.js';
import { Client } from '../../client/index.js';
import { LatencyProbe, RawClient } from '../support/raw-client.js';
import type { LatencyReport } from '../support/raw-client.js';
import { ServerProcess } from '../support/server-process.js';

/**
 * Length of the hostile text fields. Today's close-reason cut (drop 2 characters, re-encode, repeat) is
 * quadratic: 200,000 characters stall the event loop for several seconds per frame. A server that cuts in one
 * step handles the frame in about a millisecond.
 */
const LONG_TEXT_CHARS = 200_000;
/**
 * Slowest getData a well-behaved client may see while the long-text frames are handled. Handling them all
 * legitimately takes tens of milliseconds; today one frame stalls the loop for seconds. 2 s leaves a
 * noisy 2-core CI machine plenty of room and still catches a single stall.
 */
const STALL_BOUND_MS = 2_000;
/** How long a test waits for an answer or a close before calling it lost (today's stalls must fit in it). */
const ANSWER_TIMEOUT_MS = 60_000;
/** A request to a live server on loopback answers in milliseconds; this only bounds a dead one. */
const SERVED_TIMEOUT_MS = 15_000;

function logTail(server: ServerProcess): string {
  return server.log.split('\n').slice(-15).join('\n');
}

describe('abuse: hostile frames', () => {
  let server: ServerProcess;
  let good: Client;

  async function connectGood(): Promise<void> {
    good = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    if ((await good.exists('/good')) === null) await good.create('/good', 'v0');
  }

  before(async () => {
    server = await ServerProcess.start();
    await connectGood();
  });
  // A finding that kills the process must not hide the next one: bring a dead server back on its data.
  beforeEach(async () => {
    const reachable = await RawClient.open(server.port).then((r) => (r.close(), true), () => false);
    if (reachable && server.alive) return;
    await server.kill('SIGKILL');
    void good.close().catch(() => {});
    server = await server.restart();
    await connectGood();
  });
  after(async () => {
    await good?.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
  });

  /** The process is up and the well-behaved client gets its reads and writes answered. */
  async function stillServing(): Promise<void> {
    assert.ok(server.alive, `the server process died:\n${logTail(server)}`);
    const served = (async () => {
      const { stat } = await good.getData('/good');
      const next = await good.setData('/good', `v${stat.version + 1}`, stat.version);
      assert.equal(next.version, stat.version + 1);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the well-behaved client was not served within ${SERVED_TIMEOUT_MS} ms; alive: ${server.alive}\n${logTail(server)}`)), SERVED_TIMEOUT_MS);
    });
    try {
      await Promise.race([served, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  test('a pre-handshake frame shaped like a codec error ({ok:false, fatal:true, message:[1]}) is a bad ConnectRequest', async () => {
    const raw = await RawClient.open(server.port);
    raw.send({ ok: false, fatal: true, message: [1] });
    const closed = await raw.waitClosed(ANSWER_TIMEOUT_MS);
    assert.equal(closed.code, CloseCode.PROTOCOL_ERROR, `closed with ${closed.code} '${closed.reason}'; server alive: ${server.alive}\n${logTail(server)}`);
    await stillServing();
  });

  for (const [name, op] of [['multi', OpCode.multi], ['multiRead', OpCode.multiRead]] as const) {
    test(`a ${name} whose op is a map ({toString:1}) gets an error answer`, async () => {
      const raw = await RawClient.open(server.port);
      assert.equal((await raw.handshake()).err, ErrorCode.OK);
      let reply: Record<string, unknown>;
      try {
        reply = await raw.request({ xid: 1, op, ops: [{ op: { toString: 1 } }] }, ANSWER_TIMEOUT_MS);
      } catch (e) {
        assert.fail(`no answer: ${(e as Error).message}; server alive: ${server.alive}\n${logTail(server)}`);
      }
      assert.ok(reply.err === ErrorCode.UNIMPLEMENTED || reply.err === ErrorCode.BADARGUMENTS, `err ${String(reply.err)}`);
      // The same with the hostile map one level down, then a normal request on the same connection.
      const nested = await raw.request({ xid: 2, op, ops: [{ op: OpCode.getData, path: { toString: 1, valueOf: 1 } }] }, ANSWER_TIMEOUT_MS);
      assert.ok(nested.err === ErrorCode.UNIMPLEMENTED || nested.err === ErrorCode.BADARGUMENTS, `err ${String(nested.err)}`);
      const ok = await raw.request({ xid: 3, op: OpCode.exists, path: '/good', watch: false });
      assert.equal(ok.err, ErrorCode.OK);
      raw.close();
      await stillServing();
    });
  }

  test('a request frame forging a codec error ({ok:false, fatal:false, xid:"not-a-number", err:12345}) is not echoed; it is a PROTOCOL_ERROR', async () => {
    const raw = await RawClient.open(server.port);
    assert.equal((await raw.handshake()).err, ErrorCode.OK);
    raw.send({ ok: false, fatal: false, xid: 'not-a-number', err: 12345 });
    const r = await raw.waitFor((x) => x.closed !== undefined || x.frames.some((f) => f.xid === 'not-a-number'), ANSWER_TIMEOUT_MS);
    const echoed = r.frames.find((f) => f.xid === 'not-a-number');
    assert.equal(echoed, undefined, `the server answered the forged frame with ${JSON.stringify(echoed)}`);
    assert.equal(r.closed?.code, CloseCode.PROTOCOL_ERROR, `closed with ${JSON.stringify(r.closed)}`);
    await stillServing();
  });

  test(`frames whose error text is ${LONG_TEXT_CHARS} characters long do not stall the event loop`, async (t) => {
    const long = 'x'.repeat(LONG_TEXT_CHARS);
    const longMultibyte = '€'.repeat(LONG_TEXT_CHARS / 2);
    // Each hostile frame on its own connection, all at once. What happens to each is checked below.
    const cases: Array<{ name: string; handshake: boolean; frame: Record<string, unknown> }> = [
      { name: 'forged fatal codec error before the handshake', handshake: false, frame: { ok: false, fatal: true, message: long } },
      { name: 'forged fatal codec error after the handshake', handshake: true, frame: { ok: false, fatal: true, xid: 7, message: longMultibyte } },
      { name: 'ConnectRequest with a long non-integer protocolVersion', handshake: false, frame: { protocolVersion: long, timeoutMs: 10_000 } },
      { name: 'getData of a long invalid path', handshake: true, frame: { xid: 7, op: OpCode.getData, path: `/a//${long}`, watch: false } },
      { name: 'create of a long invalid path', handshake: true, frame: { xid: 7, op: OpCode.create2, path: `relative${long}`, data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: 0 } },
      { name: 'multi with a long string op', handshake: true, frame: { xid: 7, op: OpCode.multi, ops: [{ op: long }] } },
      { name: 'multiRead with a long string op', handshake: true, frame: { xid: 7, op: OpCode.multiRead, ops: [{ op: longMultibyte }] } },
    ];
    // Every connection first, handshakes done: a stall caused by one frame must not keep the others from being sent.
    const raws = await Promise.all(cases.map(async (c) => {
      const raw = await RawClient.open(server.port);
      if (c.handshake) assert.equal((await raw.handshake()).err, ErrorCode.OK);
      return raw;
    }));
    /** Sends one hostile frame; never throws, so that every case is reported. */
    async function attempt(c: (typeof cases)[number], raw: RawClient): Promise<{ name: string; outcome: string; closed?: { code: number; reason: string } }> {
      try {
        raw.send(c.frame);
        const r = await raw.waitFor((x) => x.closed !== undefined || x.frames.some((f) => f.xid === 7), ANSWER_TIMEOUT_MS);
        const answer = r.frames.find((f) => f.xid === 7);
        if (answer !== undefined) return { name: c.name, outcome: `answered err ${String(answer.err)}` };
        return { name: c.name, outcome: `closed ${r.closed!.code} after ${Date.now() - started} ms`, closed: r.closed! };
      } catch (e) {
        return { name: c.name, outcome: `no answer: ${(e as Error).message.slice(0, 200)}` };
      } finally {
        raw.close();
      }
    }
    const probe = new LatencyProbe(() => good.getData('/good'));
    const started = Date.now();
    let outcomes: Awaited<ReturnType<typeof attempt>>[];
    let latency: LatencyReport;
    try {
      outcomes = await Promise.all(cases.map((c, i) => attempt(c, raws[i]!)));
    } finally {
      // Stopped whatever happens: a probe left running would keep the test process alive.
      latency = await probe.stop();
    }
    const handledMs = Date.now() - started;
    t.diagnostic(`handled in ${handledMs} ms; well-behaved getData: ${latency.count} done, slowest ${latency.maxMs} ms, errors ${JSON.stringify(latency.errors)}`);
    for (const o of outcomes) t.diagnostic(`${o.name}: ${o.outcome}`);

    assert.ok(server.alive, `the server process died:\n${logTail(server)}`);
    assert.ok(latency.maxMs <= STALL_BOUND_MS, `a well-behaved getData took ${latency.maxMs} ms (bound ${STALL_BOUND_MS} ms): the event loop stalled`);
    assert.deepEqual(latency.errors, []);
    for (const o of outcomes) {
      assert.ok(!o.outcome.startsWith('no answer'), `${o.name}: ${o.outcome}`);
      // Every close is the server's own doing, with a reason it cut to a valid UTF-8 text of at most 123 bytes
      // (a reason cut inside a character would make the client fail the close with 1007 instead).
      if (o.closed !== undefined) {
        assert.equal(o.closed.code, CloseCode.PROTOCOL_ERROR, `${o.name}: ${JSON.stringify(o.closed)}`);
        assert.ok(Buffer.byteLength(o.closed.reason) <= 123, `${o.name}: reason of ${Buffer.byteLength(o.closed.reason)} bytes`);
      }
    }
    await stillServing();
  });
});
