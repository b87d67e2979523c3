// The ZooKeeper door (zkClientPort) against hostile sockets, each limit tried: length prefixes that are
// negative, huge or over maxFrameBytes, bytes that are not jute, a handshake that never comes or comes half,
// a request the door cannot decode (answered for its xid, the connection kept), four-letter words on this
// port, and maxClientCnxns counted across both doors. After each, the server still serves a good client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../client/index.js';
import { ErrorCode, OpCode } from '../../protocol/index.js';
import { JuteFrameReader, decodeJuteConnectResponse, decodeJuteResponse, encodeJuteRequest, withLengthPrefix } from '../../protocol/jute/index.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';
import { RawZkSocket, juteConnectRequest, zkPortOf } from '../support/zk-door.js';

const WAIT_MS = 30_000;
const HANDSHAKE_TIMEOUT_MS = 1000;
const MAX_CLIENT_CNXNS = 3;

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** Opens a raw socket and completes ZooKeeper's handshake; resolves once the connect response is in. */
async function handshaken(port: number): Promise<RawZkSocket> {
  const s = await RawZkSocket.open(port);
  s.write(juteConnectRequest(10_000));
  await until(() => s.received.byteLength >= 4 && s.received.byteLength >= 4 + s.received.readInt32BE(0), { timeoutMs: WAIT_MS, message: 'the connect response' });
  const frame = s.received.subarray(4, 4 + s.received.readInt32BE(0));
  const decoded = decodeJuteConnectResponse(frame);
  assert.ok(decoded.ok, 'a connect response that decodes');
  assert.ok(decoded.value.sessionId > 0, 'a session');
  s.received = s.received.subarray(4 + frame.byteLength);
  return s;
}

describe('the ZooKeeper door against hostile sockets', () => {
  let server: ServerProcess;
  let port: number;
  before(async () => {
    server = await ServerProcess.start({
      args: ['--zkClientPort', '0', '--maxClientCnxns', String(MAX_CLIENT_CNXNS), '--clientHandshakeTimeoutMs', String(HANDSHAKE_TIMEOUT_MS), '--4lw.commands.whitelist', '*'],
    });
    port = await zkPortOf(server);
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
  });

  async function stillServes(): Promise<void> {
    const s = await handshaken(port);
    s.destroy();
  }

  test('a negative, a huge or an over-limit length prefix closes that connection only', async () => {
    for (const length of [-5, 0x7fffffff, 2 * 1024 * 1024]) {
      const s = await RawZkSocket.open(port);
      s.write(lengthPrefix(length));
      await until(() => s.closed, { timeoutMs: WAIT_MS, message: `the socket that sent length ${length} to be closed` });
      assert.equal(s.received.byteLength, 0, 'nothing is answered');
    }
    const afterHandshake = await handshaken(port);
    afterHandshake.write(lengthPrefix(-1));
    await until(() => afterHandshake.closed, { timeoutMs: WAIT_MS, message: 'a session\'s socket sending a bad length to be closed' });
    await stillServes();
  });

  test('bytes that are not jute (an HTTP request, random bytes) are closed, not served', async () => {
    const http = await RawZkSocket.open(port);
    http.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await until(() => http.closed, { timeoutMs: WAIT_MS, message: 'an HTTP request to be closed' });
    const junk = await RawZkSocket.open(port);
    junk.write(withLengthPrefix(new Uint8Array([1, 2, 3])));
    await until(() => junk.closed, { timeoutMs: WAIT_MS, message: 'a connect request too short to decode to be closed' });
    await stillServes();
  });

  test('a handshake that never comes, or comes half, is closed after clientHandshakeTimeoutMs', async () => {
    const silent = await RawZkSocket.open(port);
    const half = await RawZkSocket.open(port);
    half.write(juteConnectRequest(10_000).subarray(0, 20));
    await until(() => silent.closed && half.closed, { timeoutMs: WAIT_MS, message: 'silent and half-handshake sockets to be closed' });
    await stillServes();
  });

  test('a request the door cannot decode is answered for its xid; the session goes on', async () => {
    const s = await handshaken(port);
    const unknownOp = Buffer.alloc(8);
    unknownOp.writeInt32BE(7, 0);
    unknownOp.writeInt32BE(9999, 4);
    s.write(withLengthPrefix(unknownOp));
    s.write(withLengthPrefix(encodeJuteRequest({ xid: 8, op: OpCode.exists, path: '/', watch: false })));
    const reader = new JuteFrameReader(1024 * 1024);
    const frames: Uint8Array[] = [];
    await until(() => {
      frames.push(...reader.push(s.received));
      s.received = Buffer.alloc(0);
      return frames.length >= 2;
    }, { timeoutMs: WAIT_MS, message: 'answers to both requests' });
    const first = decodeJuteResponse(frames[0]!, 9999);
    assert.ok(first.ok);
    assert.equal(first.value.xid, 7);
    assert.equal(first.value.err, ErrorCode.UNIMPLEMENTED);
    const second = decodeJuteResponse(frames[1]!, OpCode.exists);
    assert.ok(second.ok);
    assert.deepEqual([second.value.xid, second.value.err], [8, ErrorCode.OK]);
    assert.equal(s.closed, false);
    s.destroy();
  });

  test('four-letter words on this port answer and close', async () => {
    const s = await RawZkSocket.open(port);
    s.write(Buffer.from('ruok'));
    await until(() => s.closed, { timeoutMs: WAIT_MS, message: 'the ruok socket to be closed' });
    assert.equal(s.received.toString('latin1'), 'imok');
    const srvr = await RawZkSocket.open(port);
    srvr.write(Buffer.from('srvr'));
    await until(() => srvr.closed, { timeoutMs: WAIT_MS, message: 'the srvr socket to be closed' });
    assert.match(srvr.received.toString('latin1'), /^Zookeeper version: 3\.9\.2-canopy-.*\nMode: standalone\n/s);
  });

  test('maxClientCnxns counts the sockets of both doors together', async () => {
    const zkA = await handshaken(port);
    const zkB = await handshaken(port);
    const ws = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    // The address has three sockets: a fourth on either door is refused at the accept.
    const refusedZk = await RawZkSocket.open(port);
    refusedZk.write(juteConnectRequest(10_000));
    await until(() => refusedZk.closed, { timeoutMs: WAIT_MS, message: 'a fourth socket on the ZooKeeper door to be closed' });
    assert.equal(refusedZk.received.byteLength, 0, 'no connect response for a refused socket');
    await assert.rejects(Client.connect(server.connectString, { sessionTimeoutMs: 10_000, connectTimeoutMs: 3_000 }));
    // One place freed on the ZooKeeper door is one more on the WebSocket door.
    zkA.destroy();
    const again = await until(async () => Client.connect(server.connectString, { sessionTimeoutMs: 10_000, connectTimeoutMs: 3_000 }).catch(() => undefined), {
      timeoutMs: WAIT_MS, message: 'a WebSocket client once a ZooKeeper socket went',
    });
    await again.close();
    await ws.close();
    zkB.destroy();
  });
});

