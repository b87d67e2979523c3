// Typed errors of the transport. Only caller bugs and start-up failures throw: a down or misbehaving peer
// never makes the transport throw.

export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** Options that cannot describe an ensemble (missing own entry, duplicate ids, bad limits). */
export class TransportConfigError extends TransportError {
  constructor(message: string) {
    super(message);
    this.name = 'TransportConfigError';
  }
}

/** send() to an id that is not another member: a bug in the caller. */
export class UnknownPeerError extends TransportError {
  constructor(readonly peer: number) {
    super(`no link to server ${peer}: not another member of the ensemble`);
    this.name = 'UnknownPeerError';
  }
}
