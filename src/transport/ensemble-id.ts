// The ensemble identity both ends of a link compare in the handshake: servers configured with different
// membership refuse each other instead of mixing two ensembles' votes.
import { createHash } from 'node:crypto';
import type { PeerEndpoint } from './types.js';

const ENSEMBLE_ID_CHARS = 16;

/** Stable over the order of `peers`: sha256 hex of the sorted "id@host:port" lines, first 16 chars. */
export function ensembleIdOf(peers: readonly PeerEndpoint[]): string {
  const lines = peers.map((p) => `${p.id}@${p.host}:${p.port}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, ENSEMBLE_ID_CHARS);
}
