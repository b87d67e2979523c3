// Reading the txn log in zxid order with every record verified, and telling a torn tail (only
// corrupt records at the very end: a write cut short by a crash) from corruption (a bad record
// with valid ones after it), which must never be silently skipped.
import type { Txn } from '../../protocol/index.js';
import { CorruptStorageError } from './errors.js';
import type { KvStore } from './kv.js';
import { LOG_PREFIX, SCAN_PAGE_ENTRIES, logKey, prefixEnd, zxidOfLogKey } from './layout.js';
import { openTxnRecord } from './record.js';

export interface LogScan {
  /** Valid txns with zxid > afterZxid, ascending. */
  txns: Txn[];
  /** Keys of the torn tail (empty when the log ends cleanly). */
  tornKeys: string[];
  /** Why the first torn record failed, when there is a torn tail. */
  tornReason: CorruptStorageError | undefined;
}

/**
 * Scans log records with zxid > afterZxid. Corrupt records at the end are reported in tornKeys; a
 * corrupt record with a valid one after it throws.
 */
export async function scanLog(kv: KvStore, afterZxid: number): Promise<LogScan> {
  const scan: LogScan = { txns: [], tornKeys: [], tornReason: undefined };
  const range = { gt: logKey(afterZxid), lt: prefixEnd(LOG_PREFIX) };
  for await (const page of kv.entries(range, SCAN_PAGE_ENTRIES)) {
    for (const [key, stored] of page) {
      const txn = tryOpen(key, stored);
      if (txn instanceof CorruptStorageError) {
        scan.tornReason ??= txn;
        scan.tornKeys.push(key);
      } else if (scan.tornReason !== undefined) {
        const first = scan.tornReason;
        throw new CorruptStorageError(first.key, `${first.reason}; valid records follow it (${key}), so it is not a torn tail`);
      } else {
        scan.txns.push(txn);
      }
    }
  }
  return scan;
}

function tryOpen(key: string, stored: Uint8Array): Txn | CorruptStorageError {
  const zxid = zxidOfLogKey(key);
  if (zxid === undefined) return new CorruptStorageError(key, 'key under log/ is not shaped like a log key');
  try {
    return openTxnRecord(key, zxid, stored);
  } catch (err) {
    if (err instanceof CorruptStorageError) return err;
    throw err;
  }
}
