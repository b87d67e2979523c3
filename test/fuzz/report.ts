// Failure reports: what failed, how to replay it, and the offending batch's frames saved as hex under
// fuzz-results/ so that a crash can be replayed frame by frame (`--replay <file>`) without the seed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '../../protocol/index.js';
import type { Script } from './conn.js';
import type { MutationNote } from './mutate.js';

export type FailureKind = 'crash' | 'liveness' | 'server-error' | 'memory' | 'cpu' | 'internal-error' | 'impersonation' | 'bad-response' | 'stall';

export interface FuzzFailure {
  kind: FailureKind;
  target: 'client' | 'peer';
  seed: number;
  batch: number;
  message: string;
  /** Command that replays the run up to and including this batch. */
  replay: string;
  /** Last lines of the failing server's output (its stack trace for a crash). */
  serverLog: string;
  savedTo: string | undefined;
  /** What triage found by replaying the batch's connections one at a time against a fresh target. */
  culprit: string | undefined;
}

interface SavedFrame {
  hex?: string;
  text?: string;
  notes: MutationNote[];
}
interface SavedScript extends Pick<Script, 'channel' | 'role' | 'headers' | 'hello' | 'raw' | 'lane' | 'mustRefuse' | 'resumeAt'> {
  opening: string | null;
  frames: SavedFrame[];
}
export interface SavedBatch {
  failure: Omit<FuzzFailure, 'savedTo' | 'culprit'>;
  /** The ensemble id inside the saved peer frames (replaced by the new one when replayed). */
  ensembleId: string | undefined;
  scripts: SavedScript[];
}

const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

export function saveBatch(dir: string, failure: Omit<FuzzFailure, 'savedTo' | 'culprit'>, scripts: readonly Script[], ensembleId: string | undefined): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${failure.target}-seed${failure.seed}-batch${failure.batch}-${failure.kind}-${Date.now()}.json`);
  const saved: SavedBatch = {
    failure,
    ensembleId,
    scripts: scripts.map((s) => ({
      channel: s.channel, role: s.role, headers: s.headers, hello: s.hello, raw: s.raw, lane: s.lane, mustRefuse: s.mustRefuse, resumeAt: s.resumeAt,
      opening: s.opening === undefined ? null : toHex(s.opening),
      frames: s.frames.map((f) => (typeof f.data === 'string' ? { text: f.data, notes: f.notes } : { hex: toHex(f.data), notes: f.notes })),
    })),
  };
  writeFileSync(file, JSON.stringify(saved, null, 1));
  return file;
}

/** Loads a saved batch; peer frames get `ensembleId` in place of the saved one (same length, so byte-exact). */
export function loadBatch(file: string, ensembleId: string | undefined): { saved: SavedBatch; scripts: Script[] } {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedBatch;
  const swap = saved.ensembleId !== undefined && ensembleId !== undefined && saved.ensembleId.length === ensembleId.length
    ? (b: Uint8Array): Uint8Array => replaceAll(b, Buffer.from(saved.ensembleId!), Buffer.from(ensembleId))
    : (b: Uint8Array): Uint8Array => b;
  const swapHello = (v: string | undefined): string | undefined => {
    if (v === undefined) return v;
    const bytes = new Uint8Array(Buffer.from(v, 'base64url'));
    const swapped = swap(bytes);
    return Buffer.compare(Buffer.from(bytes), Buffer.from(swapped)) === 0 ? v : Buffer.from(swapped).toString('base64url');
  };
  const scripts = saved.scripts.map((s): Script => ({
    channel: s.channel, role: s.role, headers: s.headers, raw: s.raw, lane: s.lane, mustRefuse: s.mustRefuse, resumeAt: s.resumeAt,
    hello: s.hello === undefined ? undefined : { ...s.hello, value: /^[A-Za-z0-9_-]+$/.test(s.hello.value ?? '') ? swapHello(s.hello.value) : s.hello.value },
    opening: s.opening === null ? undefined : swap(fromHex(s.opening)),
    frames: s.frames.map((f) => ({ data: f.text ?? swap(fromHex(f.hex ?? '')), notes: f.notes })),
  }));
  return { saved, scripts };
}

function replaceAll(bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const out = Buffer.from(bytes);
  for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + from.length)) out.set(to, i);
  return new Uint8Array(out);
}

/** A hello header value as the frame it carries (base64url of msgpack), or as it is when it is not base64url. */
export function helloFrame(value: string | undefined): Uint8Array | string {
  if (value === undefined) return '(no hello header)';
  return /^[A-Za-z0-9_-]+$/.test(value) ? new Uint8Array(Buffer.from(value, 'base64url')) : value;
}

/** A short human description of a frame: its mutation notes, size, hex head and a decoded preview. */
export function describeFrame(data: Uint8Array | string, notes: readonly MutationNote[]): string {
  const what = notes.length === 0 ? 'unmutated' : notes.map((n) => `${n.path}: ${n.what}`).join('; ');
  if (typeof data === 'string') return `text frame of ${data.length} chars (${what}): ${JSON.stringify(data.slice(0, 80))}`;
  const head = toHex(data.subarray(0, 96)) + (data.length > 96 ? '…' : '');
  let preview: string;
  try {
    preview = previewValue(decode(data), 3, new Set());
  } catch (e) {
    preview = `<does not decode: ${(e as Error).message.slice(0, 80)}>`;
  }
  return `${data.length} bytes (${what})\n      hex: ${head}\n      decodes to: ${preview.slice(0, 400)}`;
}

function previewValue(v: unknown, depth: number, seen: Set<object>): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…(${v.length} chars)` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v !== 'object' || v === null) return Object.is(v, -0) ? '-0' : String(v);
  if (seen.has(v)) return '<cycle>';
  seen.add(v);
  if (v instanceof Uint8Array) return `<bin ${v.length}>`;
  if (depth === 0) return Array.isArray(v) ? `[…${v.length}]` : '{…}';
  if (Array.isArray(v)) return `[${v.slice(0, 8).map((x) => previewValue(x, depth - 1, seen)).join(', ')}${v.length > 8 ? `, …(${v.length})` : ''}]`;
  const ctor = Object.getPrototypeOf(v)?.constructor?.name;
  const keys = Object.keys(v).slice(0, 12);
  const body = keys.map((k) => `${k}: ${previewValue((v as Record<string, unknown>)[k], depth - 1, seen)}`).join(', ');
  return ctor && ctor !== 'Object' ? `${ctor} {${body}}` : `{${body}}`;
}

export function formatFailure(f: FuzzFailure): string {
  const lines = [
    `FUZZ FAILURE (${f.kind}) in batch ${f.batch}, target ${f.target}, seed ${f.seed}: ${f.message}`,
    `  replay the run: ${f.replay}`,
  ];
  if (f.savedTo !== undefined) lines.push(`  the batch's frames: ${f.savedTo}`, `  replay just that batch, connection by connection: npm run fuzz -- --replay ${f.savedTo}`);
  if (f.culprit !== undefined) lines.push(`  culprit: ${f.culprit}`);
  if (f.serverLog !== '') lines.push('  server output (last lines):', ...f.serverLog.split('\n').map((l) => `    | ${l}`));
  return lines.join('\n');
}

/** The last `lines` lines of a server's output, each clipped. */
export function logTail(log: string, lines = 30): string {
  return log.trimEnd().split('\n').slice(-lines).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l)).join('\n');
}
