// The segment store's meta file: format, epochs, purgedThroughZxid and an install in progress, replaced
// atomically (write meta.tmp, fsync, rename over meta, fsync the directory) so a crash leaves the old
// content or the new, never a mix.
import { randomBytes } from 'node:crypto';
import { CorruptStorageError, StorageFormatError } from './errors.js';
import type { FilePort } from './file-port.js';
import { decodePayload, encodeValue, isCount } from './record.js';
import { FrameReader, encodeFrame } from './segment-frame.js';
import { META_NAME, META_PAYLOAD_BYTES_MAX, SEGMENT_ENGINE, SEGMENT_FORMAT_VERSION, tempName } from './segment-layout.js';

export interface SegmentMeta {
  format: number;
  engine: typeof SEGMENT_ENGINE;
  purgedThroughZxid: number;
  /** Seeds every log and snapshot frame's checksum, so no frame from elsewhere verifies here (a client's data included). */
  salt: number;
  acceptedEpoch?: number;
  currentEpoch?: number;
  /** Set while a snapshot from the leader replaces the state: the install must be finished before anything else. */
  installingZxid?: number;
  /**
   * Set when the log segments live in another directory (dataLogDir): that directory's path when the store
   * was last opened, for messages. Its logmeta file, not this path, says whether a directory is the right one.
   */
  logDir?: string;
}

/** The meta file's own frame is not salted: the salt is inside it. */
const META_SALT = 0;
const UINT32_MAX = 0xffffffff;
/** Longest log directory path recorded (PATH_MAX on Linux). */
export const LOG_DIR_CHARS_MAX = 4096;

export function freshMeta(): SegmentMeta {
  return { format: SEGMENT_FORMAT_VERSION, engine: SEGMENT_ENGINE, purgedThroughZxid: 0, salt: randomBytes(4).readUInt32BE(0) };
}

const OPTIONAL_COUNTS = ['acceptedEpoch', 'currentEpoch', 'installingZxid'] as const;

/** Reads and checks the meta file; undefined when there is none. */
export async function readMeta(port: FilePort): Promise<SegmentMeta | undefined> {
  const names = await port.list();
  if (!names.includes(META_NAME)) return undefined;
  const file = await port.openRead(META_NAME);
  try {
    const reader = new FrameReader(file, { payloadBytesMax: META_PAYLOAD_BYTES_MAX, salt: META_SALT });
    const first = await reader.next();
    const where = `${port.where}/${META_NAME}`;
    if (first.kind === 'end') throw new CorruptStorageError(where, 'the meta file is empty');
    if (first.kind === 'bad') throw new CorruptStorageError(`${where}@${first.offset}`, first.reason);
    const value = decodePayload(where, first.payload);
    if ((await reader.next()).kind !== 'end') throw new CorruptStorageError(where, 'bytes follow the meta record');
    return checkMeta(where, value);
  } finally {
    await file.close();
  }
}

function checkMeta(where: string, value: unknown): SegmentMeta {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CorruptStorageError(where, 'meta is not a map');
  const m = value as Record<string, unknown>;
  if (m['engine'] !== SEGMENT_ENGINE) throw new StorageFormatError(m['engine'], SEGMENT_FORMAT_VERSION);
  if (m['format'] !== SEGMENT_FORMAT_VERSION) throw new StorageFormatError(m['format'], SEGMENT_FORMAT_VERSION);
  if (!isCount(m['purgedThroughZxid'])) throw new CorruptStorageError(where, 'purgedThroughZxid is missing or invalid');
  const salt = m['salt'];
  if (!isCount(salt) || salt > UINT32_MAX) throw new CorruptStorageError(where, 'salt is missing or invalid');
  const meta: SegmentMeta = { format: SEGMENT_FORMAT_VERSION, engine: SEGMENT_ENGINE, purgedThroughZxid: m['purgedThroughZxid'], salt };
  for (const key of OPTIONAL_COUNTS) {
    const v = m[key];
    if (v === undefined) continue;
    if (!isCount(v)) throw new CorruptStorageError(where, `${key} is invalid`);
    meta[key] = v;
  }
  const logDir = m['logDir'];
  if (logDir !== undefined) {
    if (typeof logDir !== 'string' || logDir === '' || logDir.length > LOG_DIR_CHARS_MAX) throw new CorruptStorageError(where, 'logDir is invalid');
    meta.logDir = logDir;
  }
  return meta;
}

/** Replaces the meta file with `meta`, durably, before resolving. Callers serialize their calls. */
export async function writeMeta(port: FilePort, meta: SegmentMeta): Promise<void> {
  const tmp = tempName(META_NAME);
  if ((await port.list()).includes(tmp)) await port.unlink(tmp);
  const file = await port.create(tmp);
  try {
    // Only the fields that are set: msgpack would otherwise carry an explicit undefined.
    const fields = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
    await file.append([encodeFrame(0, encodeValue(fields), META_SALT).bytes]);
    await file.sync();
  } finally {
    await file.close();
  }
  await port.rename(tmp, META_NAME);
  await port.syncDir();
}
