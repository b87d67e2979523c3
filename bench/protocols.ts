// Which system speaks which client protocol. Canopy speaks its own and, through its ZooKeeper door
// (zkClientPort), ZooKeeper's; Apache ZooKeeper speaks only its own. Driving both systems with the same
// protocol (node-zookeeper-client on both sides) takes the client library out of a comparison.
import { assertNever } from '../protocol/assert-never.js';
import { UsageError } from './errors.js';
import type { ClientProtocol, SystemName } from './types.js';

export const PROTOCOLS: readonly ClientProtocol[] = ['canopy', 'zookeeper'];

export function isClientProtocol(value: unknown): value is ClientProtocol {
  return typeof value === 'string' && (PROTOCOLS as readonly string[]).includes(value);
}

/** The protocol a system's own clients speak: what a run uses unless told otherwise. */
export function nativeProtocol(system: SystemName): ClientProtocol {
  switch (system) {
    case 'canopy': return 'canopy';
    case 'zookeeper': return 'zookeeper';
    default: return assertNever(system, 'system');
  }
}

export function speaks(system: SystemName, protocol: ClientProtocol): boolean {
  switch (system) {
    case 'canopy': return true;
    case 'zookeeper': return protocol === 'zookeeper';
    default: return assertNever(system, 'system');
  }
}

/** Why `system` cannot be driven with `protocol`, in words for a usage error; undefined when it can. */
export function protocolProblem(system: SystemName, protocol: ClientProtocol): string | undefined {
  return speaks(system, protocol) ? undefined : `${system} does not speak the ${protocol} protocol (only Canopy speaks both)`;
}

/** The protocol given, checked against what the system speaks; the system's own when none is given. */
export function resolveProtocol(system: SystemName, given: string | undefined): ClientProtocol {
  if (given === undefined) return nativeProtocol(system);
  if (!isClientProtocol(given)) throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}, not '${String(given).slice(0, 40)}'`);
  const problem = protocolProblem(system, given);
  if (problem !== undefined) throw new UsageError(`--protocol ${given}: ${problem}`);
  return given;
}
