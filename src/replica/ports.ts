// What a replica needs from the world, and nothing more. The replica is one server's whole logic, driven
// only by its inputs (client frames per connection, peer messages, ticks, storage completions); every
// effect leaves through these ports. Real drivers (src/server/) put ws, classic-level and timers behind
// them; the simulator (test/sim/) puts a seeded network, disk and clock behind the same ones.
import type { ConnectResponse, NotificationFrame, Response, Txn } from '../../protocol/index.js';
import type { TreeSnapshot } from '../tree/data-tree.js';
import type { PeerMessage, PeerStatus, ServerId } from '../zab/index.js';

export interface ReplicaLog {
  error(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  info(msg: string, meta?: object): void;
  debug(msg: string, meta?: object): void;
}

/**
 * One durable write. Writes are carried out in the order given; once everything through `seq` is durable
 * (fsynced) the driver feeds `replica.persisted(seq)`, in increasing seq order. ZAB acks depend on it.
 */
export type StorageWrite =
  | { type: 'append'; seq: number; txns: readonly Txn[] }
  | { type: 'truncate'; seq: number; afterZxid: number }
  | { type: 'epochs'; seq: number; acceptedEpoch?: number; currentEpoch?: number }
  /** SNAP from the leader: the store becomes this snapshot and an empty log. */
  | { type: 'installSnapshot'; seq: number; zxid: number; snapshot: TreeSnapshot };

export interface StoragePort {
  write(write: StorageWrite): void;
  /** A snapshot of the applied state to keep, written in the background; the driver skips it while one is being written. */
  snapshot(snapshot: TreeSnapshot): void;
}

export interface PeerPort {
  send(to: ServerId, message: PeerMessage<TreeSnapshot>): void;
}

/** Answers and events as they go to a client, before any encoding. */
export type ClientFrame = ConnectResponse | Response | NotificationFrame;

/** One client connection as the replica sees it. */
export interface ClientLink {
  send(frame: ClientFrame): void;
  /** Closes the connection; the driver then feeds the handle's closed() (at once or later). */
  close(code: number, reason: string): void;
  /** Stop (or resume) reading this client's requests: its queue or the global budget of writes is full. */
  setReadingPaused(paused: boolean): void;
  /** Answers wait while this holds (too much output unsent); the driver calls the handle's drained() when it no longer does. */
  readonly congested: boolean;
}

/** What metrics see of the write path; timing it is the driver's business (the replica has no fine clock). */
export interface ReplicaObserver {
  /** Leader: a proposal whose last txn is lastZxid was made. */
  proposed(lastZxid: number): void;
  /** Txns up to lastZxid were committed and applied (on every role). */
  committed(lastZxid: number): void;
}

export interface ReplicaPorts {
  storage: StoragePort;
  peers: PeerPort;
  /** Wall-clock ms: txn timestamps, session liveness, holding handshakes. */
  clock(): number;
  /** Seeded in the simulator: election jitter, learner session ids, when snapshots are taken. */
  random(): number;
  /** Session passwords: cryptographically random in a real server. */
  randomBytes(count: number): Uint8Array;
  /** Asks for replica.flush() once the inputs arriving now are handled: writes prepared meanwhile go out as one proposal. */
  scheduleFlush(): void;
  /** The peer's role or serving status changed (after the replica acted on it). */
  statusChanged(status: PeerStatus): void;
  /** Storage failed: durability can no longer be promised, the replica has stopped; the driver should stop too. */
  failed(error: Error): void;
  log: ReplicaLog;
  /** For what clients and peers can provoke: bounded, rate-limited. */
  inputLog: ReplicaLog;
  observer?: ReplicaObserver;
}
