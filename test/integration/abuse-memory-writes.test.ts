// An attack on the server's memory through writes: one connection pipelines a gigabyte of setData as fast as
// its socket takes them. The server must push back (stop reading) rather than take it all in, keep no more
// than historyBytesMax of committed txns, answer every write in the end, and keep serving a well-behaved
// client. Its resident memory (VmHWM, the kernel's peak) is reported and bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, OpCode } from '../../protocol/index.js';
import { Client } from '../../client/index.js';
import { LatencyProbe, RawClient } from '../support/raw-client.js';
import type { LatencyReport } from '../support/raw-client.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const MiB = 1024 * 1024;
const MB = 1_000_000;
/** The default maxDataBytes: each write carries the largest data allowed. */
const DATA_BYTES = MiB;
/** Writes pipelined on one connection: 1 GB in all. */
const PIPELINED = 1_000;
/**
 * With back-pressure at globalOutstandingBytes (64 MiB), a request in flight exists in a few copies (its
 * frame, the txn, the log record, the storage's buffer): about 256 MB; historyBytesMax adds 64 MiB; the
 * garbage collector lags behind 100 MB/s of 1 MiB buffers by a couple of hundred MB. 600 MB in all; today the
 * server keeps every committed txn in its history (+1.2 GB). (Where storage keeps up with the socket, as on a
 * local disk, little is in flight even without back-pressure: this test then mostly catches an unbounded
 * history.)
 */
const SETDATA_RSS_GROWTH_MAX = 600 * MB;
/**
 * Slowest well-behaved getData during the flood. Back-pressure pauses reading from the sockets, and a
 * read may wait while storage drains a batch of the attacker's writes; 5 s leaves room for a slow disk and a
 * noisy 2-core machine, and still catches a server that makes everyone wait for the whole gigabyte.
 */
const WRITE_FLOOD_LATENCY_MAX_MS = 5_000;
/** The client stops sending while this much is still in its own send buffer (the socket is not taking more). */
const CLIENT_BUFFER_HIGH = 8 * MiB;
const CLIENT_BUFFER_LOW = 2 * MiB;

function mb(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}

describe('abuse: memory through writes', () => {
  let server: ServerProcess;
  let good: Client;

  before(async () => {
    // A long session timeout: the attacker's session must outlive a slow flood.
    server = await ServerProcess.start({ args: ['--maxSessionTimeout', '60000'] });
    good = await Client.connect(server.connectString, { sessionTimeoutMs: 30_000 });
    await good.create('/small', 'small');
    await good.create('/target', '');
  });
  after(async () => {
    await good?.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
  });

  test(`${PIPELINED} pipelined 1 MiB setData on one connection: back-pressure, bounded memory, every one answered OK`, async (t) => {
    const raw = await RawClient.open(server.port, { stripData: true });
    assert.equal((await raw.handshake({ timeoutMs: 60_000 })).err, ErrorCode.OK);
    const baseline = server.memory().rssBytes;
    assert.ok(server.resetPeakMemory(), 'cannot reset the VmHWM of the server (write to /proc/<pid>/clear_refs)');
    const probe = new LatencyProbe(() => good.getData('/small'));

    const data = new Uint8Array(DATA_BYTES);
    const sendStarted = Date.now();
    let r: unknown;
    let latency: LatencyReport;
    try {
      for (let xid = 1; xid <= PIPELINED && raw.closed === undefined; xid++) {
        data[0] = xid & 0xff;
        raw.send({ xid, op: OpCode.setData, path: '/target', data, version: -1 });
        // As fast as the socket takes them: wait only while the client's own send buffer is full.
        if (raw.ws.bufferedAmount > CLIENT_BUFFER_HIGH) {
          await until(() => raw.ws.bufferedAmount < CLIENT_BUFFER_LOW || raw.closed !== undefined, { timeoutMs: 120_000, intervalMs: 5 });
        }
      }
      r = await raw.waitFor((x) => x.closed !== undefined || x.count >= PIPELINED + 1, 180_000).catch((e: Error) => e);
    } finally {
      // Stopped whatever happens: a probe left running would keep the test process alive.
      latency = await probe.stop();
    }
    const allAnsweredMs = Date.now() - sendStarted;
    let hwm = NaN;
    try {
      hwm = server.memory().hwmBytes;
    } catch {
      // the process is gone: the assertions say so
    }
    const growth = hwm - baseline;
    const answers = raw.frames.filter((f) => typeof f.xid === 'number' && f.xid >= 1);
    const errs = new Map<unknown, number>();
    for (const f of answers) errs.set(f.err, (errs.get(f.err) ?? 0) + 1);
    t.diagnostic(`server RSS: ${mb(baseline)} before, peak (VmHWM) ${mb(hwm)}; growth ${mb(growth)}`);
    t.diagnostic(`well-behaved getData: ${latency.count} done, slowest ${latency.maxMs} ms, errors ${JSON.stringify(latency.errors.slice(0, 3))}`);
    t.diagnostic(`all answered after ${allAnsweredMs} ms: ${answers.length} answers (err counts ${JSON.stringify([...errs])}), close ${JSON.stringify(raw.closed)}`);
    raw.close();

    assert.ok(server.alive, 'the server process died');
    assert.ok(!(r instanceof Error), `not every write was answered: ${answers.length} of ${PIPELINED}`);
    assert.equal(raw.closed, undefined);
    assert.equal(answers.length, PIPELINED);
    assert.deepEqual([...errs], [[ErrorCode.OK, PIPELINED]], 'back-pressure, not refusal: every write succeeds');
    assert.ok(growth <= SETDATA_RSS_GROWTH_MAX, `server RSS grew by ${mb(growth)} (bound ${mb(SETDATA_RSS_GROWTH_MAX)})`);
    assert.ok(latency.maxMs <= WRITE_FLOOD_LATENCY_MAX_MS, `a well-behaved getData took ${latency.maxMs} ms (bound ${WRITE_FLOOD_LATENCY_MAX_MS} ms)`);
    assert.deepEqual(latency.errors, []);
    const { stat } = await good.getData('/target');
    assert.ok(stat.version >= PIPELINED, `version ${stat.version}`);
  });
});
