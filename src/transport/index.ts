// Peer links of the ensemble: see transport.ts for the contract.
export { PeerTransport } from './transport.js';
export { ensembleIdOf } from './ensemble-id.js';
export { freePorts } from './free-ports.js';
export { TransportError, TransportConfigError, UnknownPeerError } from './errors.js';
export {
  PeerCloseCode, TRANSPORT_DEFAULTS, TRANSPORT_LIMITS, silentTransportLogger,
  type LinkStatus, type OutboundState, type PeerEndpoint, type PeerTransportOptions, type TransportLogger,
} from './types.js';
