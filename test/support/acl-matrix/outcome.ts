// Turns what a runner saw (RawResult) into the outcome string the rules predict, the same way for every
// runner: error names from ZooKeeper's codes, `OK redacted` for a getACL answer whose digest ids read
// `user:x`, the stored ACL for validation cells, per-op codes for multi and multiRead, events by name.
import { ErrorCode, EventType, errorCodeName, type ACL } from '../../../protocol/index.js';
import type { RawResult } from './actions.js';

const EVENT_NAMES = new Map<number, string>(Object.entries(EventType).map(([name, code]) => [code, name]));

/** `scheme:id:perms`, sorted, comma-separated: a stored ACL in a form that does not depend on order. */
export function formatAcl(acl: readonly ACL[]): string {
  return acl.map((a) => `${a.id.scheme}:${a.id.id}:${a.perms}`).sort().join(',');
}

/** getACL as a caller without ADMIN sees it (ZooKeeper's FinalRequestProcessor): digest ids become `user:x`. */
export function redacted(acl: readonly ACL[]): ACL[] {
  return acl.map((a) => (a.id.scheme === 'digest' ? { perms: a.perms, id: { scheme: 'digest', id: a.id.id.replace(/:.*$/s, ':x') } } : a));
}

function codes(list: readonly number[]): string {
  return list.map((c) => errorCodeName(c)).join(',');
}

interface OutcomeFacts {
  family: 'request' | 'event' | 'validation' | 'reserved';
  kind: string | undefined;
  storedAcl?: readonly ACL[];
  readBackAcl?: string;
}

function okOutcome(facts: OutcomeFacts, raw: RawResult): string {
  if (facts.readBackAcl !== undefined) return raw.acl === undefined ? 'OK (ACL not read back)' : `OK ${formatAcl(raw.acl)}`;
  switch (facts.kind) {
    case 'exists':
      return raw.isNull === true ? 'OK null' : 'OK';
    case 'getACL': {
      if (raw.acl === undefined || facts.storedAcl === undefined) return 'OK';
      const got = formatAcl(raw.acl);
      if (got === formatAcl(facts.storedAcl)) return 'OK';
      if (got === formatAcl(redacted(facts.storedAcl))) return 'OK redacted';
      return `OK acl=${got}`;
    }
    default:
      return 'OK';
  }
}

/** The outcome string of one cell. */
export function formatOutcome(facts: OutcomeFacts, raw: RawResult | undefined): string {
  if (raw === undefined) return 'ERROR no result';
  if (raw.error !== undefined) return `ERROR ${raw.error}`;
  if (facts.family === 'event') {
    const seen = (raw.events ?? []).map((t) => EVENT_NAMES.get(t) ?? String(t));
    return `events ${seen.length === 0 ? 'none' : seen.join(',')}`;
  }
  if (facts.kind === 'multi' || facts.kind === 'multiRead') {
    if (raw.results !== undefined && raw.results.length > 0) return `${facts.kind} ${codes(raw.results)}`;
    return errorCodeName(raw.err ?? ErrorCode.SYSTEMERROR);
  }
  if (raw.err === undefined) return 'ERROR no error code';
  return raw.err === ErrorCode.OK ? okOutcome(facts, raw) : errorCodeName(raw.err);
}
