// A separate log directory (dataLogDir, segment-layout.ts): its logmeta file, which names the store its
// segments belong to, and the check made on open that the store directory and the log directory belong
// together. Every refusal is a LogDirMismatchError that says which directory to give instead: starting
// from the wrong one would silently begin with an empty (or a foreign) log.
import { CorruptStorageError, LogDirMismatchError, StorageFormatError } from './errors.js';
import type { FilePort } from './file-port.js';
import { decodePayload, encodeValue, isCount } from './record.js';
import { FrameReader, encodeFrame } from './segment-frame.js';
import { LOG_META_NAME, META_PAYLOAD_BYTES_MAX, SEGMENT_ENGINE, SEGMENT_FORMAT_VERSION, parseFileName, tempName } from './segment-layout.js';
import type { SegmentMeta } from './segment-meta.js';

/** logmeta's content: the salt of the store whose segments the directory holds. */
export interface LogDirMeta {
  format: number;
  engine: typeof SEGMENT_ENGINE;
  salt: number;
}

/** logmeta's frame is not salted: the salt is what it carries. */
const LOG_META_SALT = 0;

/** Reads logmeta from a log directory; undefined when there is none. */
export async function readLogDirMeta(logPort: FilePort): Promise<LogDirMeta | undefined> {
  if (!(await logPort.list()).includes(LOG_META_NAME)) return undefined;
  const where = `${logPort.where}/${LOG_META_NAME}`;
  const file = await logPort.openRead(LOG_META_NAME);
  try {
    const reader = new FrameReader(file, { payloadBytesMax: META_PAYLOAD_BYTES_MAX, salt: LOG_META_SALT });
    const first = await reader.next();
    if (first.kind === 'end') throw new CorruptStorageError(where, 'the logmeta file is empty');
    if (first.kind === 'bad') throw new CorruptStorageError(where, first.reason, first.offset);
    const value = decodePayload(where, first.payload);
    if ((await reader.next()).kind !== 'end') throw new CorruptStorageError(where, 'bytes follow the logmeta record');
    const m = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
    if (m['engine'] !== SEGMENT_ENGINE || m['format'] !== SEGMENT_FORMAT_VERSION) throw new StorageFormatError(m['format'], SEGMENT_FORMAT_VERSION);
    const salt = m['salt'];
    if (!isCount(salt) || salt > 0xffffffff) throw new CorruptStorageError(where, 'salt is missing or invalid');
    return { format: SEGMENT_FORMAT_VERSION, engine: SEGMENT_ENGINE, salt };
  } finally {
    await file.close();
  }
}

/** Replaces logmeta durably (temp file, fsync, rename, fsync the directory). */
export async function writeLogDirMeta(logPort: FilePort, salt: number): Promise<void> {
  const tmp = tempName(LOG_META_NAME);
  if ((await logPort.list()).includes(tmp)) await logPort.unlink(tmp);
  const file = await logPort.create(tmp);
  try {
    const meta: LogDirMeta = { format: SEGMENT_FORMAT_VERSION, engine: SEGMENT_ENGINE, salt };
    await file.append([encodeFrame(0, encodeValue(meta), LOG_META_SALT).bytes]);
    await file.sync();
  } finally {
    await file.close();
  }
  await logPort.rename(tmp, LOG_META_NAME);
  await logPort.syncDir();
}

/** Names in a directory that are of `kind`. */
function namesOf(names: readonly string[], kind: 'segment' | 'logMeta' | 'snapshot' | 'meta'): string[] {
  return names.filter((n) => parseFileName(n)?.kind === kind);
}

/** Checks a store directory used alone: no log directory's traces, and meta does not say the log is elsewhere. */
export function checkSingleDir(storeWhere: string, names: readonly string[], meta: SegmentMeta | undefined): void {
  if (meta?.logDir !== undefined) {
    throw new LogDirMismatchError(`the txn log of ${storeWhere} was written to a separate log directory (${meta.logDir}): start with dataLogDir set to the directory holding it`);
  }
  if (namesOf(names, 'logMeta').length > 0) {
    throw new LogDirMismatchError(`${storeWhere} is the log directory of another data directory (it holds ${LOG_META_NAME}): it cannot also be a dataDir`);
  }
}

/**
 * Checks a store directory and a separate log directory before either is changed: they must belong
 * together (see segment-layout.ts). A new store (no meta) gets logmeta, then meta, from the caller.
 */
export async function checkLogDir(storeWhere: string, storeNames: readonly string[], meta: SegmentMeta | undefined, logPort: FilePort, logNames: readonly string[]): Promise<void> {
  for (const name of logNames) {
    const kind = parseFileName(name)?.kind;
    if (kind !== 'segment' && kind !== 'logMeta' && kind !== 'temp') {
      throw new LogDirMismatchError(`the log directory ${logPort.where} holds '${name}', which belongs in a data directory: dataLogDir must not be another server's dataDir`);
    }
  }
  const strayLog = namesOf(storeNames, 'segment')[0];
  if (strayLog !== undefined) {
    throw new LogDirMismatchError(`${storeWhere} holds txn log segments (${strayLog}): it was written without dataLogDir; start without dataLogDir, or move its log.* files to ${logPort.where}`);
  }
  if (meta === undefined) {
    const segment = namesOf(logNames, 'segment')[0];
    if (segment !== undefined) {
      throw new LogDirMismatchError(`the log directory ${logPort.where} holds txn log segments (${segment}) but ${storeWhere} holds no store: they belong to another data directory`);
    }
    return;
  }
  if (meta.logDir === undefined) {
    throw new LogDirMismatchError(`the txn log of ${storeWhere} is in that directory (it was written without dataLogDir): start without dataLogDir`);
  }
  const logMeta = await readLogDirMeta(logPort);
  if (logMeta === undefined) {
    throw new LogDirMismatchError(`the log directory ${logPort.where} holds no txn log of ${storeWhere}; it was last opened with ${meta.logDir}: give that dataLogDir`);
  }
  if (logMeta.salt !== meta.salt) {
    throw new LogDirMismatchError(`the log directory ${logPort.where} holds the txn log of another data directory, not of ${storeWhere} (last opened with ${meta.logDir})`);
  }
}
