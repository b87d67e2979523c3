// Bytes captured from real ZooKeeper clients and a real ZooKeeper (npm run jute:capture): every frame
// decodes, and re-encodes to the identical bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MAX_DATA_BYTES } from '../../protocol/index.js';
import {
  decodeJuteConnectRequest, decodeJuteConnectResponse, decodeJuteRequest, decodeJuteResponse,
  encodeJuteConnectRequest, encodeJuteConnectResponse, encodeJuteRequest, encodeJuteResponse,
} from '../../protocol/jute/index.js';

interface FixtureFrame { conn: number; dir: 'request' | 'response'; kind: 'connect' | 'frame'; op?: number; opName?: string; xid?: number; hex: string }
interface Fixture { client: string; frames: FixtureFrame[] }

const FIXTURES = ['kazoo.json', 'node-zookeeper-client.json', 'zookeeper-answers.json'];
const LIMITS = { maxDataBytes: DEFAULT_MAX_DATA_BYTES };

function load(name: string): Fixture {
  return JSON.parse(readFileSync(join('test', 'fixtures', 'jute', name), 'utf8')) as Fixture;
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function roundTrip(f: FixtureFrame): string {
  const bytes = Buffer.from(f.hex, 'hex');
  if (f.kind === 'connect' && f.dir === 'request') {
    const d = decodeJuteConnectRequest(bytes);
    assert.ok(d.ok, d.ok ? '' : d.message);
    return hex(encodeJuteConnectRequest(d.value, d.value.readOnlyByteSent));
  }
  if (f.kind === 'connect') {
    const d = decodeJuteConnectResponse(bytes);
    assert.ok(d.ok, d.ok ? '' : d.message);
    return hex(encodeJuteConnectResponse(d.value, d.value.readOnlyByteSent));
  }
  if (f.dir === 'request') {
    const d = decodeJuteRequest(bytes, LIMITS);
    assert.ok(d.ok, d.ok ? '' : d.message);
    return hex(encodeJuteRequest(d.value));
  }
  const d = decodeJuteResponse(bytes, f.op);
  assert.ok(d.ok, d.ok ? '' : d.message);
  return hex(encodeJuteResponse(d.value, f.op));
}

for (const name of FIXTURES) {
  test(`every frame of ${name} decodes and re-encodes to the captured bytes`, () => {
    const fixture = load(name);
    assert.ok(fixture.frames.length > 10, 'the fixture holds a real exchange');
    for (const [i, f] of fixture.frames.entries()) {
      assert.equal(roundTrip(f), f.hex, `frame ${i} (${f.dir} ${f.opName ?? f.kind}, xid ${String(f.xid)}) of ${fixture.client}`);
    }
  });
}

test('the fixtures cover the ops the brief lists, from real clients where they can send them', () => {
  const opsFrom = (name: string): Set<string> => new Set(load(name).frames.filter((f) => f.dir === 'request' && f.opName !== undefined).map((f) => f.opName!));
  const kazoo = opsFrom('kazoo.json');
  for (const op of ['create', 'create2', 'delete', 'exists', 'getData', 'setData', 'getACL', 'setACL', 'getChildren', 'getChildren2', 'sync', 'multi', 'auth', 'ping', 'closeSession']) {
    // Kazoo 2.8 never sends setWatches: it keeps its watchers client-side across a reconnect.
    assert.ok(kazoo.has(op), `Kazoo sent ${op}`);
  }
  const nzc = opsFrom('node-zookeeper-client.json');
  for (const op of ['create', 'delete', 'exists', 'getData', 'setData', 'getACL', 'setACL', 'getChildren2', 'multi', 'auth', 'setWatches', 'ping', 'closeSession']) {
    assert.ok(nzc.has(op), `node-zookeeper-client sent ${op}`);
  }
  const answered = new Set(load('zookeeper-answers.json').frames.filter((f) => f.dir === 'response' && f.opName !== undefined).map((f) => f.opName!));
  for (const op of ['createContainer', 'createTTL', 'addWatch', 'removeWatches', 'getEphemerals', 'getAllChildrenNumber', 'whoAmI', 'multiRead', 'setWatches2']) {
    assert.ok(answered.has(op), `ZooKeeper answered ${op}`);
  }
  const notifications = FIXTURES.flatMap((n) => load(n).frames).filter((f) => f.dir === 'response' && f.xid === -1);
  assert.ok(notifications.length >= 3, 'watch notifications were captured');
});
