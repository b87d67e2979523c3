// Reading a segment store without changing it (canopy-admin log dump and verify): its txns straight from the
// segment files, every checksum of every file, and what recovery would do, found by running the store's own
// open and recovery on a copy-on-write view of its directories (overlay-file-port.ts).
import type { Txn } from '../../protocol/index.js';
import { CorruptStorageError, StorageError } from './errors.js';
import type { FilePort } from './file-port.js';
import { hexZxid } from './txn-store-core.js';
import type { CheckedFile, InspectionReport, RecoveryOutcome } from './inspect-report.js';
import { OverlayFilePort } from './overlay-file-port.js';
import { asTxn, decodePayload } from './record.js';
import { FrameReader } from './segment-frame.js';
import { FRAME_PAYLOAD_BYTES_MAX, parseFileName } from './segment-layout.js';
import { readMeta } from './segment-meta.js';
import { readSnapshotFile } from './segment-snapshot.js';
import { SegmentStorage } from './segment-storage.js';

export type LoggedRead =
  | { kind: 'txn'; txn: Txn; segment: string; offset: number }
  /** A frame that fails; torn when it can only be a write a crash cut short (recovery cuts it off). Reading stops. */
  | { kind: 'bad'; segment: string; offset: number; reason: string; torn: boolean };

interface SegmentFile {
  name: string;
  firstZxid: number;
}

function segmentsOf(names: readonly string[]): SegmentFile[] {
  const out: SegmentFile[] = [];
  for (const name of names) {
    const kind = parseFileName(name);
    if (kind?.kind === 'segment') out.push({ name, firstZxid: kind.zxid });
  }
  return out.sort((a, b) => a.firstZxid - b.firstZxid);
}

/** The salt of a store's frames, from its meta file (read only). */
export async function storeSalt(storePort: FilePort): Promise<number> {
  const meta = await readMeta(storePort);
  if (meta === undefined) throw new CorruptStorageError(`${storePort.where}/meta`, 'there is no meta file: not a segment store');
  return meta.salt;
}

/** Where the store's meta says its log was written, if not beside it. */
export async function recordedLogDir(storePort: FilePort): Promise<string | undefined> {
  return (await readMeta(storePort))?.logDir;
}

/** Every logged txn with zxid >= fromZxid, in order, read from the segment files; stops at the first bad frame. */
export async function* readLoggedTxns(logPort: FilePort, salt: number, fromZxid = 0): AsyncGenerator<LoggedRead> {
  const segments = segmentsOf(await logPort.list());
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1];
    if (next !== undefined && next.firstZxid <= fromZxid) continue;
    const file = await logPort.openRead(segment.name);
    try {
      const reader = new FrameReader(file, { payloadBytesMax: FRAME_PAYLOAD_BYTES_MAX, salt, tagFloor: segment.firstZxid - 1 });
      for (;;) {
        const read = await reader.next();
        if (read.kind === 'end') {
          if (next !== undefined && read.offset < file.size) {
            yield { kind: 'bad', segment: segment.name, offset: read.offset, reason: 'zeros follow the last record, but later segments exist', torn: false };
            return;
          }
          break;
        }
        if (read.kind === 'bad') {
          yield { kind: 'bad', segment: segment.name, offset: read.offset, reason: read.reason, torn: next === undefined && read.torn };
          return;
        }
        if (read.tag < fromZxid) continue;
        try {
          yield { kind: 'txn', txn: asTxn(segment.name, read.tag, decodePayload(segment.name, read.payload)), segment: segment.name, offset: read.offset };
        } catch (err) {
          if (!(err instanceof CorruptStorageError)) throw err;
          yield { kind: 'bad', segment: segment.name, offset: read.offset, reason: err.reason, torn: false };
          return;
        }
      }
    } finally {
      await file.close();
    }
  }
}

