// What servers tell each other above ZAB: a follower forwards its clients' writes, syncs and session
// touches to the leader; the leader answers failed writes and syncs. Successful writes need no answer:
// the follower completes them when it applies the committed txn (matched by session id and xid).
// Payloads arrive from ensemble members only (the transport checks membership) but are still checked
// for shape before use: a bad one is logged and dropped, never trusted.
import { OpCode } from '../../protocol/index.js';
import type { OpResult } from '../../protocol/index.js';
import type { WriteRequest } from './prep.js';

export type LearnerPayload =
  | { kind: 'write'; sessionId: number; xid: number; request: WriteRequest }
  | { kind: 'sync'; id: number }
  /** [sessionId, timeoutMs] for every session a client touched on the follower since the last touch. */
  | { kind: 'touch'; sessions: Array<[number, number]> };

export type LeaderPayload =
  /** The write failed in prep; answer it once zxid is applied (it was judged against everything before it). */
  | { kind: 'writeError'; sessionId: number; xid: number; err: number; zxid: number; path?: string; results?: OpResult[] }
  /** The leader had proposed up to zxid when the sync arrived. */
  | { kind: 'synced'; id: number; zxid: number };

const FORWARDABLE_OPS = new Set<number>([
  OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL, OpCode.delete, OpCode.setData, OpCode.setACL,
  OpCode.check, OpCode.multi, OpCode.createSession, OpCode.closeSession,
]);

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function asLearnerPayload(v: unknown): LearnerPayload | undefined {
  if (!isRecord(v)) return undefined;
  switch (v.kind) {
    case 'write': {
      const req = v.request;
      if (!isInt(v.sessionId) || !isInt(v.xid) || !isRecord(req) || !isInt(req.op) || !FORWARDABLE_OPS.has(req.op)) return undefined;
      return v as LearnerPayload;
    }
    case 'sync':
      return isInt(v.id) ? (v as LearnerPayload) : undefined;
    case 'touch':
      if (!Array.isArray(v.sessions) || !v.sessions.every((s) => Array.isArray(s) && s.length === 2 && isInt(s[0]) && isInt(s[1]))) return undefined;
      return v as LearnerPayload;
    default:
      return undefined;
  }
}

export function asLeaderPayload(v: unknown): LeaderPayload | undefined {
  if (!isRecord(v)) return undefined;
  switch (v.kind) {
    case 'writeError':
      return isInt(v.sessionId) && isInt(v.xid) && isInt(v.err) && isInt(v.zxid) ? (v as LeaderPayload) : undefined;
    case 'synced':
      return isInt(v.id) && isInt(v.zxid) ? (v as LeaderPayload) : undefined;
    default:
      return undefined;
  }
}
