// The ZAB peer's contract: what goes in (inputs), what comes out (actions), what travels between peers
// (messages). The peer is a pure state machine: no sockets, disk, clocks or unseeded randomness. A driver
// (src/replica/peer-loop.ts, in a real server and in the simulator alike) feeds it inputs and carries
// out its actions, in order.
//
// The driver's rules, which the simulator checks:
// 1. Actions are carried out in the order they are returned.
// 2. Persist actions ('append', 'truncate', 'installSnapshot', 'epochs') are written in that order to
//    storage; when everything up to and including the persist action with sequence number `seq` is durable
//    (fsynced), the driver feeds `{ type: 'persisted', seq }`. The peer never sends a message that depends
//    on durability (an ack, ACKEPOCH, an ack of NEWLEADER) before that input arrives.
// 3. 'commit' actions are applied to the state machine at once and in order; a 'send' of a 'sync' message
//    with mode 'snap' carries `snapshot: undefined` from the peer, and the driver fills in the state
//    machine's snapshot at that moment (it is then at exactly `fromZxid`, which the driver asserts).
// 4. 'installSnapshot' replaces the state machine's state at once (before later commits) and persists it.
//
// S is the state machine's snapshot type (the tree's TreeSnapshot in the server). The peer never looks
// inside one: it only carries a leader's snapshot from a SNAP to an 'installSnapshot' action. S defaults
// to unknown for drivers that do not name it.
import type { Txn } from '../../protocol/index.js';

export type ServerId = number;

/** A ballot of fast leader election, ordered by peerEpoch, then zxid, then leader id. */
export interface Vote {
  leader: ServerId;
  /** The candidate's last logged zxid. */
  zxid: number;
  /** The candidate's currentEpoch (the last epoch whose NEWLEADER it accepted). */
  peerEpoch: number;
}

export type PeerState = 'looking' | 'following' | 'leading';

// ---- messages between peers ----

/** A fast-leader-election notification. Outside any learner session. */
export interface VoteMessage {
  type: 'vote';
  vote: Vote;
  electionEpoch: number;
  state: PeerState;
}

/**
 * Every message between a leader and one learner belongs to a learner session, named by a number the
 * learner picks when it starts following. Each direction numbers its messages 0, 1, 2, ... (`seq`): a
 * duplicate is ignored, a gap or reordering ends the session (the learner goes back to election), so
 * the protocol sees the FIFO, all-or-nothing channel ZAB assumes even over a lossy network.
 */
interface InSession {
  session: number;
  seq: number;
}

// learner → leader
export interface FollowerInfoMessage extends InSession { type: 'followerInfo'; acceptedEpoch: number; currentEpoch: number; lastZxid: number }
export interface AckEpochMessage extends InSession { type: 'ackEpoch'; currentEpoch: number; lastZxid: number }
/** The learner's log holds the synced history and its currentEpoch is the new epoch, both durably. */
export interface AckNewLeaderMessage extends InSession { type: 'ackNewLeader'; zxid: number }
/** Cumulative: every proposal up to zxid is durable in the learner's log. */
export interface AckMessage extends InSession { type: 'ack'; zxid: number }
export interface PongMessage extends InSession { type: 'pong' }
/** Opaque to the peer: forwarded client writes, session touches, sync requests. */
export interface RequestMessage extends InSession { type: 'request'; payload: unknown }

// leader → learner
export interface LeaderInfoMessage extends InSession { type: 'leaderInfo'; epoch: number }
export type SyncMode = 'diff' | 'trunc' | 'snap';
/**
 * NEWLEADER with the synchronisation in front of it. diff: the learner keeps its log through fromZxid and
 * appends txns. trunc: it first drops its log after fromZxid. snap: it replaces its state with `snapshot`
 * (the leader's state at fromZxid) and appends txns. Then its log equals the leader's history.
 */
export interface SyncMessage<S = unknown> extends InSession {
  type: 'sync';
  epoch: number;
  mode: SyncMode;
  fromZxid: number;
  /** SNAP only; the leader's peer leaves it undefined and its driver fills it in (rule 3 above). */
  snapshot?: S;
  txns: Txn[];
  /** Everything up to here is committed (the leader's commit point when it sent this). */
  commitZxid: number;
}
export interface ProposalMessage extends InSession { type: 'proposal'; txns: Txn[] }
/** Cumulative: every proposal up to zxid is committed. */
export interface CommitMessage extends InSession { type: 'commit'; zxid: number }
/** The epoch is established: the learner may serve clients. */
export interface UpToDateMessage extends InSession { type: 'upToDate'; commitZxid: number }
export interface PingMessage extends InSession { type: 'ping' }
/** Opaque to the peer: answers to forwarded requests, ordered after every proposal sent before them. */
export interface ReplyMessage extends InSession { type: 'reply'; payload: unknown }

