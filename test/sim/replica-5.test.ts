// The whole-replica simulator in CI, 5 servers (the 3-server seeds run in parallel, replica-3.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertExercised, describeFailures, runBatch } from './replica/ci.js';

const SEEDS = 750;

describe('whole-replica simulator: 5 servers', () => {
  test(`${SEEDS} seeds keep every check and converge after healing`, () => {
    const { totals, failures } = runBatch(5, 1, SEEDS);
    assert.equal(failures.length, 0, `${failures.length} failing runs:\n${describeFailures(failures)}`);
    assertExercised(totals, SEEDS);
  });
});
