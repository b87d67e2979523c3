// The client-frame corpus: VALID request bodies for every opcode the server's codec accepts
// (protocol/codec.ts requestBody) and a valid ConnectRequest. The mutators start from these, so that a
// mutated frame differs from an acceptable one in one place and reaches deep into the validation and the
// request handling instead of being refused at the first field. Every path is under FUZZ_ROOT, so the
// fuzzer never touches the well-behaved client's nodes except by mutation.
import { AddWatchMode, CreateMode, OpCode, PROTOCOL_VERSION, WatcherType } from '../../protocol/index.js';
import type { Prng } from '../sim/prng.js';

/** Parent of every node the fuzz corpus names; the driver creates it before the run. */
export const FUZZ_ROOT = '/fuzz';
/** Parent of the well-behaved clients' own nodes (outside FUZZ_ROOT). */
export const GOOD_ROOT = '/fuzz-good';

type Obj = Record<string, unknown>;

const NAMES = ['a', 'b', 'c', 'lock', 'q', 'cfg', 'x-1', 'node', 'é', '日本'];

export function fuzzPath(prng: Prng): string {
  const depth = prng.int(1, 3);
  let p = FUZZ_ROOT;
  for (let i = 0; i < depth; i++) p += `/${prng.pick(NAMES)}`;
  return p;
}

function data(prng: Prng): Uint8Array {
  const n = prng.pick([0, 1, 3, 16, 100, 1000]);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = prng.int(0, 255);
  return b;
}

