// Shapes a write's outcome into the response its opcode promises (protocol/ops.ts ResponseBodies).
import { ErrorCode, OpCode } from '../../protocol/index.js';
import type { RequestOfKind, Response } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { WriteOutcome } from './write-path.js';

export function writeResponse(req: RequestOfKind<'write'>, outcome: WriteOutcome, appliedZxid: number): Response {
  const { xid } = req;
  if (outcome.err !== ErrorCode.OK) {
    const failed: Response = { xid, zxid: appliedZxid, err: outcome.err };
    if (req.op === OpCode.multi && outcome.results !== undefined) failed.results = outcome.results;
    return failed;
  }
  const zxid = outcome.zxid;
  const result = outcome.result;
  switch (req.op) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return { xid, zxid, err: ErrorCode.OK, path: result?.path ?? req.path, ...(result?.stat ? { stat: result.stat } : {}) };
    case OpCode.setData:
    case OpCode.setACL:
      return { xid, zxid, err: ErrorCode.OK, ...(result?.stat ? { stat: result.stat } : {}) };
    case OpCode.multi:
      return { xid, zxid, err: ErrorCode.OK, results: outcome.results ?? [] };
    case OpCode.delete:
    case OpCode.check:
      return { xid, zxid, err: ErrorCode.OK };
    default:
      return assertNever(req, 'write op');
  }
}
