// Bad input at the edge: each gets its error, and the server goes on serving a well-behaved client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode, ErrorCode, OpCode, OPEN_ACL_UNSAFE } from '../../protocol/index.js';
import { Client } from '../../client/index.js';
import { RawClient } from '../support/raw-client.js';
import { ServerProcess } from '../support/server-process.js';

describe('bad input', () => {
  let server: ServerProcess;
  let good: Client;

  before(async () => {
    server = await ServerProcess.start({ args: ['--maxDataBytes', '4096', '--maxFrameBytes', '16384'] });
    good = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    await good.create('/good', 'v0');
  });
  after(async () => {
    await good?.close();
    await server?.stop();
    server?.removeDataDir();
  });

  /** The well-behaved client still gets served, with its own state intact. */
  async function goodClientStillServed(): Promise<void> {
    const { stat } = await good.getData('/good');
    const next = await good.setData('/good', `v${stat.version + 1}`, stat.version);
    assert.equal(next.version, stat.version + 1);
  }

  test('an oversized frame closes that connection with 1009 and a reason', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake();
    raw.ws.send(new Uint8Array(20_000));
    const r = await raw.waitFor((x) => x.closed !== undefined);
    assert.equal(r.closed?.code, CloseCode.FRAME_TOO_LARGE);
    assert.match(r.closed?.reason ?? '', /payload|size|large/i);
    await goodClientStillServed();
  });

  test('garbage bytes close the connection with PROTOCOL_ERROR and a reason', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake();
    raw.ws.send(new Uint8Array([0xc1, 0xff, 0x00, 0x13, 0x37]));
    const r = await raw.waitFor((x) => x.closed !== undefined);
    assert.equal(r.closed?.code, CloseCode.PROTOCOL_ERROR);
    assert.ok((r.closed?.reason ?? '').length > 0);
    const rawHandshake = await RawClient.open(server.port);
    rawHandshake.ws.send(new Uint8Array([1, 2, 3]));
    const r2 = await rawHandshake.waitFor((x) => x.closed !== undefined);
    assert.equal(r2.closed?.code, CloseCode.PROTOCOL_ERROR);
    await goodClientStillServed();
  });

  test('an unknown opcode gets UNIMPLEMENTED and the connection keeps working', async () => {
    const raw = await RawClient.open(server.port);
    const hello = await raw.handshake();
    assert.equal(hello.err, ErrorCode.OK);
    const reply = await raw.request({ xid: 1, op: 9999, path: '/good' });
    assert.equal(reply.err, ErrorCode.UNIMPLEMENTED);
    const ok = await raw.request({ xid: 2, op: OpCode.exists, path: '/good', watch: false });
    assert.equal(ok.err, ErrorCode.OK);
    raw.close();
    await goodClientStillServed();
  });

  test('invalid paths get BADARGUMENTS', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake();
    let xid = 10;
    for (const path of ['/a//b', '/a/', '/a/./b', '/a/../b', '.', '', 'relative', '/a\u0000b']) {
      const reply = await raw.request({ xid: ++xid, op: OpCode.create2, path, data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: 0 });
      assert.equal(reply.err, ErrorCode.BADARGUMENTS, `path ${JSON.stringify(path)}`);
      const read = await raw.request({ xid: ++xid, op: OpCode.getData, path, watch: false });
      assert.equal(read.err, ErrorCode.BADARGUMENTS, `read of path ${JSON.stringify(path)}`);
    }
    const malformed = await raw.request({ xid: ++xid, op: OpCode.setData, path: '/good', data: 'not binary', version: -1 });
    assert.equal(malformed.err, ErrorCode.BADARGUMENTS);
    raw.close();
    await goodClientStillServed();
  });

  test('data over the limit gets BADARGUMENTS and changes nothing', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake();
    const reply = await raw.request({ xid: 1, op: OpCode.setData, path: '/good', data: new Uint8Array(5000), version: -1 });
    assert.equal(reply.err, ErrorCode.BADARGUMENTS);
    const { stat } = await good.getData('/good');
    assert.ok(stat.dataLength < 5000);
    raw.close();
    await goodClientStillServed();
  });

  test('a session id that does not exist is told SESSIONEXPIRED', async () => {
    const raw = await RawClient.open(server.port);
    const hello = await raw.handshake({ sessionId: 12345678, passwd: new Uint8Array(16) });
    assert.equal(hello.err, ErrorCode.SESSIONEXPIRED);
    const r = await raw.waitFor((x) => x.closed !== undefined);
    assert.equal(r.closed?.code, CloseCode.SESSION_ENDED);
    await goodClientStillServed();
  });

  test('a client that has seen a newer zxid is refused', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake({ lastZxidSeen: 2 ** 50 });
    const r = await raw.waitFor((x) => x.closed !== undefined);
    assert.equal(r.closed?.code, CloseCode.SERVER_BEHIND);
    await goodClientStillServed();
  });
});
