// A real ensemble behind a FaultNetwork: the servers dial each other and clients reach them only through
// holding proxies, and every server's output lines go to `server-N.log` in the run's folder.
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Ensemble } from '../support/ensemble.js';
import { Prng } from '../sim/prng.js';
import { until } from '../support/until.js';
import { FaultNetwork } from './net/fault-network.js';
import { serverPorts } from './net/server-ports.js';

export interface ClusterOptions {
  size: 3 | 5;
  /** Client groups: each has its own links to every server, so it can be cut off on its own. */
  groups: number;
  tickTime: number;
  resultsDir: string;
  /** Picks the servers' ports. */
  seed: number;
  extraConfig?: Record<string, string>;
}

export class FaultCluster {
  private constructor(
    readonly ensemble: Ensemble,
    readonly network: FaultNetwork,
    private readonly logs: Map<number, WriteStream>,
  ) {}

  static async start(opts: ClusterOptions): Promise<FaultCluster> {
    const ports = await serverPorts(2 * opts.size, new Prng(opts.seed));
    const servers = Array.from({ length: opts.size }, (_, i) => ({ id: i + 1, clientPort: ports[i]!, peerPort: ports[opts.size + i]! }));
    const network = await FaultNetwork.start(servers, opts.groups);
    const logs = new Map<number, WriteStream>();
    for (const s of servers) logs.set(s.id, createWriteStream(join(opts.resultsDir, `server-${s.id}.log`), { flags: 'a' }));
    try {
      const ensemble = await Ensemble.start({
        size: opts.size,
        tickTime: opts.tickTime,
        ports: { client: servers.map((s) => s.clientPort), peer: servers.map((s) => s.peerPort) },
        extraConfig: opts.extraConfig ?? {},
        extraConfigFor: (id) => network.peerDialConfig(id),
        onServerLine: (id, line) => logs.get(id)?.write(`${line}\n`),
      });
      return new FaultCluster(ensemble, network, logs);
    } catch (e) {
      await network.close();
      for (const l of logs.values()) l.end();
      throw e;
    }
  }

  get serverIds(): number[] {
    return this.network.servers.map((s) => s.id);
  }

  /** Straight to the servers, past the proxies: for the final checks once faults have healed. */
  get directConnectString(): string {
    return this.ensemble.connectString;
  }

  directConnectStringOf(id: number): string {
    return `127.0.0.1:${this.ensemble.server(id).clientPort}`;
  }

  /** Heals the network, resumes paused servers and restarts stopped ones; waits until all serve. */
  async healEverything(timeoutMs = 120_000): Promise<void> {
    this.network.healAll();
    for (const id of this.serverIds) if (this.ensemble.stateOf(id) === 'paused') this.ensemble.resume(id);
    await Promise.all(this.serverIds.map(async (id) => {
      if (this.ensemble.stateOf(id) === 'stopped') await this.ensemble.restart(id, { waitServing: false });
    }));
    await until(() => this.serverIds.every((id) => this.ensemble.roleOf(id)?.serving === true) && this.ensemble.leaderId() !== undefined, {
      timeoutMs, message: 'every server serving after the faults healed',
    });
  }

  async stop(keepData: boolean): Promise<void> {
    if (keepData) await this.ensemble.stopAll();
    else await this.ensemble.removeAll();
    await this.network.close();
    await Promise.all([...this.logs.values()].map((l) => new Promise<void>((resolve) => l.end(() => resolve()))));
  }
}
