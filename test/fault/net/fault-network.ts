// The loopback network a fault run controls. Every link goes through a HoldingProxy: one per ordered pair of
// servers (server i dials server j through proxy i→j, via `peerDial.j` in i's zoo.cfg) and one per client
// group and server. Faults are stated as blocked ordered pairs of nodes ("packets from A to B are lost"),
// which makes partitions, bridges and one-way loss the same operation. No root needed.
import { HoldingProxy } from './holding-proxy.js';

/** A server ('s1'…) or a client group ('g1'…). */
export type NodeName = `s${number}` | `g${number}`;

export interface NetworkServer {
  id: number;
  clientPort: number;
  peerPort: number;
}

export const serverNode = (id: number): NodeName => `s${id}`;
export const groupNode = (group: number): NodeName => `g${group}`;

interface Route {
  proxy: HoldingProxy;
  /** forward = packets from → to; backward = to → from. */
  from: NodeName;
  to: NodeName;
}

export class FaultNetwork {
  private readonly blocked = new Set<string>();

  private constructor(
    private readonly routes: Map<string, Route>,
    readonly servers: readonly NetworkServer[],
    readonly groups: number,
  ) {}

  static async start(servers: readonly NetworkServer[], groups: number): Promise<FaultNetwork> {
    const routes = new Map<string, Route>();
    const add = async (from: NodeName, to: NodeName, port: number): Promise<void> => {
      routes.set(`${from}>${to}`, { proxy: await HoldingProxy.start({ host: '127.0.0.1', port }), from, to });
    };
    for (const a of servers) {
      for (const b of servers) if (a.id !== b.id) await add(serverNode(a.id), serverNode(b.id), b.peerPort);
    }
    for (let g = 1; g <= groups; g++) {
      for (const s of servers) await add(groupNode(g), serverNode(s.id), s.clientPort);
    }
    return new FaultNetwork(routes, servers, groups);
  }

  get nodes(): NodeName[] {
    return this.servers.map((s) => serverNode(s.id));
  }

  /** The zoo.cfg lines that make server `id` dial every peer through this network. */
  peerDialConfig(id: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of this.servers) {
      if (s.id !== id) out[`peerDial.${s.id}`] = `127.0.0.1:${this.route(serverNode(id), serverNode(s.id)).proxy.port}`;
    }
    return out;
  }

  /** The connect string for clients of one group: every server, through that group's links. */
  connectString(group: number): string {
    return this.servers.map((s) => `127.0.0.1:${this.route(groupNode(group), serverNode(s.id)).proxy.port}`).join(',');
  }

  private route(from: NodeName, to: NodeName): Route {
    const r = this.routes.get(`${from}>${to}`);
    if (r === undefined) throw new Error(`no link ${from} → ${to}`);
    return r;
  }

  /** Packets from `from` to `to` are held until healed (one way). */
  block(from: NodeName, to: NodeName): void {
    if (from === to) return;
    this.blocked.add(`${from}>${to}`);
    this.apply();
  }

  /** Blocks both ways between every pair of nodes on different sides. Nodes on no side are untouched. */
  partition(sides: readonly (readonly NodeName[])[]): void {
    for (let i = 0; i < sides.length; i++) {
      for (let j = 0; j < sides.length; j++) {
        if (i === j) continue;
        for (const a of sides[i]!) for (const b of sides[j]!) this.blocked.add(`${a}>${b}`);
      }
    }
    this.apply();
  }

  /** Releases every block: held packets are delivered. */
  healAll(): void {
    this.blocked.clear();
    this.apply();
  }

  private apply(): void {
    for (const r of this.routes.values()) {
      // Release before hold has no order to respect: each proxy direction is independent.
      r.proxy.hold('forward', this.blocked.has(`${r.from}>${r.to}`));
      r.proxy.hold('backward', this.blocked.has(`${r.to}>${r.from}`));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.routes.values()].map((r) => r.proxy.close()));
  }
}
