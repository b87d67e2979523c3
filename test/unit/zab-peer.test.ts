// Scenario tests of the pure ZAB peer: inputs in, actions out, no I/O. A tiny hand-driven network
// delivers messages and "disks" acknowledge persist actions only when the test says so, so each test
// can check what a peer does before and after durability.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Txn } from '../../protocol/index.js';
import { History } from '../../src/zab/history.js';
import { betterVote } from '../../src/zab/election.js';
import { ZabPeer } from '../../src/zab/index.js';
import type { PeerAction, PeerInput, PeerMessage, PeerRecoveredState } from '../../src/zab/index.js';
import { create } from '../support/tree-txns.js';

const txn = (zxid: number, path = `/n${zxid}`): Txn => ({ zxid, time: 1, sessionId: 0, xid: 0, body: create(path) });
const EMPTY: PeerRecoveredState = { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0, txns: [] };

/** Peers (with snapshots of type S) plus pending messages and un-synced persist actions, stepped by hand. */
class Cluster<S = unknown> {
  readonly peers = new Map<number, ZabPeer<S>>();
  readonly inbox: Array<{ from: number; to: number; message: PeerMessage<S> }> = [];
  readonly unsynced = new Map<number, number[]>();
  readonly committed = new Map<number, number[]>();
  readonly installed = new Map<number, S[]>();
  readonly sent: Array<{ from: number; to: number; message: PeerMessage<S> }> = [];
  readonly down = new Set<number>();
  /** What a driver does to a SNAP the peer sends (types.ts, rule 3): the sender's state at fromZxid. Unset: sent as the peer made it. */
  snapshotOf: ((id: number, zxid: number) => S) | undefined;

  constructor(ids: number[], recovered: (id: number) => PeerRecoveredState = () => EMPTY) {
    for (const id of ids) {
      this.peers.set(id, new ZabPeer<S>({ myId: id, voters: ids, initLimitTicks: 10, syncLimitTicks: 5, historyTxnsMax: 100, random: () => 0.5 }, recovered(id)));
      this.unsynced.set(id, []);
      this.committed.set(id, []);
      this.installed.set(id, []);
    }
  }

  private take(id: number, actions: PeerAction<S>[]): void {
    for (const a of actions) {
      if (a.type === 'send') {
        let message = a.message;
        if (message.type === 'sync' && message.mode === 'snap' && this.snapshotOf !== undefined) message = { ...message, snapshot: this.snapshotOf(id, message.fromZxid) };
        this.sent.push({ from: id, to: a.to, message });
        this.inbox.push({ from: id, to: a.to, message });
      } else if (a.type === 'append' || a.type === 'truncate' || a.type === 'epochs' || a.type === 'installSnapshot') {
        if (a.type === 'installSnapshot') this.installed.get(id)!.push(a.snapshot);
        this.unsynced.get(id)!.push(a.seq);
      } else if (a.type === 'commit') {
        this.committed.get(id)!.push(...a.txns.map((t) => t.zxid));
      }
    }
  }

  start(): void {
    for (const [id, p] of this.peers) this.take(id, p.start());
  }

  step(id: number, input: PeerInput<S>): void {
    this.take(id, this.peers.get(id)!.step(input));
  }

  /** Makes every pending persist action of a peer durable. */
  sync(id: number): void {
    const seqs = this.unsynced.get(id)!;
    if (seqs.length === 0) return;
    const last = seqs[seqs.length - 1]!;
    seqs.length = 0;
    this.step(id, { type: 'persisted', seq: last });
  }

  /** Delivers messages and syncs disks until nothing is left to do. */
  settle(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      const m = this.inbox.shift();
      if (m !== undefined) {
        if (!this.down.has(m.to) && !this.down.has(m.from)) this.step(m.to, { type: 'message', from: m.from, message: m.message });
        continue;
      }
      const pending = [...this.unsynced].find(([id, s]) => s.length > 0 && !this.down.has(id));
      if (pending === undefined) return;
      this.sync(pending[0]);
    }
  }

  /** Settles, then lets time pass (ticks) and settles again: election retries and pings need ticks. */
  settleWithTicks(rounds = 6): void {
    this.settle();
    for (let r = 0; r < rounds; r++) {
      for (const [id] of this.peers) if (!this.down.has(id)) this.step(id, { type: 'tick' });
      this.settle();
    }
  }

  leader(): ZabPeer<S> | undefined {
    return [...this.peers.values()].find((p) => p.canPropose);
  }
}