/** Either side ends a learner session at once (outside the seq order). */
export interface AbortMessage { type: 'abort'; session: number; reason: string }

export type LearnerMessage = FollowerInfoMessage | AckEpochMessage | AckNewLeaderMessage | AckMessage | PongMessage | RequestMessage;
export type LeaderMessage<S = unknown> = LeaderInfoMessage | SyncMessage<S> | ProposalMessage | CommitMessage | UpToDateMessage | PingMessage | ReplyMessage;
export type PeerMessage<S = unknown> = VoteMessage | LearnerMessage | LeaderMessage<S> | AbortMessage;

// ---- inputs ----

export type PeerInput<S = unknown> =
  /** One tick of time (tickTime ms in a real server). */
  | { type: 'tick' }
  | { type: 'message'; from: ServerId; message: PeerMessage<S> }
  /** The link carrying this peer's messages to us broke: messages may have been lost, the peer may be dead. */
  | { type: 'peerDown'; from: ServerId }
  /** Everything up to and including the persist action `seq` is durable. */
  | { type: 'persisted'; seq: number }
  /** Leader only, once `status().canPropose`: txns prepared by prep, zxids consecutive after lastZxid in the current epoch. */
  | { type: 'propose'; txns: Txn[] }
  /** Learner only, once serving: send an opaque payload to the leader. */
  | { type: 'forward'; payload: unknown }
  /** Leader only: send an opaque payload to one learner, ordered after every proposal already sent. */
  | { type: 'reply'; to: ServerId; payload: unknown };

// ---- actions ----

export type PeerAction<S = unknown> =
  | { type: 'send'; to: ServerId; message: PeerMessage<S> }
  /** Log txns (in order, after everything persisted before). */
  | { type: 'append'; seq: number; txns: Txn[] }
  /** Drop every logged txn with zxid > afterZxid. */
  | { type: 'truncate'; seq: number; afterZxid: number }
  /** Replace the state machine and the log with a snapshot at zxid (SNAP). The log is empty afterwards. */
  | { type: 'installSnapshot'; seq: number; zxid: number; snapshot: S }
  | { type: 'epochs'; seq: number; acceptedEpoch?: number; currentEpoch?: number }
  /** Apply these txns to the state machine, in order: they are committed. */
  | { type: 'commit'; txns: Txn[] }
  /** Leader: a learner forwarded an opaque payload. */
  | { type: 'fromLearner'; from: ServerId; payload: unknown }
  /** Learner: the leader replied with an opaque payload; every commit action before it was ordered first. */
  | { type: 'fromLeader'; payload: unknown }
  /** Role or serving status changed; the driver drops client connections when it stops serving. */
  | { type: 'status'; status: PeerStatus };

/** A leader's view of one learner (for operators: who is synced, and how far its acks lag). */
export interface LearnerView {
  id: ServerId;
  /** Synced and receiving proposals. */
  synced: boolean;
  /** The last zxid it acknowledged as durable. */
  ackedZxid: number;
}

export interface PeerStatus {
  state: PeerState;
  /** The leader this peer follows or is (0 while looking). */
  leader: ServerId;
  /** The epoch being established or served (0 while looking). */
  epoch: number;
  /** Synced with an established leader (or the established leader itself): clients may be served. */
  serving: boolean;
}

// ---- construction ----

export interface PeerOptions {
  myId: ServerId;
  /** Every voting member, this one included. */
  voters: readonly ServerId[];
  /** Ticks a learner may take to connect and sync, and a leader to establish its epoch. */
  initLimitTicks: number;
  /** Ticks without hearing the other side before a broadcast-phase leader or follower gives up. */
  syncLimitTicks: number;
  /** Committed txns kept in memory for DIFF; a learner further behind gets SNAP. */
  historyTxnsMax: number;
  /** Bytes of committed txns kept in memory for DIFF (txnBytes); default: no bound but the count. */
  historyBytesMax?: number;
  /** Seeded randomness (values in [0, 1)): learner session ids and election retry jitter. */
  random: () => number;
}

/** What the peer starts from, recovered by the driver from storage. */
export interface PeerRecoveredState {
  acceptedEpoch: number;
  currentEpoch: number;
  /** The zxid the state machine (snapshot) is at: committed, and the start of `txns`. */
  snapshotZxid: number;
  /** Logged txns after snapshotZxid, ascending. Not known to be committed: the driver does not apply them. */
  txns: Txn[];
}
