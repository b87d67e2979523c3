// After the faults healed and the workloads stopped: what every server holds, read from each server
// directly after a sync. The reads join the register history as syncReads (each must show at least every
// write acknowledged before it), and the servers must agree with each other.
import { Client } from '../../client/index.js';
import type { FaultCluster } from './cluster.js';
import type { RegisterOp, RegisterState } from './checker/index.js';
import { SetWorkload } from './workloads/sets.js';
import type { SetFinal } from './workloads/sets.js';

export interface ServerFinalState {
  server: number;
  registers: Record<string, RegisterState>;
  registerReads: RegisterOp[];
  set: SetFinal;
}

const decoder = new TextDecoder();
/** Op ids for the final reads, far above the workload's. */
let finalOpId = 1_000_000_000;

export async function readFinalState(cluster: FaultCluster, keys: readonly string[], clock: () => number, nextClientId: () => number): Promise<ServerFinalState[]> {
  const out: ServerFinalState[] = [];
  for (const server of cluster.serverIds) {
    const client = await Client.connect(cluster.directConnectStringOf(server), { sessionTimeoutMs: 10_000, connectTimeoutMs: 30_000 });
    try {
      const logical = nextClientId();
      const registers: Record<string, RegisterState> = {};
      const registerReads: RegisterOp[] = [];
      for (const key of keys) {
        const invokedAt = clock();
        await client.sync(key);
        const { data, stat } = await client.getData(key);
        const state = { value: decoder.decode(data), version: stat.version };
        registers[key] = state;
        registerReads.push({ id: finalOpId++, client: logical, key, kind: 'syncRead', invokedAt, completedAt: clock(), outcome: 'ok', result: state, server });
      }
      out.push({ server, registers, registerReads, set: await SetWorkload.readFinal(client) });
    } finally {
      await client.close();
    }
  }
  return out;
}

/** Every server holds the same registers and the same set. */
export function compareFinalStates(finals: readonly ServerFinalState[]): string[] {
  const problems: string[] = [];
  const [first, ...rest] = finals;
  if (first === undefined) return ['final: no server could be read'];
  for (const f of rest) {
    for (const [key, state] of Object.entries(first.registers)) {
      const other = f.registers[key];
      if (other === undefined || other.value !== state.value || other.version !== state.version) {
        problems.push(`diverged: ${key} is ${JSON.stringify(state)} on s${first.server} but ${JSON.stringify(other)} on s${f.server}`);
      }
    }
    const a = JSON.stringify(Object.entries(first.set.children).sort());
    const b = JSON.stringify(Object.entries(f.set.children).sort());
    if (a !== b) problems.push(`diverged: the set differs between s${first.server} (${Object.keys(first.set.children).length} children) and s${f.server} (${Object.keys(f.set.children).length})`);
  }
  return problems;
}
