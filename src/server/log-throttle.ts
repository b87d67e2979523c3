// Log lines that input can provoke are rate-limited and bounded, so that a flood of bad frames costs its
// sender a closed connection, not the server's disk or its event loop. Each (level, message) pair gets a
// budget of lines per window; what is over budget is counted and reported once when the window turns.
import type { Logger } from './logger.js';

export type LogLevel = keyof Logger;

export interface ThrottleOptions {
  /** Levels that are throttled and bounded; others pass straight through (default: all). */
  levels?: readonly LogLevel[];
  /** Lines of one (level, message) pair per window (default 20). */
  linesPerWindow?: number;
  windowMs?: number;
  /** Distinct (level, message) pairs tracked at once; beyond it the oldest window is reported and dropped. */
  keysMax?: number;
  now?: () => number;
}

/** Longest string value kept in a log line's fields. */
const META_STRING_CHARS_MAX = 200;
/** Most list items kept in a log line's fields. */
const META_LIST_ITEMS_MAX = 20;
const META_DEPTH_MAX = 4;

/** A copy of a log line's fields with every string, list and nesting level cut to size. */
export function boundedMeta(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length <= META_STRING_CHARS_MAX ? value : `${value.slice(0, META_STRING_CHARS_MAX)}… (${value.length} chars)`;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= META_DEPTH_MAX) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, META_LIST_ITEMS_MAX).map((v) => boundedMeta(v, depth + 1));
    if (value.length > META_LIST_ITEMS_MAX) items.push(`… (${value.length} items)`);
    return items;
  }
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).slice(0, META_LIST_ITEMS_MAX)) out[key] = boundedMeta((value as Record<string, unknown>)[key], depth + 1);
  return out;
}

interface Window {
  startedMs: number;
  lines: number;
  suppressed: number;
}

export function throttledLogger(inner: Logger, opts: ThrottleOptions = {}): Logger {
  const levels = new Set<LogLevel>(opts.levels ?? ['error', 'warn', 'info', 'debug']);
  const linesPerWindow = opts.linesPerWindow ?? 20;
  const windowMs = opts.windowMs ?? 10_000;
  const keysMax = opts.keysMax ?? 1000;
  const now = opts.now ?? Date.now;
  const windows = new Map<string, Window>();

  const reportSuppressed = (level: LogLevel, msg: string, w: Window): void => {
    if (w.suppressed > 0) inner[level](`${msg} (${w.suppressed} similar lines suppressed)`, { windowMs });
  };

  const emit = (level: LogLevel, msg: string, meta?: object): void => {
    if (!levels.has(level)) return inner[level](msg, meta);
    const fields = meta === undefined ? undefined : (boundedMeta(meta) as object);
    const key = `${level}\u0000${msg}`;
    const t = now();
    let w = windows.get(key);
    if (w !== undefined && t - w.startedMs >= windowMs) {
      reportSuppressed(level, msg, w);
      windows.delete(key);
      w = undefined;
    }
    if (w === undefined) {
      if (windows.size >= keysMax) {
        const [oldestKey, oldest] = windows.entries().next().value as [string, Window];
        const sep = oldestKey.indexOf('\u0000');
        reportSuppressed(oldestKey.slice(0, sep) as LogLevel, oldestKey.slice(sep + 1), oldest);
        windows.delete(oldestKey);
      }
      w = { startedMs: t, lines: 0, suppressed: 0 };
      windows.set(key, w);
    }
    if (w.lines >= linesPerWindow) {
      w.suppressed += 1;
      return;
    }
    w.lines += 1;
    inner[level](msg, fields);
  };

  return {
    error: (msg, meta) => emit('error', msg, meta),
    warn: (msg, meta) => emit('warn', msg, meta),
    info: (msg, meta) => emit('info', msg, meta),
    debug: (msg, meta) => emit('debug', msg, meta),
  };
}
