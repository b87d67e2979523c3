// Kazoo writes every empty string as a null ustring (length -1): its CREATOR_ALL_ACL, auth with id "", reaches
// the server as auth with a null id. ZooKeeper accepts that, so the codec reads a null ACL id as "".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, DEFAULT_MAX_DATA_BYTES, ErrorCode, OpCode } from '../../protocol/index.js';
import { decodeJuteRequest, encodeJuteRequest } from '../../protocol/jute/index.js';

const LIMITS = { maxDataBytes: DEFAULT_MAX_DATA_BYTES };

/** kazoo.protocol.serialization.Create('/m1', b'v', CREATOR_ALL_ACL, 0) behind RequestHeader(xid 1, create), from Kazoo 2.8. */
const KAZOO_CREATE_CREATOR_ALL = '0000000100000001' + '000000032f6d31' + '0000000176' + '00000001' + '0000001f' + '0000000461757468' + 'ffffffff' + '00000000';

test('Kazoo\'s create with CREATOR_ALL_ACL (auth and a null id) decodes to auth with the empty id', () => {
  const d = decodeJuteRequest(Buffer.from(KAZOO_CREATE_CREATOR_ALL, 'hex'), LIMITS);
  assert.ok(d.ok, `refused: ${JSON.stringify(d)}`);
  assert.deepEqual(d.value, {
    xid: 1, op: OpCode.create, path: '/m1', data: new Uint8Array([0x76]), acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }], mode: CreateMode.PERSISTENT,
  });
  // What Canopy writes back for that ACL is the empty string, as ZooKeeper's Java client writes Ids.AUTH_IDS.
  const again = encodeJuteRequest(d.value);
  assert.equal(Buffer.from(again).toString('hex'), KAZOO_CREATE_CREATOR_ALL.replace('ffffffff', '00000000'));
});

test('a null ACL scheme is still refused as MARSHALLINGERROR for its xid', () => {
  const nullScheme = KAZOO_CREATE_CREATOR_ALL.replace('0000000461757468ffffffff', 'ffffffff00000000');
  const d = decodeJuteRequest(Buffer.from(nullScheme, 'hex'), LIMITS);
  assert.ok(!d.ok);
  assert.deepEqual([d.err, d.xid, d.fatal], [ErrorCode.MARSHALLINGERROR, 1, false]);
});
