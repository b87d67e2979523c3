// A hash of the whole replicated state that two replicas agree on exactly when their states are equal,
// whatever order they built them in: nodes are hashed in path order, sessions in id order.
import { createHash } from 'node:crypto';
import { aclKey } from './acl-intern.js';
import type { SessionRecord, ZnodeRecord } from './znode.js';

export function stateDigest(records: Iterable<ZnodeRecord>, sessions: Iterable<SessionRecord>, lastZxid: number): string {
  const hash = createHash('sha256');
  hash.update(`zxid ${lastZxid}\n`);
  const nodes = Array.from(records).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const r of nodes) {
    hash.update(
      `node ${r.path}\u0000${r.czxid} ${r.mzxid} ${r.pzxid} ${r.ctime} ${r.mtime} ${r.version} ${r.cversion} ` +
        `${r.aversion} ${r.kind} ${r.ephemeralOwner} ${r.ttlMs} ${aclKey(r.acl)} ${r.latin1Data === null ? 'null' : r.dataLength}\n`,
    );
    // Null and empty data differ (ZooKeeper answers null or an empty buffer): the line above tells them apart.
    if (r.latin1Data !== null) hash.update(r.latin1Data, 'latin1');
  }
  const sorted = Array.from(sessions).sort((a, b) => a.sessionId - b.sessionId);
  for (const s of sorted) {
    hash.update(`session ${s.sessionId} ${s.timeoutMs} ${s.passwd.byteLength}\n`);
    hash.update(s.passwd);
  }
  return hash.digest('hex');
}
