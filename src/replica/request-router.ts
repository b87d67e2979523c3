// Where each client request goes once its session is bound, by its kind in the op table (protocol/ops.ts):
// reads are answered from the local tree at the head of the connection's queue; auth ops act at once and
// are answered in turn; sync, session ops and writes go through the write path, answered in their turn.
// Every request (a ping included) counts as a sign of life for its session.
import { CloseCode, ErrorCode, OpCode, Perms, hex, kindedRequest } from '../../protocol/index.js';
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
import { NO_IDS, type WritePath } from './write-path.js';
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
    if (req.op !== OpCode.auth && !conn.auth.satisfiesEnforcement) {
      // enforce.auth.enabled: as in ZooKeeper, the request is refused and the connection closed.
      const response = { xid: req.xid, zxid: this.tree.lastZxid, err: ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH };
      return conn.answerThenClose(response, CloseCode.AUTH_FAILED, 'the server requires authentication first');
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
      case 'auth': {
        const outcome = executeAuthOp(kinded.request, conn.auth, this.tree);
        if (outcome.authFailed) return conn.answerThenClose(outcome.answer(), CloseCode.AUTH_FAILED, 'authentication failed');
        return conn.read(outcome.answer);
      }
      case 'sync': {
        const { xid, path } = kinded.request;
        const pending = conn.pending();
        this.writePath.sync((zxid) => conn.settle(pending, { xid, zxid, err: ErrorCode.OK, path }));
        return;
      }
      case 'session': {
        this.sessions.markClosed(sessionId);
        const pending = conn.pending(() => conn.close(CloseCode.NORMAL, 'session closed'));
        this.writePath.submit({ op: OpCode.closeSession }, sessionId, req.xid, NO_IDS, (outcome) => {
          conn.settle(pending, { xid: req.xid, zxid: outcome.zxid, err: outcome.err });
        });
        return;
      }
      case 'write': {
        const write = kinded.request;
        const pending = conn.pending();
        this.writePath.submit(write, sessionId, write.xid, conn.auth.ids, (outcome) => conn.settle(pending, writeResponse(write, outcome, this.tree.lastZxid)));
        return;
      }
      default:
        return assertNever(kinded, 'request kind');
    }
  }

  private read(conn: ClientHandle, req: RequestOfKind<'read'>): Response {
    // Events setWatches fires now: like any event, only about nodes the connection may read.
    const deliver = (events: WatchedEvent[]): void => events.forEach((e) => {
      const acl = this.tree.aclOf(e.path);
      if (acl === undefined || conn.auth.access.allows(acl, Perms.READ)) conn.sendEvent(e);
    });
    try {
      return executeRead(req, { tree: this.tree, watches: this.watches, sessionId: conn.sessionId, access: conn.auth.access, deliver, answerBytesMax: this.answerBytesMax, bugs: this.bugs });
    } catch (e) {
      if (e instanceof WatchLimitError) return { xid: req.xid, zxid: this.tree.lastZxid, err: ErrorCode.QUOTAEXCEEDED };
      throw e;
    }
  }
}
