// The counters' stored value and its conditional write (shared by SharedCount and DistributedAtomicLong).
//
// Encoding: the first 8 bytes are the value, a signed 64-bit big-endian integer (a missing or empty node
// reads as 0). A writer appends 8 random bytes, a nonce, which readers ignore: after a lost answer it tells
// the writer whether the version that followed the one it expected was its own write. Values are JS
// numbers, so they must stay safe integers (|n| <= 2^53 - 1).
import type { Client } from '../client.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { isConnectionLoss, whenConnected } from './internal/connected.js';
import { ensurePath } from './internal/ensure-path.js';

export const VALUE_BYTES = 8;
const NONCE_BYTES = 8;

export interface VersionedValue {
  value: number;
  /** The node's data version; -1 when the node does not exist yet. */
  version: number;
}

export function checkValue(value: number, path: string): void {
  if (!Number.isSafeInteger(value)) throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: `counter values must be safe integers (got ${String(value)})` });
}

export function encodeValue(value: number, nonce?: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(VALUE_BYTES + (nonce?.byteLength ?? 0));
  new DataView(bytes.buffer).setBigInt64(0, BigInt(value), false);
  if (nonce !== undefined) bytes.set(nonce, VALUE_BYTES);
  return bytes;
}

export function decodeValue(bytes: Uint8Array, path: string): number {
  if (bytes.byteLength === 0) return 0;
  if (bytes.byteLength < VALUE_BYTES) throw new KeeperError(ErrorCode.MARSHALLINGERROR, path, { detail: `a counter holds at least ${VALUE_BYTES} bytes, found ${bytes.byteLength}` });
  const value = new DataView(bytes.buffer, bytes.byteOffset, VALUE_BYTES).getBigInt64(0, false);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new KeeperError(ErrorCode.MARSHALLINGERROR, path, { detail: `counter value ${value} is not a safe integer` });
  }
  return Number(value);
}

function sameNonce(bytes: Uint8Array, nonce: Uint8Array): boolean {
  return bytes.byteLength === VALUE_BYTES + NONCE_BYTES && nonce.every((b, i) => bytes[VALUE_BYTES + i] === b);
}

/** The current value and version (value 0, version -1 when the node is missing). */
export async function readValue(client: Client, path: string): Promise<VersionedValue> {
  try {
    const { data, stat } = await client.getData(path);
    return { value: decodeValue(data, path), version: stat.version };
  } catch (e) {
    if (KeeperError.is(e, ErrorCode.NONODE)) return { value: 0, version: -1 };
    throw e;
  }
}

/**
 * Writes `value` if the node is still at `expectedVersion` (-1: if it does not exist yet); resolves with
 * the new version, or undefined when another writer got there first. A lost answer is resolved by reading
 * back; if later writes hid whether ours happened, it rejects with CONNECTIONLOSS (outcome unknown).
 */
export async function writeIfVersion(client: Client, path: string, value: number, expectedVersion: number): Promise<number | undefined> {
  checkValue(value, path);
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const bytes = encodeValue(value, nonce);
  try {
    if (expectedVersion >= 0) return (await client.setData(path, bytes, expectedVersion)).version;
    await client.create(path, bytes);
    return 0;
  } catch (e) {
    if (KeeperError.is(e, ErrorCode.BADVERSION) || KeeperError.is(e, ErrorCode.NODEEXISTS)) return undefined;
    if (KeeperError.is(e, ErrorCode.NONODE)) {
      // setData on a deleted node, or create under a missing parent: make the parent, then the caller re-reads.
      if (expectedVersion < 0) await ensurePath(client, parentPath(path));
      return undefined;
    }
    if (!isConnectionLoss(e)) throw e;
  }
  return resolveLostWrite(client, path, nonce, expectedVersion);
}

async function resolveLostWrite(client: Client, path: string, nonce: Uint8Array, expectedVersion: number): Promise<number | undefined> {
  let now: { data: Uint8Array; version: number } | undefined;
  for (;;) {
    await whenConnected(client);
    try {
      // The server we reconnected to may lag the one that took the write.
      await client.sync(path);
      const { data, stat } = await client.getData(path);
      now = { data, version: stat.version };
      break;
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return undefined;
      if (!isConnectionLoss(e)) throw e;
    }
  }
  if (now.version === expectedVersion + 1 && sameNonce(now.data, nonce)) return now.version;
  if (now.version <= expectedVersion + 1) return undefined;
  throw new KeeperError(ErrorCode.CONNECTIONLOSS, path, { detail: 'answer lost and later writes hide whether the write happened' });
}

function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
