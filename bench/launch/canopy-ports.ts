// Which ports a launched Canopy cluster takes, and which of them the run's sessions connect to. Every
// member has a WebSocket clientPort; an ensemble member a peer port too; and when the sessions speak
// ZooKeeper's protocol, a zkClientPort, which is then their endpoint. Pure, so that the choice is tested
// without starting anything.
import { assertNever } from '../../protocol/assert-never.js';
import type { ClientProtocol } from '../types.js';
import type { ClusterSize } from './cluster.js';

export interface CanopyMemberPorts {
  readonly id: number;
  /** The WebSocket door (clientPort), which every Canopy server has. */
  readonly clientPort: number;
  /** Undefined for a standalone server. */
  readonly peerPort: number | undefined;
  /** The ZooKeeper door (zkClientPort); undefined when the run does not speak ZooKeeper's protocol. */
  readonly zkClientPort: number | undefined;
}

/** How many free ports a cluster of `size` needs for sessions speaking `protocol`. */
export function canopyPortCount(size: ClusterSize, protocol: ClientProtocol): number {
  const perMember = (size === 1 ? 1 : 2) + (protocol === 'zookeeper' ? 1 : 0);
  return size * perMember;
}

/** Shares out `ports` (canopyPortCount of them, all distinct) among the members, ids from 1. */
export function canopyMemberPorts(size: ClusterSize, protocol: ClientProtocol, ports: readonly number[]): CanopyMemberPorts[] {
  const needed = canopyPortCount(size, protocol);
  if (ports.length !== needed || new Set(ports).size !== needed) throw new RangeError(`a Canopy cluster of ${size} for ${protocol} sessions needs ${needed} distinct ports, got ${ports.length}`);
  const peerBase = size;
  const zkBase = size === 1 ? size : 2 * size;
  return Array.from({ length: size }, (_, i) => ({
    id: i + 1,
    clientPort: ports[i]!,
    peerPort: size === 1 ? undefined : ports[peerBase + i]!,
    zkClientPort: protocol === 'zookeeper' ? ports[zkBase + i]! : undefined,
  }));
}

/** The port a session speaking `protocol` connects to on this member. */
export function sessionPort(member: CanopyMemberPorts, protocol: ClientProtocol): number {
  switch (protocol) {
    case 'canopy': return member.clientPort;
    case 'zookeeper':
      if (member.zkClientPort === undefined) throw new RangeError(`Canopy server ${member.id} has no ZooKeeper door`);
      return member.zkClientPort;
    default: return assertNever(protocol, 'protocol');
  }
}
