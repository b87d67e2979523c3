// /health for load balancers and Kubernetes probes: ready means this server answers clients now. That takes
// three things: it serves (past election), it is synced with its leader (a follower serves only once its
// sync is done, a leader once a quorum has synced with it), and it knows its leader.
import type { ServerFacts } from './server-view.js';

export interface HealthAnswer {
  ready: boolean;
  serving: boolean;
  synced: boolean;
  leaderKnown: boolean;
  mode: ServerFacts['mode'];
  serverId: number;
  leaderId: number;
  lastZxid: string;
}

export function healthOf(f: ServerFacts): HealthAnswer {
  const leaderKnown = f.leaderId !== 0;
  // Serving is set only after the sync phase (ZAB phase 2) completes, on either role.
  const synced = f.serving && f.mode !== 'looking';
  return {
    ready: f.serving && synced && leaderKnown, serving: f.serving, synced, leaderKnown, mode: f.mode, serverId: f.serverId, leaderId: f.leaderId,
    lastZxid: `0x${f.lastZxid.toString(16)}`,
  };
}