describe('zab history', () => {
  test('finds, truncates and prunes by zxid', () => {
    const h = new History(10, [txn(11), txn(12), txn(20), txn(21)]);
    assert.equal(h.lastZxid, 21);
    assert.ok(h.contains(10) && h.contains(20) && !h.contains(13));
    assert.equal(h.largestBelow(15), 12);
    assert.equal(h.largestBelow(11), 10);
    assert.deepEqual(h.between(12, 21).map((t) => t.zxid), [20, 21]);
    assert.deepEqual(h.after(10).map((t) => t.zxid), [11, 12, 20, 21]);
    h.truncateAfter(12);
    assert.equal(h.lastZxid, 12);
    h.append([txn(30), txn(31)]);
    h.prune(30, 2, Infinity);
    assert.equal(h.base, 12);
    assert.deepEqual(h.after(h.base).map((t) => t.zxid), [30, 31]);
    h.prune(31, 0, Infinity);
    assert.equal(h.base, 31);
    assert.throws(() => h.append([txn(5)]), /history must grow/);
  });

  test('prunes committed txns by bytes too, never uncommitted ones', () => {
    const big = (zxid: number): Txn => ({ zxid, time: 0, sessionId: 1, xid: 1, body: { type: 'setData', path: '/a', data: new Uint8Array(1000) } });
    const h = new History(0, [big(1), big(2), big(3), big(4)]);
    h.prune(2, 100, 2500);
    // Four of about 1 KiB each, at most 2.5 KiB kept: only the two committed ones may go.
    assert.equal(h.base, 2);
    assert.deepEqual(h.after(h.base).map((t) => t.zxid), [3, 4]);
    h.prune(4, 100, 2500);
    assert.equal(h.base, 2);
    h.prune(4, 100, 1500);
    assert.equal(h.base, 3);
    h.truncateAfter(3);
    h.append([big(5)]);
    h.prune(5, 100, 1500);
    assert.deepEqual(h.after(h.base).map((t) => t.zxid), [5]);
  });

  test('votes order by epoch, then zxid, then id', () => {
    assert.ok(betterVote({ leader: 1, zxid: 0, peerEpoch: 2 }, { leader: 3, zxid: 99, peerEpoch: 1 }));
    assert.ok(betterVote({ leader: 1, zxid: 5, peerEpoch: 1 }, { leader: 3, zxid: 4, peerEpoch: 1 }));
    assert.ok(betterVote({ leader: 3, zxid: 5, peerEpoch: 1 }, { leader: 2, zxid: 5, peerEpoch: 1 }));
    assert.ok(!betterVote({ leader: 2, zxid: 5, peerEpoch: 1 }, { leader: 2, zxid: 5, peerEpoch: 1 }));
  });
});

