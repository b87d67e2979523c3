// Where each client request goes once its session is bound, by its kind in the op table (protocol/ops.ts):
// reads are answered from the local tree at the head of the connection's queue; auth ops act at once and
// are answered in turn; sync, session ops and writes go through the write path, answered in their turn.
// Every request (a ping included) counts as a sign of life for its session.
import { CloseCode, ErrorCode, OpCode, hex, kindedRequest } from '../../protocol/index.js';
import type { Request, RequestOfKind, Response, WatchedEvent } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { DataTree } from '../tree/data-tree.js';
import { WatchLimitError } from '../tree/watch-manager.js';
import type { WatchManager } from '../tree/watch-manager.js';
import type { ClientHandle } from './client-handle.js';
import { NO_INJECTED_BUGS } from './injected-bugs.js';
import type { InjectedBugs } from './injected-bugs.js';
import { executeAuthOp, executeRead } from './read-ops.js';
import type { SessionService } from './session-service.js';
import type { WritePath } from './write-path.js';
import { writeResponse } from './write-responses.js';

export class RequestRouter {
  constructor(
    private readonly tree: DataTree,
    private readonly watches: WatchManager,
    private readonly writePath: WritePath,
    private readonly sessions: SessionService,
    private readonly answerBytesMax: number,
    private readonly bugs: InjectedBugs = NO_INJECTED_BUGS,
  ) {}

  route(conn: ClientHandle, req: Request): void {
    const sessionId = conn.sessionId;
    this.sessions.liveness.touch(sessionId, conn.sessionTimeoutMs);
    const closing = this.sessions.closingState(sessionId);
    if (closing === 'expiring') {
      // Its expiry is proposed but may never commit: no answer can be given yet, so the client retries.
      return conn.close(CloseCode.NOT_SERVING, `session ${hex(sessionId)} is being expired; retry`);
    }
    if (closing === 'closed' && req.op !== OpCode.ping) {
      return conn.answer({ xid: req.xid, zxid: this.tree.lastZxid, err: ErrorCode.SESSIONEXPIRED });
    }
    const kinded = kindedRequest(req);
    // The codec admits only the table's wire ops.
    if (kinded === undefined) return conn.answer({ xid: req.xid, zxid: this.tree.lastZxid, err: ErrorCode.UNIMPLEMENTED });
    switch (kinded.kind) {
      case 'read': {
        const read = kinded.request;
        // Injected bug (simulator only): the read is computed now, ahead of this session's writes in flight.
        if (this.bugs.readBeforeOwnWrite) return conn.answer(this.read(conn, read));
        return conn.read(() => this.read(conn, read));
      }
      case 'auth':
        return conn.read(executeAuthOp(kinded.request, conn.auth, this.tree));
      case 'sync': {
        const { xid, path } = kinded.request;
        const pending = conn.pending();
        this.writePath.sync((zxid) => conn.settle(pending, { xid, zxid, err: ErrorCode.OK, path }));
        return;
      }
      case 'session': {
        this.sessions.markClosed(sessionId);
        const pending = conn.pending(() => conn.close(CloseCode.NORMAL, 'session closed'));
        this.writePath.submit({ op: OpCode.closeSession }, sessionId, req.xid, (outcome) => {
          conn.settle(pending, { xid: req.xid, zxid: outcome.zxid, err: outcome.err });
        });
        return;
      }
      case 'write': {
        const write = kinded.request;
        const pending = conn.pending();
        this.writePath.submit(write, sessionId, write.xid, (outcome) => conn.settle(pending, writeResponse(write, outcome, this.tree.lastZxid)));
        return;
      }
      default:
        return assertNever(kinded, 'request kind');
    }
  }

  private read(conn: ClientHandle, req: RequestOfKind<'read'>): Response {
    const deliver = (events: WatchedEvent[]): void => events.forEach((e) => conn.sendEvent(e));
    try {
      return executeRead(req, { tree: this.tree, watches: this.watches, sessionId: conn.sessionId, deliver, answerBytesMax: this.answerBytesMax, bugs: this.bugs });
    } catch (e) {
      if (e instanceof WatchLimitError) return { xid: req.xid, zxid: this.tree.lastZxid, err: ErrorCode.QUOTAEXCEEDED };
      throw e;
    }
  }
}
