// Peer links of the ensemble: see transport.ts for the contract.
export { PeerTransport } from './transport.js';
export { ensembleIdOf } from './ensemble-id.js';
export { freePorts } from './free-ports.js';
export { peerAuthenticationOf } from './options.js';
export { TransportError, TransportConfigError, UnknownPeerError } from './errors.js';
export {
  PEER_SECRET_BYTES_MAX, PEER_SECRET_BYTES_MIN, PeerCloseCode, TRANSPORT_DEFAULTS, TRANSPORT_LIMITS, silentTransportLogger,
  type LinkStatus, type OutboundState, type PeerAuthOptions, type PeerAuthentication, type PeerEndpoint, type PeerTlsMaterial,
  type PeerTransportOptions, type TransportLogger,
} from './types.js';