describe('zab peer', () => {
  test('a standalone peer establishes a new epoch only once it is durable, then commits its recovered log', () => {
    const c = new Cluster([1], () => ({ acceptedEpoch: 3, currentEpoch: 3, snapshotZxid: 0, txns: [txn(3 * 2 ** 32 + 1), txn(3 * 2 ** 32 + 2)] }));
    c.start();
    const peer = c.peers.get(1)!;
    assert.equal(peer.canPropose, false, 'not before acceptedEpoch is durable');
    c.sync(1);
    assert.equal(peer.canPropose, false, 'not before currentEpoch is durable');
    assert.deepEqual(c.committed.get(1), []);
    c.sync(1);
    assert.equal(peer.canPropose, true);
    assert.equal(peer.diagnostics().currentEpoch, 4);
    assert.deepEqual(c.committed.get(1), [3 * 2 ** 32 + 1, 3 * 2 ** 32 + 2]);
    const z = peer.nextZxid();
    assert.equal(z, 4 * 2 ** 32 + 1);
    c.step(1, { type: 'propose', txns: [txn(z)] });
    assert.equal(c.committed.get(1)!.length, 2, 'a proposal commits only once durable');
    c.sync(1);
    assert.deepEqual(c.committed.get(1)!.slice(2), [z]);
  });

  test('three peers elect the one with the newest log and commit on a quorum of durable acks', () => {
    const logs: Record<number, Txn[]> = { 1: [txn(2 ** 32 + 1)], 2: [txn(2 ** 32 + 1), txn(2 ** 32 + 2)], 3: [] };
    const c = new Cluster([1, 2, 3], (id) => ({ acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0, txns: logs[id]! }));
    c.start();
    c.settleWithTicks();
    const leader = c.leader();
    assert.equal(leader?.myId, 2);
    for (const id of [1, 2, 3]) assert.deepEqual(c.committed.get(id), [2 ** 32 + 1, 2 ** 32 + 2], `server ${id} committed the leader's history`);

    // Propose; follower 3 is slow to sync and follower 1 is down: nothing may commit on the leader's disk alone.
    c.down.add(1);
    const z = leader!.nextZxid();
    c.step(2, { type: 'propose', txns: [txn(z)] });
    while (c.inbox.length > 0) {
      const m = c.inbox.shift()!;
      if (!c.down.has(m.to)) c.step(m.to, { type: 'message', from: m.from, message: m.message });
    }
    c.sync(2);
    assert.ok(!c.committed.get(2)!.includes(z), 'one durable copy is not a quorum');
    const acksBefore = c.sent.filter((s) => s.from === 3 && s.message.type === 'ack').length;
    assert.equal(acksBefore, 0, 'no ack before the follower synced');
    c.sync(3);
    c.settle();
    assert.ok(c.committed.get(2)!.includes(z));
    assert.ok(c.committed.get(3)!.includes(z));
  });

  test('a leader message that cannot apply to the log costs the learner session, not an exception', () => {
    const c = new Cluster([1, 2, 3]);
    c.start();
    c.settleWithTicks();
    const leaderId = c.leader()!.myId;
    const followerId = [1, 2, 3].find((id) => id !== leaderId)!;
    const z = c.leader()!.nextZxid();
    c.step(leaderId, { type: 'propose', txns: [txn(z)] });
    c.settleWithTicks(1);
    // The follower's current session with the leader, as the leader last addressed it.
    const last = [...c.sent].reverse().find((s) => s.from === leaderId && s.to === followerId && 'session' in s.message)!.message as PeerMessage & { session: number; seq: number };
    const stale = { type: 'proposal', session: last.session, seq: last.seq + 1, txns: [txn(z)] } as PeerMessage;
    assert.doesNotThrow(() => c.step(followerId, { type: 'message', from: leaderId, message: stale }));
    assert.match(c.peers.get(followerId)!.diagnostics().lastStepDownReason ?? '', /does not follow our log's end/);
  });

  test('a follower that logged txns the new leader never had truncates them when it rejoins', () => {
    const e1 = 2 ** 32;
    const logs: Record<number, Txn[]> = { 1: [txn(e1 + 1), txn(e1 + 2), txn(e1 + 3)], 2: [txn(e1 + 1)], 3: [txn(e1 + 1)] };
    const c = new Cluster([1, 2, 3], (id) => ({ acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0, txns: logs[id]! }));
    c.down.add(1);
    c.start();
    c.settle();
    assert.equal(c.leader()?.myId, 3);
    c.down.delete(1);
    c.settleWithTicks();
    const sync = c.sent.find((s) => s.to === 1 && s.message.type === 'sync');
    assert.ok(sync !== undefined && sync.message.type === 'sync');
    assert.equal(sync.message.mode, 'trunc');
    assert.equal(sync.message.fromZxid, e1 + 1);
    assert.equal(c.peers.get(1)!.diagnostics().lastZxid, e1 + 1);
    assert.ok(!c.committed.get(1)!.includes(e1 + 2), 'the truncated txns were never applied');
  });

  test('a SNAP carries the driver\'s snapshot to the learner\'s installSnapshot action; one without a snapshot costs the session', () => {
    interface Snap { zxid: number; label: string }
    const e1 = 2 ** 32;
    // Servers 2 and 3 start from a snapshot at e1 + 5 with nothing logged before it: server 1, with an
    // empty log, is behind the leader's history and can only be sent a SNAP.
    const c = new Cluster<Snap>([1, 2, 3], (id) => (id === 1 ? EMPTY : { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: e1 + 5, txns: [] }));
    c.start();
    c.settleWithTicks();
    assert.equal(c.leader()?.myId, 3);
    assert.match(c.peers.get(1)!.diagnostics().lastStepDownReason, /SNAP without a snapshot/);
    assert.deepEqual(c.installed.get(1), []);

    c.snapshotOf = (id, zxid) => ({ zxid, label: `server ${id}` });
    c.settleWithTicks();
    const installed: Snap[] = c.installed.get(1)!;
    assert.deepEqual(installed, [{ zxid: e1 + 5, label: 'server 3' }]);
    assert.equal(c.peers.get(1)!.diagnostics().lastZxid, e1 + 5);
    assert.equal(c.peers.get(1)!.diagnostics().serving, true);
  });
});
