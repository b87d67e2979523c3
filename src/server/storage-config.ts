// The storage settings of the configuration (buildConfig hands them here): ZooKeeper's dataLogDir, which
// puts the txn log on another device, and autopurge.snapRetainCount / autopurge.purgeInterval, which say
// how many snapshots are kept and how often older ones and the log before them are deleted.
//
// Canopy's autopurge differs from ZooKeeper's in two ways, both so that a disk does not fill by default:
// purgeInterval=0 (the default) purges as each snapshot is written, where ZooKeeper never purges; and the
// purge runs with the snapshot (at most once per purgeInterval hours), not on a timer of its own.
// snapRetainCount defaults to 3 as in ZooKeeper, but its minimum is 2 (the newest snapshot and one to fall
// back on if it is damaged), where ZooKeeper's is 3; a lower value is raised to 2 with a warning, as
// ZooKeeper raises one below 3.
import { resolve } from 'node:path';
import { SNAP_RETAIN_COUNT_MAX, SNAP_RETAIN_COUNT_MIN } from '../storage/index.js';
import { ConfigError } from './config-values.js';

export interface StorageConfig {
  /**
   * dataLogDir: the directory whose txnlog subdirectory holds the txn log segments (txnLogEngine=segments);
   * undefined when not given, or given as dataDir itself.
   */
  dataLogDir: string | undefined;
  /** autopurge.snapRetainCount: snapshots kept, the newest included. */
  snapRetainCount: number;
  /** autopurge.purgeInterval: 0 purges at every snapshot; N purges at most once every N hours. */
  purgeIntervalHours: number;
  /** Given values that were changed (a snapRetainCount below the minimum), for the start log. */
  notes: readonly string[];
}

export const DEFAULT_SNAP_RETAIN_COUNT = 3;
/** Ten years: anything longer is a typo for "never", which Canopy does not offer. */
export const PURGE_INTERVAL_HOURS_MAX = 87_600;

export const DEFAULT_STORAGE_CONFIG: Readonly<StorageConfig> = Object.freeze({
  dataLogDir: undefined, snapRetainCount: DEFAULT_SNAP_RETAIN_COUNT, purgeIntervalHours: 0, notes: [],
});

const KEYS = new Set(['dataLogDir', 'autopurge.snapRetainCount', 'autopurge.purgeInterval']);

export function isStorageKey(key: string): boolean {
  return KEYS.has(key);
}

/** The raw values of the keys isStorageKey accepts, as the file or the flags gave them. */
export type StorageSettings = Record<string, string | number | boolean>;

function integer(settings: StorageSettings, key: string, min: number, max: number): number | undefined {
  const value = Object.hasOwn(settings, key) ? settings[key] : undefined;
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || n < min || n > max) throw new ConfigError(`${key} must be an integer in [${min}, ${max}], got '${text.slice(0, 64)}'`);
  return n;
}

/** Checks the storage keys against dataDir and the engine setting. */
export function buildStorageConfig(settings: StorageSettings, dataDir: string, engineSetting: string): StorageConfig {
  const notes: string[] = [];
  const rawLogDir = Object.hasOwn(settings, 'dataLogDir') ? String(settings['dataLogDir']).trim() : undefined;
  if (rawLogDir === '') throw new ConfigError('dataLogDir must not be empty');
  const dataLogDir = rawLogDir !== undefined && resolve(rawLogDir) !== resolve(dataDir) ? rawLogDir : undefined;
  if (dataLogDir !== undefined && engineSetting === 'leveldb') throw new ConfigError(dataLogDirNeedsSegments(dataLogDir));
  let snapRetainCount = integer(settings, 'autopurge.snapRetainCount', -(2 ** 31), SNAP_RETAIN_COUNT_MAX) ?? DEFAULT_SNAP_RETAIN_COUNT;
  if (snapRetainCount < SNAP_RETAIN_COUNT_MIN) {
    notes.push(`autopurge.snapRetainCount=${snapRetainCount} is below the minimum of ${SNAP_RETAIN_COUNT_MIN}: keeping ${SNAP_RETAIN_COUNT_MIN} snapshots`);
    snapRetainCount = SNAP_RETAIN_COUNT_MIN;
  }
  const purgeIntervalHours = integer(settings, 'autopurge.purgeInterval', 0, PURGE_INTERVAL_HOURS_MAX) ?? 0;
  return { dataLogDir, snapRetainCount, purgeIntervalHours, notes };
}

/** Why a LevelDB store cannot take dataLogDir (also said when txnLogEngine=auto finds a LevelDB dataDir). */
export function dataLogDirNeedsSegments(dataLogDir: string): string {
  return `dataLogDir (${dataLogDir}) needs txnLogEngine=segments: LevelDB keeps its log and its tables in one directory (give no dataLogDir, or dataLogDir equal to dataDir)`;
}
