// The whole-replica simulator in CI, 5 servers (the 3-server seeds run in parallel, replica-3.test.ts).
import { describe } from 'node:test';
import { seedsTest } from './replica/ci.js';

describe('whole-replica simulator: 5 servers', () => {
  seedsTest(5, 1, 750);
});
