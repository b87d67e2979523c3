// The last events of a run, kept in a ring so a failure can show what led to it. Events are stored raw
// and formatted only when printed: formatting every message of every run would cost more than the run.
import type { PeerAction, PeerMessage } from '../../src/zab/index.js';

export const TRACE_EVENTS_DEFAULT = 200;
export const TRACE_EVENTS_MAX = 1_000_000;

export interface TraceEvent {
  step: number;
  node: number;
  kind: string;
  detail: unknown;
}

export class Trace {
  private readonly ring: (TraceEvent | undefined)[];
  private readonly capacity: number;
  private next = 0;

  constructor(capacity = TRACE_EVENTS_DEFAULT) {
    this.capacity = Math.max(1, Math.min(capacity, TRACE_EVENTS_MAX));
    this.ring = new Array<TraceEvent | undefined>(this.capacity);
  }

  add(step: number, node: number, kind: string, detail: unknown = undefined): void {
    this.ring[this.next % this.capacity] = { step, node, kind, detail };
    this.next += 1;
  }

  events(): TraceEvent[] {
    const out: TraceEvent[] = [];
    const first = Math.max(0, this.next - this.capacity);
    for (let i = first; i < this.next; i++) out.push(this.ring[i % this.capacity]!);
    return out;
  }

  format(): string {
    return this.events().map(formatEvent).join('\n');
  }
}

export function hex(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}

function zxidRange(txns: readonly { zxid: number }[]): string {
  if (txns.length === 0) return '[]';
  return txns.length === 1 ? `[${hex(txns[0]!.zxid)}]` : `[${hex(txns[0]!.zxid)}..${hex(txns[txns.length - 1]!.zxid)}](${txns.length})`;
}

export function formatMessage(m: PeerMessage): string {
  const sess = 'session' in m ? ` s${m.session % 100000}` : '';
  const seq = 'seq' in m ? `#${m.seq}` : '';
  const head = `${m.type}${sess}${seq}`;
  switch (m.type) {
    case 'vote': return `${head} leader=${m.vote.leader} zxid=${hex(m.vote.zxid)} peerEpoch=${m.vote.peerEpoch} round=${m.electionEpoch} ${m.state}`;
    case 'followerInfo': return `${head} accepted=${m.acceptedEpoch} current=${m.currentEpoch} last=${hex(m.lastZxid)}`;
    case 'ackEpoch': return `${head} current=${m.currentEpoch} last=${hex(m.lastZxid)}`;
    case 'ackNewLeader': case 'ack': return `${head} zxid=${hex(m.zxid)}`;
    case 'leaderInfo': return `${head} epoch=${m.epoch}`;
    case 'sync': return `${head} ${m.mode} epoch=${m.epoch} from=${hex(m.fromZxid)} txns=${zxidRange(m.txns)} commit=${hex(m.commitZxid)}`;
    case 'proposal': return `${head} ${zxidRange(m.txns)}`;
    case 'commit': return `${head} zxid=${hex(m.zxid)}`;
    case 'upToDate': return `${head} commit=${hex(m.commitZxid)}`;
    case 'abort': return `${head} (${m.reason})`;
    default: return head;
  }
}

export function formatAction(a: PeerAction): string {
  switch (a.type) {
    case 'send': return `send→${a.to} ${formatMessage(a.message)}`;
    case 'append': return `append#${a.seq} ${zxidRange(a.txns)}`;
    case 'truncate': return `truncate#${a.seq} after ${hex(a.afterZxid)}`;
    case 'installSnapshot': return `installSnapshot#${a.seq} at ${hex(a.zxid)}`;
    case 'epochs': return `epochs#${a.seq} accepted=${a.acceptedEpoch ?? '-'} current=${a.currentEpoch ?? '-'}`;
    case 'commit': return `commit ${zxidRange(a.txns)}`;
    case 'status': return `status ${a.status.state} leader=${a.status.leader} epoch=${a.status.epoch} serving=${a.status.serving}`;
    case 'fromLearner': return `fromLearner ${a.from}`;
    case 'fromLeader': return 'fromLeader';
  }
}

function formatEvent(e: TraceEvent): string {
  const who = e.node > 0 ? `p${e.node}` : '--';
  let text: string;
  switch (e.kind) {
    case 'action': text = formatAction(e.detail as PeerAction); break;
    case 'deliver': {
      const d = e.detail as { from: number; message: PeerMessage };
      text = `recv←${d.from} ${formatMessage(d.message)}`;
      break;
    }
    default: text = e.detail === undefined ? e.kind : `${e.kind} ${typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)}`;
  }
  return `${String(e.step).padStart(6)} ${who} ${text}`;
}
