// The simulator's checks catch what they are for: each bug of src/replica/injected-bugs.ts, switched on in
// the production code paths, makes a whole-replica run fail within a stated number of seeds, with 3 and
// with 5 servers, and through the check meant for it. The seeds that first caught each bug (3 / 5 servers)
// when this was written are noted; the bound leaves room for the simulator to change.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InjectedBugName } from '../../src/replica/injected-bugs.js';
import { INJECTED_BUG_NAMES } from '../../src/replica/injected-bugs.js';
import { runReplicaSeed } from './replica/simulate.js';
import type { ReplicaRunResult } from './replica/simulate.js';
import { DEFAULT_REPLICA_RUN_OPTIONS, replicaReplayCommand } from './replica/summary.js';

interface BugCase {
  bug: InjectedBugName;
  /** The failure it must cause: its kind, and how its message starts. */
  kind: ReplicaRunResult['failure'] extends infer F ? (F extends { kind: infer K } ? K : never) : never;
  check: RegExp;
  /** Caught within this many seeds (seeds 1..bound). */
  bound: number;
  /** First catching seed with 3 and 5 servers when this was written. */
  caughtAt: readonly [number, number];
}

const CASES: readonly BugCase[] = [
  { bug: 'ackBeforeFsync', kind: 'invariant', check: /^invariant 5 violated/, bound: 10, caughtAt: [1, 1] },
  { bug: 'applyOutOfOrder', kind: 'invariant', check: /^invariant 2 violated: .* out of zxid order/, bound: 10, caughtAt: [1, 1] },
  { bug: 'expireWithoutTxn', kind: 'client', check: /^ephemerals: /, bound: 10, caughtAt: [2, 1] },
  { bug: 'readBeforeOwnWrite', kind: 'client', check: /^(watch|watch order|fifo): /, bound: 10, caughtAt: [2, 1] },
  { bug: 'dropWatchesOnReconnect', kind: 'client', check: /^watch order: /, bound: 10, caughtAt: [2, 1] },
  { bug: 'serveBeforeSynced', kind: 'client', check: /^serving: /, bound: 10, caughtAt: [1, 1] },
];

function firstCatch(bug: InjectedBugName, servers: number, bound: number): ReplicaRunResult | undefined {
  for (let seed = 1; seed <= bound; seed++) {
    const r = runReplicaSeed(seed, servers, { bugs: { [bug]: true } });
    if (!r.ok) return r;
  }
  return undefined;
}

describe('injected bugs are caught', () => {
  test('every declared bug has a case', () => {
    assert.deepEqual(CASES.map((c) => c.bug).sort(), [...INJECTED_BUG_NAMES].sort());
  });

  for (const c of CASES) {
    for (const servers of [3, 5]) {
      test(`${c.bug} with ${servers} servers: within ${c.bound} seeds (first caught by seed ${c.caughtAt[servers === 3 ? 0 : 1]})`, (t) => {
        const r = firstCatch(c.bug, servers, c.bound);
        assert.ok(r !== undefined, `${c.bug} went unnoticed for ${c.bound} seeds`);
        const f = r.failure!;
        const replay = replicaReplayCommand(r, { ...DEFAULT_REPLICA_RUN_OPTIONS, bug: c.bug });
        assert.equal(f.kind, c.kind, `seed ${r.seed} failed as [${f.kind}] ${f.message} (replay: ${replay})`);
        assert.match(f.message, c.check, `seed ${r.seed} (replay: ${replay})`);
        t.diagnostic(`caught by seed ${r.seed} at step ${f.step}: [${f.kind}] ${f.message.split('\n')[0]}`);
      });
    }
  }
});
