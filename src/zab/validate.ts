// Shape checks for messages that arrive from other servers. Links are only accepted from configured
// members, but a message is still checked before the peer trusts it: a malformed one is dropped (and
// logged by the caller) rather than tripping an invariant deep inside the peer.
import type { PeerMessage, PeerState, SyncMode } from './types.js';

type Fields = Record<string, unknown>;

const isRecord = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isZxid = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const STATES: readonly PeerState[] = ['looking', 'following', 'leading'];
const MODES: readonly SyncMode[] = ['diff', 'trunc', 'snap'];

function hasNumbers(m: Fields, keys: readonly string[]): boolean {
  return keys.every((k) => isZxid(m[k]));
}

function isTxn(v: unknown): boolean {
  return isRecord(v) && hasNumbers(v, ['zxid', 'time', 'xid']) && typeof v.sessionId === 'number' && isRecord(v.body) && typeof v.body.type === 'string';
}

function txnsAscending(v: unknown): boolean {
  if (!Array.isArray(v) || !v.every(isTxn)) return false;
  for (let i = 1; i < v.length; i++) if ((v[i] as { zxid: number }).zxid <= (v[i - 1] as { zxid: number }).zxid) return false;
  return true;
}

const SESSION_FIELDS = ['session', 'seq'] as const;

export function asPeerMessage(v: unknown): PeerMessage | undefined {
  if (!isRecord(v)) return undefined;
  const ok = ((): boolean => {
    switch (v.type) {
      case 'vote': {
        const vote = v.vote;
        return isRecord(vote) && hasNumbers(vote, ['leader', 'zxid', 'peerEpoch']) && isZxid(v.electionEpoch) && STATES.includes(v.state as PeerState);
      }
      case 'abort': return isZxid(v.session) && typeof v.reason === 'string';
      case 'followerInfo': return hasNumbers(v, [...SESSION_FIELDS, 'acceptedEpoch', 'currentEpoch', 'lastZxid']);
      case 'ackEpoch': return hasNumbers(v, [...SESSION_FIELDS, 'currentEpoch', 'lastZxid']);
      case 'ackNewLeader': case 'ack': case 'commit': return hasNumbers(v, [...SESSION_FIELDS, 'zxid']);
      case 'pong': case 'ping': return hasNumbers(v, SESSION_FIELDS);
      case 'request': case 'reply': return hasNumbers(v, SESSION_FIELDS) && 'payload' in v;
      case 'leaderInfo': return hasNumbers(v, [...SESSION_FIELDS, 'epoch']);
      case 'sync':
        return hasNumbers(v, [...SESSION_FIELDS, 'epoch', 'fromZxid', 'commitZxid']) && MODES.includes(v.mode as SyncMode) && txnsAscending(v.txns)
          && (v.mode !== 'snap' || isRecord(v.snapshot));
      case 'proposal': return hasNumbers(v, SESSION_FIELDS) && txnsAscending(v.txns) && (v.txns as unknown[]).length > 0;
      case 'upToDate': return hasNumbers(v, [...SESSION_FIELDS, 'commitZxid']);
      default: return false;
    }
  })();
  return ok ? (v as unknown as PeerMessage) : undefined;
}
