// A multi's results as ZooKeeper's clients expect them. The tree reports every create inside a multi as
// create2 (path and Stat). ZooKeeper types a create inside a multi by its mode, not by the opcode it came
// with (its MultiOperationRecord reads create, create2 and createContainer records alike and rebuilds each
// op from the flags): a container or TTL create is answered as create2, any other as create (path only),
// the one create result that clients older than create2 (node-zookeeper-client 1.x) can read.
import { CreateMode, OpCode, isTtlMode } from '../../protocol/index.js';
import type { OpResult } from '../../protocol/index.js';

/** What the answer to one op of a multi depends on: its opcode and, for a create, its mode. */
export interface MultiSubOp {
  op: number;
  mode?: CreateMode;
}

export function asRequestedResults(results: readonly OpResult[], subOps: readonly MultiSubOp[]): OpResult[] {
  return results.map((result, i) => {
    if (result.op !== OpCode.create2 || answeredWithStat(subOps[i])) return result;
    const { stat: _stat, ...pathOnly } = result;
    return { ...pathOnly, op: OpCode.create };
  });
}

function answeredWithStat(subOp: MultiSubOp | undefined): boolean {
  return subOp?.mode !== undefined && (subOp.mode === CreateMode.CONTAINER || isTtlMode(subOp.mode));
}
