// The fault schedule: healthy gaps and faults, one at a time, drawn from a seeded stream. A fault is injected,
// held for a while and healed; each is recorded with its start, end and targets. The seed fixes the
// schedule (which faults, on which servers, for how long), not the interleaving with client ops.
import type { Prng } from '../sim/prng.js';
import type { FaultCluster } from './cluster.js';
import { groupNode, serverNode } from './net/fault-network.js';
import type { NodeName } from './net/fault-network.js';

export const FAULT_KINDS = ['kill', 'pause', 'partition', 'clients'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRecord {
  kind: FaultKind;
  /** e.g. 'kill-leader', 'partition-bridge', 'clients-one-way'. */
  variant: string;
  detail: string;
  startedAt: number;
  healedAt: number | null;
}

export interface NemesisOptions {
  kinds: readonly FaultKind[];
  clock: () => number;
  gapMs: [number, number];
  holdMs: [number, number];
}

interface ActiveFault {
  record: FaultRecord;
  heal: () => Promise<void>;
}

export class Nemesis {
  readonly schedule: FaultRecord[] = [];
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly cluster: FaultCluster, private readonly rng: Prng, private readonly opts: NemesisOptions) {
    if (opts.kinds.length === 0) throw new Error('no fault kinds to inject');
  }

  /** Injects faults until `endAt` (clock ms) or stop(); the last fault is healed before it returns. */
  async run(endAt: number): Promise<void> {
    const { rng, opts } = this;
    while (!this.stopped && opts.clock() < endAt) {
      await this.sleep(rng.int(opts.gapMs[0], opts.gapMs[1]));
      if (this.stopped || opts.clock() >= endAt) break;
      const fault = this.inject(rng.pick(opts.kinds));
      this.schedule.push(fault.record);
      await this.sleep(Math.min(rng.int(opts.holdMs[0], opts.holdMs[1]), Math.max(0, endAt - opts.clock())));
      await fault.heal();
      fault.record.healedAt = opts.clock();
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private record(kind: FaultKind, variant: string, detail: string): FaultRecord {
    return { kind, variant, detail, startedAt: this.opts.clock(), healedAt: null };
  }

  private get ids(): number[] {
    return this.cluster.serverIds;
  }

  /** The leader if one is known, else a random server. */
  private leaderOrAny(): { id: number; isLeader: boolean } {
    const leader = this.cluster.ensemble.leaderId();
    return leader === undefined ? { id: this.rng.pick(this.ids), isLeader: false } : { id: leader, isLeader: true };
  }

  /** A target server: the leader half of the time (faults there matter most), else any. */
  private target(): { id: number; label: string } {
    if (this.rng.chance(0.5)) {
      const t = this.leaderOrAny();
      return { id: t.id, label: t.isLeader ? `leader s${t.id}` : `s${t.id}` };
    }
    const id = this.rng.pick(this.ids);
    return { id, label: `s${id}` };
  }

  private shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.rng.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  private inject(kind: FaultKind): ActiveFault {
    switch (kind) {
      case 'kill': return this.kill();
      case 'pause': return this.pause();
      case 'partition': return this.partition();
      case 'clients': return this.clients();
    }
  }

  private kill(): ActiveFault {
    const { ensemble } = this.cluster;
    const majority = Math.floor(this.ids.length / 2) + 1;
    let victims: number[];
    let variant: string;
    const roll = this.rng.next();
    if (roll < 0.1) {
      victims = [...this.ids];
      variant = 'kill-all';
    } else if (roll < 0.25) {
      const leader = this.leaderOrAny().id;
      victims = [leader, ...this.shuffled(this.ids.filter((id) => id !== leader)).slice(0, majority - 1)];
      variant = 'kill-majority';
    } else {
      const t = this.target();
      victims = [t.id];
      variant = t.label.startsWith('leader') ? 'kill-leader' : 'kill-one';
    }
    victims = victims.filter((id) => ensemble.stateOf(id) !== 'stopped');
    const record = this.record('kill', variant, `kill -9 ${victims.map((id) => `s${id}`).join(' ')}`);
    const killed = Promise.all(victims.map((id) => ensemble.kill(id, 'SIGKILL')));
    return {
      record,
      heal: async () => {
        await killed;
        await Promise.all(victims.map((id) => ensemble.restart(id, { waitServing: false })));
      },
    };
  }

  private pause(): ActiveFault {
    const { ensemble } = this.cluster;
    const running = this.ids.filter((id) => ensemble.stateOf(id) === 'running');
    let victims: number[];
    let variant: string;
    if (this.rng.chance(0.15) && running.length >= 2) {
      victims = this.shuffled(running).slice(0, 2);
      variant = 'pause-two';
    } else {
      const t = this.target();
      victims = running.includes(t.id) ? [t.id] : running.slice(0, 1);
      variant = t.label.startsWith('leader') ? 'pause-leader' : 'pause-one';
    }
    for (const id of victims) ensemble.pause(id);
    return {
      record: this.record('pause', variant, `SIGSTOP ${victims.map((id) => `s${id}`).join(' ')}`),
      heal: async () => {
        for (const id of victims) if (ensemble.stateOf(id) === 'paused') ensemble.resume(id);
      },
    };
  }

  private partition(): ActiveFault {
    const net = this.cluster.network;
    const nodes = this.shuffled(net.nodes);
    const half = Math.floor(nodes.length / 2);
    const roll = this.rng.next();
    let variant: string;
    let detail: string;
    if (roll < 0.25) {
      const leader = serverNode(this.leaderOrAny().id);
      const rest = nodes.filter((n) => n !== leader);
      net.partition([[leader], rest]);
      variant = 'partition-isolate-leader';
      detail = `${leader} | ${rest.join(' ')}`;
    } else if (roll < 0.5) {
      const minority = nodes.slice(0, half);
      const majority = nodes.slice(half);
      net.partition([minority, majority]);
      variant = 'partition-halves';
      detail = `${minority.join(' ')} | ${majority.join(' ')}`;
    } else if (roll < 0.75) {
      // A bridge: one server sees both sides, which do not see each other.
      const bridge = nodes[0]!;
      const others = nodes.slice(1);
      const a = others.slice(0, Math.floor(others.length / 2));
      const b = others.slice(Math.floor(others.length / 2));
      net.partition([a, b]);
      variant = 'partition-bridge';
      detail = `${a.join(' ')} | ${b.join(' ')}, bridged by ${bridge}`;
    } else {
      const from = this.rng.chance(0.5) ? serverNode(this.leaderOrAny().id) : nodes[0]!;
      const to = nodes.filter((n) => n !== from);
      const lost: NodeName[] = this.rng.chance(0.5) ? to : to.slice(0, 1);
      for (const n of lost) net.block(from, n);
      variant = 'partition-one-way';
      detail = `packets ${from} → ${lost.join(' ')} lost`;
    }
    return { record: this.record('partition', variant, detail), heal: async () => net.healAll() };
  }

  private clients(): ActiveFault {
    const net = this.cluster.network;
    const group = groupNode(this.rng.int(1, net.groups));
    const roll = this.rng.next();
    let variant: string;
    let detail: string;
    if (roll < 0.35) {
      net.partition([[group], net.nodes]);
      variant = 'clients-isolated';
      detail = `${group} cut from every server`;
    } else if (roll < 0.7) {
      const server = serverNode(this.target().id);
      net.partition([[group], [server]]);
      variant = 'clients-from-one';
      detail = `${group} cut from ${server}`;
    } else {
      // Requests arrive, answers are lost: the ops most likely to end with an unknown outcome.
      for (const s of net.nodes) net.block(s, group);
      variant = 'clients-one-way';
      detail = `answers to ${group} lost`;
    }
    return { record: this.record('clients', variant, detail), heal: async () => net.healAll() };
  }
}
