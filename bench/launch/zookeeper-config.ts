// zoo.cfg for one member of a ZooKeeper cluster canopy-bench launches. forceSync is left at its default
// (yes: ZooKeeper fsyncs its txn log before acknowledging), as Canopy fsyncs every acknowledged write too.
import { CONNECTIONS_UNLIMITED, type ServerSettings } from './server-settings.js';

export interface ZooKeeperPeerLine {
  id: number;
  peerPort: number;
  electionPort: number;
}

export interface ZooKeeperConfigSpec {
  dataDir: string;
  clientPort: number;
  /** Every member's server.N line; empty for a standalone server. */
  peers: readonly ZooKeeperPeerLine[];
  settings: ServerSettings;
}

export function renderZooKeeperConfig(spec: ZooKeeperConfigSpec): string {
  const s = spec.settings;
  const lines = [
    `dataDir=${spec.dataDir}`,
    'clientPortAddress=127.0.0.1',
    `clientPort=${spec.clientPort}`,
    `tickTime=${s.tickTimeMs}`,
    `initLimit=${s.initLimitTicks}`,
    `syncLimit=${s.syncLimitTicks}`,
    `minSessionTimeout=${s.minSessionTimeoutMs}`,
    `maxSessionTimeout=${s.maxSessionTimeoutMs}`,
    `snapCount=${s.snapCount}`,
    `maxClientCnxns=${CONNECTIONS_UNLIMITED}`,
    // The launcher learns readiness and the leader from `srvr`; nothing else needs to listen.
    '4lw.commands.whitelist=srvr',
    'admin.enableServer=false',
    ...[...spec.peers].sort((a, b) => a.id - b.id).map((p) => `server.${p.id}=127.0.0.1:${p.peerPort}:${p.electionPort}`),
  ];
  return `${lines.join('\n')}\n`;
}
