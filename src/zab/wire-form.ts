// A peer message as msgpack carries it, where that differs from the peer's own value: the txns of a
// proposal or a sync (DIFF, TRUNC, SNAP) carry null data as nil (protocol/txn-wire.ts). A SNAP's snapshot
// needs nothing here: the tree's records write nil for null data themselves (ZnodeRecord.toJSON). A driver
// that encodes sends peerMessageToWire(message); asPeerMessage() turns what arrives back into the peer's
// value once its shape is checked. Both return their argument itself when no txn in it has null data.
import { txnsFromWire, txnsToWire, type WireTxn } from '../../protocol/index.js';
import type { PeerMessage, ProposalMessage, SyncMessage } from './types.js';

type WithWireTxns<M> = Omit<M, 'txns'> & { txns: WireTxn[] };

export type WirePeerMessage<S = unknown> =
  | Exclude<PeerMessage<S>, ProposalMessage | SyncMessage<S>>
  | WithWireTxns<ProposalMessage>
  | WithWireTxns<SyncMessage<S>>;

export function peerMessageToWire<S>(message: PeerMessage<S>): WirePeerMessage<S> {
  if (message.type !== 'proposal' && message.type !== 'sync') return message;
  const txns = txnsToWire(message.txns);
  return txns === message.txns ? message : { ...message, txns };
}

/** For a message whose shape was checked (nil only where data goes). */
export function peerMessageFromWire<S>(message: WirePeerMessage<S>): PeerMessage<S> {
  if (message.type !== 'proposal' && message.type !== 'sync') return message;
  const txns = txnsFromWire(message.txns);
  return txns === message.txns ? (message as PeerMessage<S>) : ({ ...message, txns } as PeerMessage<S>);
}
