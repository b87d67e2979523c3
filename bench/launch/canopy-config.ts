// Writes one ensemble member's zoo.cfg and myid into its data directory, in the format canopy-server reads
// (src/server/config.ts): the same file shape a person would write by hand for a real ensemble.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PeerLine {
  id: number;
  host: string;
  peerPort: number;
}

export interface ServerConfigSpec {
  id: number;
  dataDir: string;
  clientPort: number;
  /** Every member's server.N line, this server's included. */
  peers: readonly PeerLine[];
  tickTime: number;
  initLimit?: number;
  syncLimit?: number;
  clientPortAddress?: string;
  /** More key=value lines, e.g. { snapCount: '200' }. */
  extra?: Readonly<Record<string, string>>;
}

/** The zoo.cfg text for one member. */
export function renderServerConfig(spec: ServerConfigSpec): string {
  const lines = [
    `# Canopy ensemble member ${spec.id} of ${spec.peers.length}; this server's id is in myid next to this file.`,
    `dataDir=${spec.dataDir}`,
    `clientPortAddress=${spec.clientPortAddress ?? '127.0.0.1'}`,
    `clientPort=${spec.clientPort}`,
    `tickTime=${spec.tickTime}`,
    `initLimit=${spec.initLimit ?? 10}`,
    `syncLimit=${spec.syncLimit ?? 5}`,
    // The members share one machine, so they cannot all have admin.serverPort's 8080: each takes a free port (logged).
    ...(spec.extra?.['admin.serverPort'] === undefined ? ['admin.serverPort=0'] : []),
    ...Object.entries(spec.extra ?? {}).map(([k, v]) => `${k}=${v}`),
    ...[...spec.peers].sort((a, b) => a.id - b.id).map((p) => `server.${p.id}=${p.host}:${p.peerPort}`),
  ];
  return `${lines.join('\n')}\n`;
}

export interface WrittenConfig {
  /** Path of the member's zoo.cfg. */
  configFile: string;
  /** False when an existing zoo.cfg was kept (`overwrite: false`). */
  written: boolean;
}

/**
 * Creates dataDir and writes `dataDir/zoo.cfg` and `dataDir/myid`. With `overwrite: false` an existing
 * zoo.cfg is kept as it is (someone may have edited it) and only a missing myid is written.
 */
export function writeServerConfig(spec: ServerConfigSpec, opts: { overwrite?: boolean } = {}): WrittenConfig {
  mkdirSync(spec.dataDir, { recursive: true });
  const configFile = join(spec.dataDir, 'zoo.cfg');
  const myidFile = join(spec.dataDir, 'myid');
  const overwrite = opts.overwrite ?? true;
  if (overwrite || !existsSync(myidFile)) writeFileSync(myidFile, `${spec.id}\n`);
  if (!overwrite && existsSync(configFile)) return { configFile, written: false };
  writeFileSync(configFile, renderServerConfig(spec));
  return { configFile, written: true };
}
