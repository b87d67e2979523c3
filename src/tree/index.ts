export { DataTree, failedMultiResults, type ApplyResult, type NodeView, type TreeSnapshot } from './data-tree.js';
export type { NodeChange } from './apply-ops.js';
export { ZnodeRecord, reportedStat, snapshotNodeReviver, type SessionRecord, type SnapshotNode } from './znode.js';
export { TreeInvariantError } from './errors.js';
export { ACL_INTERN_ENTRIES_MAX } from './acl-intern.js';
export { WatchManager, WatchLimitError, type WatchLimits, type WatchEventGroup } from './watch-manager.js';
export type { QuotaState, QuotaView } from './quota-index.js';
