// Sends, with this codec's own encoder, the ops Kazoo and node-zookeeper-client cannot send (create2 with
// every mode, containers, TTL nodes, persistent watches, removeWatches, getEphemerals,
// getAllChildrenNumber, whoAmI, multiRead, setWatches2): the requests are ours, but the answers recorded
// are real ZooKeeper bytes, which the fixture tests then decode and re-encode.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { AddWatchMode, CreateMode, OPEN_ACL_UNSAFE, OpCode, WatcherType } from '../../protocol/index.js';
import type { Request } from '../../protocol/index.js';
import { JUTE_XID, JuteFrameReader, encodeJuteConnectRequest, encodeJuteRequest, withLengthPrefix } from '../../protocol/jute/index.js';
import { until } from '../../bench/launch/until.js';
import type { RecordingProxy } from './recording-proxy.js';

const FRAME_BYTES_MAX = 16 * 1024 * 1024;
/** A multiple of 8: a TTL node's ephemeralOwner (0xFF << 56 | ttl) is then an exact double (see README). */
const TTL_MS = 60_000;

function requests(): Request[] {
  const acl = [...OPEN_ACL_UNSAFE];
  const data = new TextEncoder().encode('r');
  let xid = 0;
  const next = (): number => ++xid;
  return [
    { xid: next(), op: OpCode.create2, path: '/r', data, acl, mode: CreateMode.PERSISTENT },
    { xid: next(), op: OpCode.create2, path: '/r/eph', data, acl, mode: CreateMode.EPHEMERAL },
    { xid: next(), op: OpCode.createContainer, path: '/r/box', data, acl, mode: CreateMode.CONTAINER },
    { xid: next(), op: OpCode.createTTL, path: '/r/ttl', data, acl, mode: CreateMode.PERSISTENT_WITH_TTL, ttl: TTL_MS },
    { xid: next(), op: OpCode.createTTL, path: '/r/ttl-seq-', data, acl, mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: TTL_MS },
    { xid: next(), op: OpCode.exists, path: '/r/ttl', watch: false },
    { xid: next(), op: OpCode.getChildren2, path: '/r', watch: true },
    { xid: next(), op: OpCode.addWatch, path: '/r', mode: AddWatchMode.PERSISTENT_RECURSIVE },
    { xid: next(), op: OpCode.setData, path: '/r/ttl', data, version: -1 },
    { xid: next(), op: OpCode.removeWatches, path: '/r', watcherType: WatcherType.Children },
    { xid: next(), op: OpCode.removeWatches, path: '/r/none', watcherType: WatcherType.Data },
    { xid: next(), op: OpCode.getEphemerals, prefixPath: '/r' },
    { xid: next(), op: OpCode.getAllChildrenNumber, path: '/r' },
    { xid: next(), op: OpCode.getAllChildrenNumber, path: '/nope' },
    { xid: next(), op: OpCode.multiRead, ops: [{ op: OpCode.getData, path: '/r' }, { op: OpCode.getChildren, path: '/r' }, { op: OpCode.getData, path: '/nope' }] },
    { xid: next(), op: OpCode.multi, ops: [{ op: OpCode.createContainer, path: '/r/box2', data, acl, mode: CreateMode.CONTAINER }, { op: OpCode.createTTL, path: '/r/ttl2', data, acl, mode: CreateMode.PERSISTENT_WITH_TTL, ttl: TTL_MS }, { op: OpCode.create2, path: '/r/c', data, acl, mode: CreateMode.PERSISTENT }] },
    { xid: JUTE_XID.AUTH, op: OpCode.auth, scheme: 'digest', auth: new TextEncoder().encode('carol:secret') },
    { xid: next(), op: OpCode.whoAmI },
    { xid: JUTE_XID.SET_WATCHES, op: OpCode.setWatches2, relativeZxid: 1, dataWatches: ['/r'], existWatches: ['/r/x'], childWatches: ['/r'], persistentWatches: ['/r/ttl'], persistentRecursiveWatches: ['/r'] },
    { xid: JUTE_XID.PING, op: OpCode.ping },
    { xid: next(), op: OpCode.sync, path: '/r' },
    { xid: next(), op: OpCode.closeSession },
  ];
}

export async function driveRaw(proxy: RecordingProxy): Promise<void> {
  const socket: Socket = connect(proxy.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = new JuteFrameReader(FRAME_BYTES_MAX);
  const received: Uint8Array[] = [];
  socket.on('data', (chunk: Buffer) => received.push(...reader.push(chunk)));
  const xidOf = (f: Uint8Array): number => new DataView(f.buffer, f.byteOffset).getInt32(0);
  socket.write(withLengthPrefix(encodeJuteConnectRequest({ protocolVersion: 0, lastZxidSeen: 0, timeoutMs: 30_000, sessionId: 0, passwd: new Uint8Array(16), readOnly: false }, true)));
  await until(() => received.length >= 1, { timeoutMs: 20_000, message: 'the connect response' });
  for (const req of requests()) {
    const seen = received.length;
    socket.write(withLengthPrefix(encodeJuteRequest(req)));
    await until(() => received.slice(seen).some((f) => xidOf(f) === req.xid), { timeoutMs: 20_000, message: `the answer to xid ${req.xid}` });
  }
  socket.destroy();
}
