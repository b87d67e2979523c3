// Checks of the hello (on the acceptor) and the welcome (on the dialler). Pure functions: the caller
// closes the socket with the reason when the check fails.
import { SUPPORTED_VERSIONS, type Hello } from './codec.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface AcceptorIdentity {
  myId: number;
  ensembleId: string;
  members: ReadonlySet<number>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function isServerId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function clip(text: string, chars = 40): string {
  return text.length <= chars ? text : `${text.slice(0, chars)}...`;
}

/** Validates the first frame of an inbound connection. */
export function checkHello(frame: unknown, me: AcceptorIdentity): Checked<Hello> {
  if (!isObj(frame) || !isObj(frame['hello'])) return { ok: false, reason: 'expected a hello frame' };
  const { version, serverId, ensembleId } = frame['hello'];
  if (typeof version !== 'number' || !SUPPORTED_VERSIONS.includes(version)) {
    return { ok: false, reason: `unsupported version ${clip(String(version))}` };
  }
  if (!isServerId(serverId)) return { ok: false, reason: 'hello without a numeric serverId' };
  if (serverId === me.myId) return { ok: false, reason: `server id ${serverId} is my own id` };
  if (!me.members.has(serverId)) return { ok: false, reason: `unknown server id ${serverId}` };
  if (typeof ensembleId !== 'string') return { ok: false, reason: 'hello without an ensembleId' };
  if (ensembleId !== me.ensembleId) {
    return { ok: false, reason: `ensemble mismatch: mine ${clip(me.ensembleId, 32)}, theirs ${clip(ensembleId, 32)}` };
  }
  return { ok: true, value: { version, serverId, ensembleId } };
}

/** Validates the acceptor's answer: it must be the server we meant to dial. */
export function checkWelcome(frame: unknown, expectedId: number): Checked<number> {
  if (!isObj(frame) || !isObj(frame['welcome'])) return { ok: false, reason: 'expected a welcome frame' };
  const { serverId } = frame['welcome'];
  if (serverId !== expectedId) {
    return { ok: false, reason: `welcome from server ${clip(String(serverId))}, expected ${expectedId}` };
  }
  return { ok: true, value: expectedId };
}

/** A WebSocket close reason is limited to 123 bytes of UTF-8 (ws throws beyond). */
export function closeReason(reason: string, bytesMax: number): string {
  if (Buffer.byteLength(reason) <= bytesMax) return reason;
  let cut = reason.slice(0, bytesMax);
  while (Buffer.byteLength(cut) > bytesMax) cut = cut.slice(0, -1);
  return cut;
}
