// checkWatches (op 17) through the ZooKeeper door, as ZooKeeper's Java client sends it when one of several
// callbacks on a path is removed: OK while the connection holds a watch of that type there, NOWATCHER when
// not, and the watch stays (it still fires afterwards).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, EventType, OpCode, WatcherType } from '../../protocol/index.js';
import { JUTE_XID, JuteFrameReader, decodeJuteConnectResponse, decodeJuteResponse, encodeJuteRequest, withLengthPrefix } from '../../protocol/jute/index.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';
import { RawZkSocket, juteConnectRequest, zkPortOf } from '../support/zk-door.js';

const WAIT_MS = 30_000;

/** A raw jute session: requests one at a time, answers read whole, notifications kept apart. */
class JuteSession {
  private readonly reader = new JuteFrameReader(1024 * 1024);
  private readonly frames: Uint8Array[] = [];
  readonly events: Array<{ type: number; path: string }> = [];
  private xid = 0;

  private constructor(private readonly socket: RawZkSocket) {}

  static async open(port: number): Promise<JuteSession> {
    const socket = await RawZkSocket.open(port);
    const session = new JuteSession(socket);
    socket.write(juteConnectRequest(10_000));
    const frame = await session.nextFrame();
    assert.ok(decodeJuteConnectResponse(frame).ok, 'a connect response');
    return session;
  }

  private async nextFrame(): Promise<Uint8Array> {
    await until(() => {
      this.frames.push(...this.reader.push(this.socket.received));
      this.socket.received = Buffer.alloc(0);
      return this.frames.length > 0;
    }, { timeoutMs: WAIT_MS, message: 'a frame from the server' });
    return this.frames.shift()!;
  }

  /** Sends one request and returns its answer's error code; notifications met on the way are kept. */
  async call(request: Record<string, unknown> & { op: number }): Promise<number> {
    const xid = ++this.xid;
    this.socket.write(withLengthPrefix(encodeJuteRequest({ ...request, xid } as Parameters<typeof encodeJuteRequest>[0])));
    for (;;) {
      const frame = await this.nextFrame();
      const answer = decodeJuteResponse(frame, request.op);
      assert.ok(answer.ok);
      if (answer.value.xid === JUTE_XID.NOTIFICATION && 'type' in answer.value && 'path' in answer.value) {
        this.events.push({ type: Number(answer.value.type), path: String(answer.value.path) });
        continue;
      }
      assert.equal(answer.value.xid, xid);
      return answer.value.err;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('checkWatches through the ZooKeeper door', () => {
  let server: ServerProcess;
  let port: number;
  before(async () => {
    server = await ServerProcess.start({ args: ['--zkClientPort', '0'] });
    port = await zkPortOf(server);
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
  });

  test('OK for a watch the connection holds, NOWATCHER otherwise, and the watch is left in place', async () => {
    const zk = await JuteSession.open(port);
    const other = await JuteSession.open(port);
    try {
      assert.equal(await zk.call({ op: OpCode.create, path: '/cw', data: new Uint8Array(0), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], mode: 0 }), ErrorCode.OK);
      assert.equal(await zk.call({ op: OpCode.getData, path: '/cw', watch: true }), ErrorCode.OK);
      assert.equal(await zk.call({ op: OpCode.checkWatches, path: '/cw', watcherType: WatcherType.Data }), ErrorCode.OK);
      assert.equal(await zk.call({ op: OpCode.checkWatches, path: '/cw', watcherType: WatcherType.Any }), ErrorCode.OK);
      assert.equal(await zk.call({ op: OpCode.checkWatches, path: '/cw', watcherType: WatcherType.Children }), ErrorCode.NOWATCHER);
      assert.equal(await other.call({ op: OpCode.checkWatches, path: '/cw', watcherType: WatcherType.Data }), ErrorCode.NOWATCHER);
      assert.equal(await other.call({ op: OpCode.setData, path: '/cw', data: Uint8Array.of(1), version: -1 }), ErrorCode.OK);
      // The watch was only checked: it fires, once, and is then gone.
      await until(async () => {
        await zk.call({ op: OpCode.exists, path: '/', watch: false });
        return zk.events.length > 0;
      }, { timeoutMs: WAIT_MS, message: 'the checked watch fired' });
      assert.deepEqual(zk.events, [{ type: EventType.NodeDataChanged, path: '/cw' }]);
      assert.equal(await zk.call({ op: OpCode.checkWatches, path: '/cw', watcherType: WatcherType.Data }), ErrorCode.NOWATCHER);
    } finally {
      zk.close();
      other.close();
    }
  });
});
