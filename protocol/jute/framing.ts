// Jute's framing: every packet is a 4-byte big-endian length, then that many bytes. The reader is an
// explicit accumulator fed with whatever TCP hands it; a frame is assembled only once all of its bytes
// are in, so a slow sender costs one copy per frame, not one per chunk.
import { JuteFrameError } from './errors.js';

const LENGTH_BYTES = 4;

export class JuteFrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Length of the frame being assembled, once its prefix has been read. */
  private expected: number | undefined;

  /** maxFrameBytes: the largest body accepted (ZooKeeper's jute.maxbuffer plays this role). */
  constructor(private readonly maxFrameBytes: number) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0) throw new RangeError('maxFrameBytes must be a non-negative integer');
  }

  /** Bytes received but not yet returned in a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** The complete frames (bodies without their length) the chunk finishes; throws JuteFrameError on a bad length. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.byteLength;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < LENGTH_BYTES) return frames;
        const prefix = this.take(LENGTH_BYTES);
        const length = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_BYTES).getInt32(0);
        if (length < 0) throw new JuteFrameError(`negative frame length ${length}`, length);
        if (length > this.maxFrameBytes) throw new JuteFrameError(`frame of ${length} bytes is over the limit of ${this.maxFrameBytes}`, length);
        this.expected = length;
      }
      if (this.buffered < this.expected) return frames;
      frames.push(this.take(this.expected));
      this.expected = undefined;
    }
  }

  /** Removes and returns the first n buffered bytes (n <= buffered), as a fresh array. */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0]!;
      const used = Math.min(head.byteLength, n - filled);
      out.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.byteLength) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    this.buffered -= n;
    return out;
  }
}

/** The 4-byte big-endian length, then the body. */
export function withLengthPrefix(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(LENGTH_BYTES + body.byteLength);
  new DataView(out.buffer).setInt32(0, body.byteLength);
  out.set(body, LENGTH_BYTES);
  return out;
}
