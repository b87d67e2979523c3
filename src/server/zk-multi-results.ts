// A multi's results as ZooKeeper's clients expect them. The tree reports every create inside a multi as
// create2 (path and Stat), whichever create op was asked for; ZooKeeper answers a plain create with a
// create result (path only), and clients older than create2 (node-zookeeper-client 1.x) cannot read the
// other. The door knows the ops it was sent, so it answers each as asked.
import { OpCode } from '../../protocol/index.js';
import type { OpResult } from '../../protocol/index.js';

export function asRequestedResults(results: readonly OpResult[], subOps: readonly number[]): OpResult[] {
  return results.map((result, i) => {
    if (result.op !== OpCode.create2 || subOps[i] !== OpCode.create) return result;
    const { stat: _stat, ...pathOnly } = result;
    return { ...pathOnly, op: OpCode.create };
  });
}
