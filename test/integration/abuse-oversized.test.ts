// Read answers larger than maxFrameBytes: a client cannot receive such a frame, and building it is what an
// attacker wants (memory, CPU). The server must not build it: the request fails with MARSHALLINGERROR and a
// `message`, and the connection goes on working.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, ErrorCode, OpCode } from '../../protocol/index.js';
import { Client, KeeperError, Op } from '../../client/index.js';
import { RawClient } from '../support/raw-client.js';
import { ServerProcess } from '../support/server-process.js';

/** Small limits, so that answers over the frame limit take seconds to set up rather than minutes. */
const MAX_FRAME_BYTES = 70_000;
const MAX_DATA_BYTES = 4096;
/**
 * Children of /wide, each with a 20-character name: getChildren's answer is about 10,000 × 21 bytes = 210 KB
 * and getEphemerals' (full paths) about 270 KB, three to four times maxFrameBytes.
 */
const CHILDREN = 10_000;
/** Creates per multi: about 100 bytes each, so a batch stays well under maxFrameBytes. */
const CREATE_BATCH = 400;
/** getData results of a 4 KiB node in one multiRead: 30 × ~4.2 KB ≈ 125 KB, over maxFrameBytes. */
const FAT_READS = 30;

function childName(i: number): string {
  return `child-${String(i).padStart(14, '0')}`;
}

async function expectMarshallingError(call: Promise<unknown>, what: string): Promise<void> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (e) {
    assert.ok(KeeperError.is(e), `${what}: rejected with ${String(e)}`);
    assert.equal(e.code, ErrorCode.MARSHALLINGERROR, `${what}: rejected with ${e.message}`);
    return;
  }
  const size = JSON.stringify(outcome)?.length ?? 0;
  assert.fail(`${what}: answered (about ${size} characters of JSON) instead of failing with MARSHALLINGERROR`);
}

describe('abuse: read answers over maxFrameBytes', () => {
  let server: ServerProcess;
  /** Owns the ephemeral children (so getEphemerals is oversized too). */
  let owner: Client;

  before(async () => {
    server = await ServerProcess.start({ args: ['--maxFrameBytes', String(MAX_FRAME_BYTES), '--maxDataBytes', String(MAX_DATA_BYTES)] });
    owner = await Client.connect(server.connectString, { sessionTimeoutMs: 30_000 });
    await owner.create('/wide');
    await owner.create('/small', 'small');
    await owner.create('/fat', new Uint8Array(MAX_DATA_BYTES).fill(7));
    const batches: Promise<unknown>[] = [];
    for (let start = 0; start < CHILDREN; start += CREATE_BATCH) {
      const ops = [];
      for (let i = start; i < Math.min(start + CREATE_BATCH, CHILDREN); i++) ops.push(Op.create(`/wide/${childName(i)}`, '', { mode: CreateMode.EPHEMERAL }));
      batches.push(owner.multi(ops));
    }
    await Promise.all(batches);
    assert.equal(await owner.getAllChildrenNumber('/wide'), CHILDREN);
  });
  after(async () => {
    await owner?.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
  });

  test('getChildren (op 8) over the limit: MARSHALLINGERROR with a message, and the connection keeps working', async () => {
    const raw = await RawClient.open(server.port);
    assert.equal((await raw.handshake()).err, ErrorCode.OK);
    const reply = await raw.request({ xid: 1, op: OpCode.getChildren, path: '/wide', watch: false });
    assert.equal(reply.err, ErrorCode.MARSHALLINGERROR, `answered err ${String(reply.err)} with ${Array.isArray(reply.children) ? reply.children.length : 'no'} children`);
    assert.equal(reply.children, undefined);
    assert.equal(typeof reply.message, 'string', 'the answer explains the size in `message`');
    assert.ok((reply.message as string).length > 0);
    const small = await raw.request({ xid: 2, op: OpCode.getData, path: '/small', watch: false });
    assert.equal(small.err, ErrorCode.OK);
    assert.equal(raw.closed, undefined);
    raw.close();
  });

  test('getChildren2 (the SDK getChildren) and getEphemerals over the limit fail with MARSHALLINGERROR; later reads succeed', async () => {
    await expectMarshallingError(owner.getChildren('/wide'), 'getChildren2 of /wide');
    assert.equal(new TextDecoder().decode((await owner.getData('/small')).data), 'small');
    await expectMarshallingError(owner.getEphemerals('/'), 'getEphemerals');
    assert.deepEqual((await owner.getChildren('/small')).children, []);
  });

  test('a multiRead whose combined answer is over the limit fails with MARSHALLINGERROR; a small one succeeds', async () => {
    const fat = Array.from({ length: FAT_READS }, () => Op.getData('/fat'));
    await expectMarshallingError(owner.multiRead(fat), `multiRead of ${FAT_READS} × getData of a ${MAX_DATA_BYTES}-byte node`);
    await expectMarshallingError(owner.multiRead([Op.exists('/small'), Op.getChildren('/wide')]), 'multiRead with getChildren of /wide');
    const results = await owner.multiRead([Op.getData('/fat'), Op.getData('/small'), Op.exists('/wide')]);
    assert.deepEqual(results.map((r) => r.err), [ErrorCode.OK, ErrorCode.OK, ErrorCode.OK]);

    // On the wire: the answer carries err and a message, not a partial list of results.
    const raw = await RawClient.open(server.port);
    assert.equal((await raw.handshake()).err, ErrorCode.OK);
    const reply = await raw.request({ xid: 1, op: OpCode.multiRead, ops: fat });
    assert.equal(reply.err, ErrorCode.MARSHALLINGERROR, `answered err ${String(reply.err)}`);
    assert.equal(typeof reply.message, 'string');
    assert.equal((await raw.request({ xid: 2, op: OpCode.exists, path: '/fat', watch: false })).err, ErrorCode.OK);
    raw.close();
  });
});