describe('the ZooKeeper door and a client that never reads its answers', () => {
  let server: ServerProcess;
  let port: number;
  before(async () => {
    server = await ServerProcess.start({
      args: ['--zkClientPort', '0', '--maxDataBytes', '100000', '--maxFrameBytes', '110000', '--maxClientOutputBytes', '262144'],
    });
    port = await zkPortOf(server);
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
  });

  test('a flood of reads it never reads back costs only its own connection; others are served meanwhile', async (t) => {
    const sdk = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    await sdk.create('/big', new Uint8Array(90_000));
    const baseline = server.memory().hwmBytes;
    const flooder = await handshaken(port);
    flooder.socket.pause();
    // 2,000 reads of 90 KB is 180 MB of answers: far past the kernel's buffers and maxClientOutputBytes.
    const request = Buffer.from(withLengthPrefix(encodeJuteRequest({ xid: 1, op: OpCode.getData, path: '/big', watch: false })));
    for (let i = 0; i < 2_000; i++) flooder.socket.write(request);
    for (let i = 0; i < 20; i++) {
      await sdk.setData('/big', new Uint8Array(90_000 - i));
      assert.equal((await sdk.getData('/big')).data.byteLength, 90_000 - i);
    }
    const other = await handshaken(port);
    other.destroy();
    // Unbounded, the 180 MB of answers would sit in the server; held back, its peak grows by far less.
    const grownBytes = server.memory().hwmBytes - baseline;
    t.diagnostic(`peak memory grew by ${grownBytes} bytes during the flood`);
    assert.ok(grownBytes < 100 * 1024 * 1024, `the server's peak memory grew by ${grownBytes} bytes`);
    flooder.destroy();
    await sdk.close();
  });
});