async function checkSegments(logPort: FilePort, salt: number): Promise<CheckedFile[]> {
  const out = new Map<string, { first?: number; last?: number; count: number }>();
  for (const segment of segmentsOf(await logPort.list())) out.set(segment.name, { count: 0 });
  const checked: CheckedFile[] = [];
  for await (const read of readLoggedTxns(logPort, salt)) {
    if (read.kind === 'bad') {
      checked.push({ name: read.segment, ok: false, detail: read.torn ? `torn write at the end: ${read.reason}` : read.reason, offset: read.offset });
      out.delete(read.segment);
      break;
    }
    const seen = out.get(read.segment)!;
    seen.first ??= read.txn.zxid;
    seen.last = read.txn.zxid;
    seen.count++;
  }
  for (const [name, seen] of out) {
    if (checked.some((c) => c.name === name)) continue;
    const range = seen.count === 0 ? '' : ` ${hexZxid(seen.first!)}..${hexZxid(seen.last!)}`;
    checked.push({ name, ok: true, detail: `${seen.count} txns${range}` });
  }
  return checked.sort((a, b) => a.name.localeCompare(b.name));
}

async function checkSnapshots(storePort: FilePort, salt: number): Promise<CheckedFile[]> {
  const checked: CheckedFile[] = [];
  for (const name of (await storePort.list()).sort()) {
    const kind = parseFileName(name);
    if (kind?.kind !== 'snapshot') continue;
    try {
      const snap = await readSnapshotFile(storePort, name, kind.zxid, salt, () => 0);
      checked.push({ name, ok: true, detail: `snapshot at ${hexZxid(kind.zxid)}: ${snap.nodes.length} nodes, ${snap.sessions.length} sessions` });
    } catch (err) {
      if (!(err instanceof CorruptStorageError)) throw err;
      checked.push({ name, ok: false, detail: err.reason, ...(err.offset !== undefined ? { offset: err.offset } : {}) });
    }
  }
  return checked;
}

/** Runs open and recovery on copy-on-write views of the directories and reports what they did or why they failed. */
async function simulateRecovery(storePort: FilePort, logPort: FilePort | undefined): Promise<RecoveryOutcome> {
  const store = await OverlayFilePort.over(storePort);
  const log = logPort === undefined ? undefined : await OverlayFilePort.over(logPort);
  const warnings: string[] = [];
  const logger = { info: () => {}, warn: (msg: string, meta?: object) => void warnings.push(`${msg}${meta === undefined ? '' : ` ${JSON.stringify(meta)}`}`) };
  let opened: SegmentStorage | undefined;
  try {
    opened = await SegmentStorage.open(store, { logger, reviveSnapshotNode: () => 0, ...(log !== undefined ? { logPort: log } : {}) });
    const state = await opened.recover();
    const changes = [...store.changes, ...(log?.changes ?? [])];
    const isTidy = (c: (typeof changes)[number]): boolean => c.op === 'unlink' && parseFileName(c.name)?.kind === 'temp';
    const described = changes.filter((c) => !isTidy(c) && !(c.op === 'create' || c.op === 'write' || (c.op === 'rename' && c.to === 'meta')));
    return {
      kind: 'recovers', snapshotZxid: state.snapshot?.zxid, replayedTxns: state.txns.length, lastZxid: state.lastZxid,
      repairs: [...warnings, ...described.map((c) => (c.op === 'cut' ? `cut ${c.name} to ${c.size} bytes` : c.op === 'rename' ? `rename ${c.name} to ${c.to}` : `delete ${c.name}`))],
      tidies: changes.filter(isTidy).map((c) => c.name),
    };
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    const file = err instanceof CorruptStorageError ? err.key : undefined;
    const offset = err instanceof CorruptStorageError ? err.offset : undefined;
    return { kind: 'fails', reason: err.message, ...(file !== undefined ? { file } : {}), ...(offset !== undefined ? { offset } : {}) };
  } finally {
    await opened?.close().catch(() => undefined);
  }
}

/** Checks every file of a segment store and says what recovery would do, changing nothing. */
export async function inspectSegmentStore(storePort: FilePort, logPort: FilePort | undefined): Promise<InspectionReport> {
  const files: CheckedFile[] = [];
  let salt: number | undefined;
  try {
    salt = await storeSalt(storePort);
    files.push({ name: 'meta', ok: true, detail: 'verifies' });
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    files.push({ name: 'meta', ok: false, detail: err.message });
  }
  if (salt !== undefined) {
    files.push(...await checkSnapshots(storePort, salt));
    files.push(...await checkSegments(logPort ?? storePort, salt));
  }
  return { engine: 'segments', files, recovery: await simulateRecovery(storePort, logPort) };
}