function aclList(prng: Prng): Obj[] {
  const entries: Obj[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
  if (prng.chance(0.3)) entries.push({ perms: prng.int(0, 31), id: { scheme: 'ip', id: '127.0.0.1' } });
  if (prng.chance(0.2)) entries.push({ perms: 1, id: { scheme: 'digest', id: 'alice:Ve4dmJ0w8jvhk3w9pnoUJ6HUxyY=' } });
  return entries;
}

function version(prng: Prng): number {
  return prng.pick([-1, -1, 0, 1, 2, 2 ** 31 - 1]);
}

/** A create body for the opcode, with a create mode that opcode accepts. */
function createBody(prng: Prng, op: number): Obj {
  let mode: number;
  if (op === OpCode.createContainer) mode = CreateMode.CONTAINER;
  else if (op === OpCode.createTTL) mode = prng.pick([CreateMode.PERSISTENT_WITH_TTL, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL]);
  else mode = prng.pick(Object.values(CreateMode));
  const body: Obj = { path: fuzzPath(prng), data: data(prng), acl: aclList(prng), mode };
  if (mode === CreateMode.PERSISTENT_WITH_TTL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL) body.ttl = prng.pick([1, 1000, 60_000, 2 ** 40 - 1]);
  return body;
}

function multiOp(prng: Prng): Obj {
  const op = prng.pick([OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL, OpCode.delete, OpCode.setData, OpCode.check]);
  switch (op) {
    case OpCode.delete:
    case OpCode.check:
      return { op, path: fuzzPath(prng), version: version(prng) };
    case OpCode.setData:
      return { op, path: fuzzPath(prng), data: data(prng), version: version(prng) };
    default:
      return { op, ...createBody(prng, op) };
  }
}

function readOp(prng: Prng): Obj {
  return { op: prng.pick([OpCode.getData, OpCode.getChildren, OpCode.getChildren2, OpCode.exists]), path: fuzzPath(prng) };
}

function paths(prng: Prng, max: number): string[] {
  return Array.from({ length: prng.int(0, max) }, () => fuzzPath(prng));
}

/** Every opcode the corpus covers, with a builder of a valid body. closeSession is included: fuzz connections may end their sessions. */
const BODIES: ReadonlyArray<readonly [number, (prng: Prng, op: number) => Obj]> = [
  [OpCode.create, createBody],
  [OpCode.create2, createBody],
  [OpCode.createContainer, createBody],
  [OpCode.createTTL, createBody],
  [OpCode.delete, (p) => ({ path: fuzzPath(p), version: version(p) })],
  [OpCode.check, (p) => ({ path: fuzzPath(p), version: version(p) })],
  [OpCode.exists, (p) => ({ path: fuzzPath(p), watch: p.chance(0.5) })],
  [OpCode.getData, (p) => ({ path: fuzzPath(p), watch: p.chance(0.5) })],
  [OpCode.getChildren, (p) => ({ path: fuzzPath(p), watch: p.chance(0.5) })],
  [OpCode.getChildren2, (p) => ({ path: fuzzPath(p), watch: p.chance(0.5) })],
  [OpCode.setData, (p) => ({ path: fuzzPath(p), data: data(p), version: version(p) })],
  [OpCode.getACL, (p) => ({ path: fuzzPath(p) })],
  [OpCode.setACL, (p) => ({ path: fuzzPath(p), acl: aclList(p), version: version(p) })],
  [OpCode.sync, (p) => ({ path: fuzzPath(p) })],
  [OpCode.getAllChildrenNumber, (p) => ({ path: p.pick([FUZZ_ROOT, fuzzPath(p)]) })],
  [OpCode.ping, () => ({})],
  [OpCode.whoAmI, () => ({})],
  [OpCode.multi, (p) => ({ ops: Array.from({ length: p.int(0, 6) }, () => multiOp(p)) })],
  [OpCode.multiRead, (p) => ({ ops: Array.from({ length: p.int(0, 6) }, () => readOp(p)) })],
  [OpCode.checkWatches, (p) => ({ path: fuzzPath(p), watcherType: p.pick(Object.values(WatcherType)) })],
  [OpCode.removeWatches, (p) => ({ path: fuzzPath(p), watcherType: p.pick(Object.values(WatcherType)) })],
  [OpCode.addWatch, (p) => ({ path: fuzzPath(p), mode: p.pick(Object.values(AddWatchMode)) })],
  [OpCode.setWatches2, (p) => ({
    relativeZxid: p.pick([0, 1, 2 ** 32, 2 ** 32 + 5]),
    dataWatches: paths(p, 3), existWatches: paths(p, 3), childWatches: paths(p, 3),
    persistentWatches: paths(p, 2), persistentRecursiveWatches: paths(p, 2),
  })],
  [OpCode.getEphemerals, (p) => ({ prefixPath: p.pick([FUZZ_ROOT, fuzzPath(p), '/']) })],
  [OpCode.auth, (p) => p.pick([
    { scheme: 'digest', auth: new TextEncoder().encode(`user${p.int(0, 99)}:secret`) },
    { scheme: 'ip', auth: new Uint8Array(0) },
    { scheme: 'world', auth: new TextEncoder().encode('anyone') },
  ])],
  [OpCode.closeSession, () => ({})],
];

/** Opcodes the corpus covers (for the coverage test). */
export const CORPUS_OPCODES: readonly number[] = BODIES.map(([op]) => op);

/** A valid request frame value `{ xid, op, ...body }`; closeSession only when allowed. */
export function validRequest(prng: Prng, xid: number, opts: { allowClose: boolean }): Obj {
  for (;;) {
    const [op, build] = prng.pick(BODIES);
    if (op === OpCode.closeSession && !(opts.allowClose && prng.chance(0.2))) continue;
    const reservedXid = op === OpCode.ping ? -2 : op === OpCode.setWatches2 ? -8 : xid;
    return { xid: reservedXid, op, ...build(prng, op) };
  }
}

/** A valid request for every covered opcode, in corpus order (for tests of the corpus itself). */
export function everyValidRequest(prng: Prng): Obj[] {
  return BODIES.map(([op, build], i) => ({ xid: i + 1, op, ...build(prng, op) }));
}

/** A valid ConnectRequest for a new session. */
export function validConnectRequest(prng: Prng): Obj {
  return {
    protocolVersion: PROTOCOL_VERSION,
    lastZxidSeen: 0,
    timeoutMs: prng.pick([4_000, 10_000, 30_000]),
    sessionId: 0,
    passwd: new Uint8Array(0),
    readOnly: false,
  };
}
