export { ZabPeer } from './peer.js';
export type { PeerDiagnostics } from './peer.js';
export { ZabInvariantError } from './assert.js';
export { quorumSize } from './quorum.js';
export type * from './types.js';
export { asPeerMessage, treeSnapshotProblem, type SnapshotProblem } from './validate.js';
export { peerMessageToWire, type WirePeerMessage } from './wire-form.js';
