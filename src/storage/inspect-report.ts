// What an inspection of a data directory found (canopy-admin verify): every file (or record) checked, and what
// the store's own recovery would do to it. Both engines report in this shape.

/** One file, or one record of the key-value layout, and whether every checksum in it verified. */
export interface CheckedFile {
  name: string;
  ok: boolean;
  /** What it holds ("12 txns 0x1..0xc"), or what is wrong with it. */
  detail: string;
  /** Where the damage starts, for a segment or snapshot file. */
  offset?: number;
}

export type RecoveryOutcome =
  | {
    kind: 'recovers';
    /** The snapshot recovery loads, or undefined when it starts from the log alone. */
    snapshotZxid: number | undefined;
    /** Txns it would replay after that snapshot. */
    replayedTxns: number;
    /** The zxid it would end at. */
    lastZxid: number;
    /** What it would change on disk, in words (a torn tail cut, a damaged snapshot deleted, an install finished). */
    repairs: string[];
    /** Files recovery deletes as a matter of course (leftovers of a write a crash interrupted). */
    tidies: string[];
  }
  | { kind: 'fails'; reason: string; file?: string; offset?: number };

export interface InspectionReport {
  engine: 'segments' | 'leveldb';
  files: CheckedFile[];
  recovery: RecoveryOutcome;
}

/** verify's verdict: clean, repaired by recovery, or damage it cannot repair. */
export type Verdict = 'clean' | 'recoveryRepairs' | 'damaged';

/**
 * Damage that recovery does not repair (it fails, or a bad file is one it neither cuts nor deletes) is
 * 'damaged'; damage it repairs (a torn tail, a bad snapshot it falls back from, an install it finishes) is
 * 'recoveryRepairs'; anything else is clean.
 */
export function verdictOf(report: InspectionReport): Verdict {
  if (report.recovery.kind === 'fails') return 'damaged';
  const repairs = report.recovery.repairs.join('\n');
  const unrepaired = report.files.filter((f) => !f.ok && !repairs.includes(f.name));
  if (unrepaired.length > 0) return 'damaged';
  return report.recovery.repairs.length > 0 ? 'recoveryRepairs' : 'clean';
}
