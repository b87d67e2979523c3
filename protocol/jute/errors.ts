// The typed failures of the jute codec. Decoding failures carry the ZooKeeper error code a server answers
// with; encoding failures are bugs in the caller (a message the typed API allowed but jute cannot carry).
import { ErrorCode } from '../constants.js';

/** Bytes that are not the record they claim to be (truncated, a hostile length, invalid UTF-8, trailing bytes). */
export class JuteDecodeError extends Error {
  constructor(message: string, readonly err: ErrorCode = ErrorCode.MARSHALLINGERROR) {
    super(message);
    this.name = 'JuteDecodeError';
  }
}

/** A message jute cannot carry: a number that is not a 32-bit int or an exact 64-bit one, a missing body field. */
export class JuteEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JuteEncodeError';
  }
}

/** A frame length the stream cannot accept (negative, or over the reader's maxFrameBytes): the connection ends. */
export class JuteFrameError extends Error {
  constructor(message: string, readonly lengthField: number) {
    super(message);
    this.name = 'JuteFrameError';
  }
}
