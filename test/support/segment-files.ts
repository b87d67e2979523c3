// Raw access to a segment store's files for fault injection in tests, through a FilePort so the same
// helpers work on real files and on the in-memory disk. The store must be closed while they run.
import type { FilePort } from '../../src/storage/index.js';

/** Bytes of a frame header (segment-layout.ts): length u32, crc u32, tag u64. */
export const FRAME_HEADER = 16;

export interface RawFrame {
  offset: number;
  tag: number;
  /** Payload bytes. */
  length: number;
}

export async function readWhole(port: FilePort, name: string): Promise<Uint8Array> {
  const file = await port.openRead(name);
  try {
    const bytes = new Uint8Array(file.size);
    let done = 0;
    while (done < bytes.length) {
      const n = await file.read(bytes.subarray(done), done);
      if (n === 0) break;
      done += n;
    }
    return bytes;
  } finally {
    await file.close();
  }
}

/** Replaces a file's content durably (temp file, sync, rename, sync the directory). */
export async function writeWhole(port: FilePort, name: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${name}.tmp`;
  if ((await port.list()).includes(tmp)) await port.unlink(tmp);
  const file = await port.create(tmp);
  await file.append([bytes]);
  await file.sync();
  await file.close();
  await port.rename(tmp, name);
  await port.syncDir();
}

/** The frames of a file, read from their headers alone (no checksum is checked); stops at anything odd. */
export function framesOf(bytes: Uint8Array): RawFrame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: RawFrame[] = [];
  for (let at = 0; at + FRAME_HEADER <= bytes.length; ) {
    const length = view.getUint32(at, false);
    if (length === 0 || at + FRAME_HEADER + length > bytes.length) break;
    frames.push({ offset: at, tag: view.getUint32(at + 8, false) * 2 ** 32 + view.getUint32(at + 12, false), length });
    at += FRAME_HEADER + length;
  }
  return frames;
}

export async function namesWith(port: FilePort, prefix: string): Promise<string[]> {
  return (await port.list()).filter((n) => n.startsWith(prefix)).sort();
}

/** Where the log record of zxid is: its segment, the file's bytes and the frame. */
export async function findLogRecord(port: FilePort, zxid: number): Promise<{ name: string; bytes: Uint8Array; frame: RawFrame }> {
  for (const name of await namesWith(port, 'log.')) {
    const bytes = await readWhole(port, name);
    const frame = framesOf(bytes).find((f) => f.tag === zxid);
    if (frame !== undefined) return { name, bytes, frame };
  }
  throw new Error(`no log record for zxid ${zxid}`);
}

/** Every zxid the segments hold (verified or not), ascending. */
export async function loggedZxids(port: FilePort): Promise<number[]> {
  const out: number[] = [];
  for (const name of await namesWith(port, 'log.')) for (const f of framesOf(await readWhole(port, name))) out.push(f.tag);
  return out;
}
