// The messages between the coordinator and a client process (over the fork IPC channel, or handed over
// directly when the client part runs in the coordinator's own process). Whatever arrives is checked
// before use: a message of the wrong shape is a bug, reported as one, never half-used.
import type { BenchOptions } from '../options.js';
import type { ClientReport, Payload, Plan } from '../workloads/workload.js';

export type ToClient =
  | { type: 'start'; workload: string; options: BenchOptions; plan: Plan; processIndex: number }
  | { type: 'release'; name: string; payload: Payload };

export type FromClient =
  | { type: 'arrive'; name: string; payload: Payload }
  | { type: 'progress'; done: number }
  | { type: 'report'; report: ClientReport }
  | { type: 'failed'; message: string };

const NAME_CHARS_MAX = 100;
const PAYLOAD_KEYS_MAX = 32;
const MESSAGE_CHARS_MAX = 2_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= NAME_CHARS_MAX;
}

export function isPayload(value: unknown): value is Payload {
  if (!isRecord(value)) return false;
  const entries = Object.entries(value);
  return entries.length <= PAYLOAD_KEYS_MAX && entries.every(([key, v]) => isName(key) && typeof v === 'number' && Number.isFinite(v));
}

function isReport(value: unknown): value is ClientReport {
  return isRecord(value)
    && Number.isSafeInteger(value.ops) && (value.ops as number) >= 0
    && Number.isSafeInteger(value.errors) && (value.errors as number) >= 0
    && typeof value.histogram === 'string'
    && (value.errorSample === undefined || typeof value.errorSample === 'string')
    && isPayload(value.extra);
}

/** The message, if it is a well-formed FromClient; undefined otherwise. */
export function asFromClient(value: unknown): FromClient | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'arrive': return isName(value.name) && isPayload(value.payload) ? { type: 'arrive', name: value.name, payload: value.payload } : undefined;
    case 'progress': return Number.isSafeInteger(value.done) ? { type: 'progress', done: value.done as number } : undefined;
    case 'report': return isReport(value.report) ? { type: 'report', report: value.report } : undefined;
    case 'failed': return typeof value.message === 'string' ? { type: 'failed', message: value.message.slice(0, MESSAGE_CHARS_MAX) } : undefined;
    default: return undefined;
  }
}

/** The message, if it is a well-formed ToClient; the options inside were validated by the coordinator. */
export function asToClient(value: unknown): ToClient | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'start':
      return isName(value.workload) && isRecord(value.options) && isRecord(value.plan) && Number.isSafeInteger(value.processIndex)
        ? { type: 'start', workload: value.workload, options: value.options as unknown as BenchOptions, plan: value.plan as Plan, processIndex: value.processIndex as number }
        : undefined;
    case 'release': return isName(value.name) && isPayload(value.payload) ? { type: 'release', name: value.name, payload: value.payload } : undefined;
    default: return undefined;
  }
}
