// In-process transport members for transport tests: a PeerTransport with a recording logger and a record
// of what it received, started on loopback and closed by stopMembers() (or closeAllMembers() after a file).
import { PeerTransport, ensembleIdOf, freePorts } from '../../src/transport/index.js';
import type { PeerEndpoint, PeerTransportOptions, TransportLogger } from '../../src/transport/index.js';
import { until } from './until.js';

export interface LogEntry { level: 'info' | 'warn' | 'debug'; msg: string; meta: Record<string, unknown> }

export interface Member {
  id: number;
  transport: PeerTransport<unknown>;
  got: Map<number, unknown[]>;
  logs: LogEntry[];
  downs: number[];
}

const running = new Set<PeerTransport<unknown>>();

function recordingLogger(logs: LogEntry[]): TransportLogger {
  const add = (level: LogEntry['level']) => (msg: string, meta?: object): void => {
    logs.push({ level, msg, meta: (meta ?? {}) as Record<string, unknown> });
  };
  return { info: add('info'), warn: add('warn'), debug: add('debug') };
}

/** `n` members on loopback free ports, ids 1..n; `hosts` overrides some members' hosts (127.0.0.2, ...). */
export async function endpoints(n: number, hosts: Readonly<Record<number, string>> = {}): Promise<PeerEndpoint[]> {
  return (await freePorts(n)).map((port, i) => ({ id: i + 1, host: hosts[i + 1] ?? '127.0.0.1', port }));
}

export async function startMember(id: number, peers: readonly PeerEndpoint[], extra: Partial<PeerTransportOptions<unknown>> = {}): Promise<Member> {
  const got = new Map<number, unknown[]>();
  const logs: LogEntry[] = [];
  const downs: number[] = [];
  const transport = await PeerTransport.start<unknown>({
    myId: id, ensembleId: ensembleIdOf(peers), peers,
    onMessage: (from, message) => {
      const list = got.get(from) ?? [];
      list.push(message);
      got.set(from, list);
    },
    onInboundDown: (from) => downs.push(from),
    logger: recordingLogger(logs), random: () => 0.5, reconnectMaxMs: 100, livenessProbeMs: 300,
    ...extra,
  });
  running.add(transport);
  return { id, transport, got, logs, downs };
}

export async function stopMembers(...members: Member[]): Promise<void> {
  await Promise.all(members.map(async (m) => {
    await m.transport.close();
    running.delete(m.transport);
  }));
}

/** Closes every member still running (for an after() hook). */
export async function closeAllMembers(): Promise<void> {
  await Promise.all([...running].map((t) => t.close()));
  running.clear();
}

export function received(member: Member, from: number): unknown[] {
  return member.got.get(from) ?? [];
}

/** Sends one message each way and waits until both arrive. */
export async function assertLinksWork(a: Member, b: Member, tag: string): Promise<void> {
  const before = [received(b, a.id).length, received(a, b.id).length] as const;
  a.transport.send(b.id, { tag });
  b.transport.send(a.id, { tag });
  await until(() => received(b, a.id).length > before[0] && received(a, b.id).length > before[1], { message: `links work (${tag})` });
}

/** Log entries of `member` whose message matches and whose meta mentions `text` (if given). */
export function logged(member: Member, msg: RegExp, text?: RegExp): LogEntry[] {
  return member.logs.filter((e) => msg.test(e.msg) && (text === undefined || text.test(JSON.stringify(e.meta))));
}

/** Failed dials of `member` to `peer` so far (first failure and its repeats). */
export function failedDials(member: Member, peer: number): number {
  return member.logs.filter((e) => /^peer link (failed|still failing)$|^closing peer link$/.test(e.msg) && e.meta.peer === peer).length;
}

/** Links that came up at `member` (either direction), with `peer` if given. */
export function linksUp(member: Member, peer?: number): number {
  return member.logs.filter((e) => /^(inbound )?peer link up$/.test(e.msg) && (peer === undefined || e.meta.peer === peer)).length;
}
