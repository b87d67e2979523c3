// The simulator's checks catch what they are for: each bug of src/replica/injected-bugs.ts, switched on in
// the production code paths, makes a whole-replica run fail within a stated number of seeds, with 3 and
// with 5 servers, and through a check meant for it. Each test reports the seed that caught it; the bound
// leaves room for the simulator and the server to change.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InjectedBugName } from '../../src/replica/injected-bugs.js';
import { INJECTED_BUG_NAMES } from '../../src/replica/injected-bugs.js';
import { runReplicaSeed } from './replica/simulate.js';
import type { ReplicaRunResult } from './replica/simulate.js';
import { DEFAULT_REPLICA_RUN_OPTIONS, replicaReplayCommand } from './replica/summary.js';

type FailureKind = NonNullable<ReplicaRunResult['failure']>['kind'];

interface BugCase {
  bug: InjectedBugName;
  /** The failure it must cause: its kind and how its message starts (one of these). */
  catches: ReadonlyArray<{ kind: FailureKind; check: RegExp }>;
  /** Caught within this many seeds (seeds 1..bound). */
  bound: number;
}

const CASES: readonly BugCase[] = [
  { bug: 'ackBeforeFsync', catches: [{ kind: 'invariant', check: /^invariant 5 violated/ }], bound: 10 },
  { bug: 'applyOutOfOrder', catches: [{ kind: 'invariant', check: /^invariant 2 violated: .* out of zxid order/ }], bound: 10 },
  { bug: 'expireWithoutTxn', catches: [{ kind: 'client', check: /^ephemerals: / }], bound: 10 },
  // A read computed ahead of its session's write: it misses that write (read-your-writes), or its watch
  // fires on that write before the client has its answer.
  { bug: 'readBeforeOwnWrite', catches: [{ kind: 'linearizability', check: /\[stale-own-write\]/ }, { kind: 'client', check: /^(watch|watch order): / }], bound: 10 },
  { bug: 'dropWatchesOnReconnect', catches: [{ kind: 'client', check: /^watch order: / }], bound: 10 },
  { bug: 'serveBeforeSynced', catches: [{ kind: 'client', check: /^serving: / }], bound: 10 },
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
      test(`${c.bug} with ${servers} servers: caught within ${c.bound} seeds`, (t) => {
        const r = firstCatch(c.bug, servers, c.bound);
        assert.ok(r !== undefined, `${c.bug} went unnoticed for ${c.bound} seeds`);
        const f = r.failure!;
        const replay = replicaReplayCommand(r, { ...DEFAULT_REPLICA_RUN_OPTIONS, bug: c.bug });
        const meant = c.catches.some((m) => m.kind === f.kind && m.check.test(f.message));
        assert.ok(meant, `seed ${r.seed} failed, but not through a check meant for ${c.bug}: [${f.kind}] ${f.message} (replay: ${replay})`);
        t.diagnostic(`caught by seed ${r.seed} at step ${f.step}: [${f.kind}] ${f.message.split('\n')[0]}`);
      });
    }
  }
});
