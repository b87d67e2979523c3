import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, OpCode, Xid, decode, encode } from '../../protocol/index.js';
import type { SetWatchesRequest } from '../../protocol/index.js';
import { setWatchesFrames } from '../../client/set-watches.js';
import { RequestTable } from '../../client/requests.js';
import type { PendingRequest } from '../../client/requests.js';
import { readServerFrame } from '../../client/frames.js';
import { KeeperError } from '../../client/errors.js';
import { Emitter } from '../../client/emitter.js';
import { toBytes } from '../../client/bytes.js';

const none = { dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] };

describe('setWatchesFrames', () => {
  test('no watch, no frame', () => {
    assert.deepEqual(setWatchesFrames(none, 9, 1_000_000), []);
  });

  test('one frame with every list and the relative zxid', () => {
    const watches = { ...none, dataWatches: ['/a'], childWatches: ['/b'], persistentRecursiveWatches: ['/r'] };
    const frames = setWatchesFrames(watches, 2 ** 32 + 3, 1_000_000);
    assert.equal(frames.length, 1);
    assert.deepEqual(decode(frames[0]!), { xid: Xid.SET_WATCHES, op: OpCode.setWatches2, relativeZxid: 2 ** 32 + 3, ...watches });
  });

  test('a large watch set is split under the frame limit, losing nothing', () => {
    const paths = Array.from({ length: 500 }, (_, i) => `/some/long/path/number/${String(i).padStart(5, '0')}`);
    const watches = { ...none, dataWatches: paths.slice(0, 250), childWatches: paths.slice(250) };
    const maxFrameBytes = 4_096;
    const frames = setWatchesFrames(watches, 1, maxFrameBytes);
    assert.ok(frames.length > 1);
    const merged = { data: [] as string[], child: [] as string[] };
    for (const frame of frames) {
      assert.ok(frame.byteLength <= maxFrameBytes, `frame of ${frame.byteLength} bytes`);
      const request = decode(frame) as SetWatchesRequest;
      merged.data.push(...request.dataWatches);
      merged.child.push(...request.childWatches);
    }
    assert.deepEqual(merged, { data: watches.dataWatches, child: watches.childWatches });
  });
});

function pending(xid: number, log: string[]): PendingRequest {
  return {
    xid,
    op: OpCode.getData,
    path: `/p${xid}`,
    onResponse: undefined,
    resolve: () => log.push(`resolved ${xid}`),
    reject: (e: KeeperError) => log.push(`${xid} ${e.message}`),
  };
}

describe('RequestTable', () => {
  test('xids increase from 1 and wrap at 2^31-1 back to 1', () => {
    const table = new RequestTable();
    assert.deepEqual([table.nextXid(), table.nextXid()], [1, 2]);
    (table as unknown as { lastXid: number }).lastXid = 2 ** 31 - 2;
    assert.deepEqual([table.nextXid(), table.nextXid(), table.nextXid()], [2 ** 31 - 1, 1, 2]);
  });

  test('pending by xid; failing them all rejects each once with its path', () => {
    const log: string[] = [];
    const table = new RequestTable();
    table.addPending(pending(1, log));
    table.addPending(pending(2, log));
    assert.equal(table.takePending(1)?.path, '/p1');
    assert.equal(table.takePending(1), undefined);
    table.failPending(ErrorCode.CONNECTIONLOSS, 'link lost');
    assert.deepEqual(log, ['2 CONNECTIONLOSS: /p2 (link lost)']);
    assert.equal(table.pendingCount, 0);
  });

  test('the queue drains in call order', () => {
    const log: string[] = [];
    const table = new RequestTable();
    for (const xid of [3, 4, 5]) table.enqueue({ request: pending(xid, log), frame: new Uint8Array(0) });
    assert.deepEqual(table.drainQueue().map((q) => q.request.xid), [3, 4, 5]);
    assert.equal(table.queuedCount, 0);
  });
});

describe('readServerFrame', () => {
  test('accepts a response and a notification', () => {
    assert.deepEqual(readServerFrame(encode({ xid: 3, zxid: 9, err: 0, stat: { version: 1 } })), { xid: 3, zxid: 9, err: 0, stat: { version: 1 } });
    const n = readServerFrame(encode({ xid: -1, zxid: 9, err: 0, type: 3, state: 3, path: '/a' }));
    assert.ok(typeof n !== 'string' && n.path === '/a');
  });

  test('names what is wrong with a bad frame', () => {
    assert.match(readServerFrame(new Uint8Array([0x82, 0xa1])) as string, /unparseable/);
    assert.match(readServerFrame(encode([1, 2])) as string, /not a msgpack map/);
    assert.match(readServerFrame(encode({ xid: 'x', err: 0 })) as string, /integer xid/);
    assert.match(readServerFrame(encode({ xid: 1, err: 0, zxid: 1.5 })) as string, /zxid/);
  });
});

describe('Emitter', () => {
  test('a throwing listener does not stop the others; once fires once', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<{ tick: [n: number] }>((e) => errors.push(e));
    const seen: number[] = [];
    emitter.on('tick', () => {
      throw new Error('bad listener');
    });
    emitter.on('tick', (n) => seen.push(n));
    emitter.once('tick', (n) => seen.push(n * 10));
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    assert.deepEqual(seen, [1, 10, 2]);
    assert.equal(errors.length, 2);
  });
});

describe('toBytes', () => {
  test('strings become UTF-8, bytes pass through, anything else is refused', () => {
    assert.deepEqual([...toBytes('é')], [0xc3, 0xa9]);
    const bytes = new Uint8Array([1]);
    assert.equal(toBytes(bytes), bytes);
    assert.equal(toBytes(undefined).byteLength, 0);
    assert.throws(() => toBytes(42 as unknown as string), TypeError);
  });
});
