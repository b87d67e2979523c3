// What the fuzzer attacks: real server processes. Client frames go to a standalone server; peer frames
// to a real 3-server ensemble's leader and one follower. Each target has well-behaved clients connected
// before the run, knows which processes must stay alive, and reads their memory from /proc.
//
// Forged member (peer target). A hello with the right ensemble id and a configured member's id is all a
// peer has to show (the ensemble id is a hash of the server.N lines: peer authentication is a later
// issue). The fuzzer never speaks in the name of a RUNNING member: that would test what a malicious member
// can do to ZAB, not how a server survives bad frames, and (under peer protocol 1) it would replace that
// member's real link. Instead member 3 is stopped once the ensemble is up: it stays in every server's config,
// so hellos in its name pass and the fuzzer reaches the batch decoding, the message validation and the
// ZAB peer's handling of learner sessions and votes, while servers 1 and 2 keep a quorum and serve.
// Mutated hellos that would pass as member 1 or 2 are replaced (peer-plan.ts); under protocol 2 a few
// valid hellos in a running member's name are sent on purpose, carrying nothing, and must be refused (the
// acceptor's liveness probe of the established link). The assertions stay about liveness: messages in
// member 3's name may still legitimately cause an election, which the well-behaved clients ride out.
import { readFileSync } from 'node:fs';
import { ensembleIdOf } from '../../src/transport/ensemble-id.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { FUZZ_ROOT, GOOD_ROOT } from './client-frames.js';
import { GoodClient } from './good-client.js';
import type { PeerContext } from './peer-frames.js';

export interface Watched {
  /** Server id (1 for the standalone server). */
  id: number;
  role: 'standalone' | 'leader' | 'follower';
  proc: ServerProcess;
  clientPort: number;
  peerPort: number;
}

/** What the servers logged that the checks look at: role changes (elections) and ERROR lines. */
export class ServerEvents {
  roleChanges = 0;
  /** Highest epoch a role-change line named. */
  maxEpoch = 0;
  /** The first role-change lines. */
  readonly roleLines: string[] = [];
  readonly errorLines: string[] = [];
  private counting = false;

  /** Counting starts once the target is set up: its own elections do not count. */
  start(): void {
    this.counting = true;
  }

  line(id: number, line: string): void {
    if (!this.counting) return;
    if (line.includes(' role changed ')) {
      this.roleChanges++;
      this.maxEpoch = Math.max(this.maxEpoch, Number(/"epoch":(\d+)/.exec(line)?.[1] ?? 0));
      if (this.roleLines.length < 20) this.roleLines.push(`[server ${id}] ${line.slice(0, 300)}`);
    } else if (/^\S+ ERROR /.test(line) && this.errorLines.length < 20) this.errorLines.push(`[server ${id}] ${line.slice(0, 400)}`);
  }
}

export interface Target {
  kind: 'client' | 'peer';
  events: ServerEvents;
  /** Processes that must stay alive, with their roles when the run started. */
  watched: Watched[];
  good: GoodClient[];
  /** Peer target only. */
  peer: PeerContext | undefined;
  /** The port a script of this role attacks (the client port, or the role's peer port). */
  portFor(role: Watched['role']): number;
  /** Peer target: ids of the running members by role. */
  live: { leader: number; follower: number } | undefined;
  stop(): Promise<void>;
}

export function memoryOf(pid: number | undefined): { rssKiB: number; hwmKiB: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS_PER_S = 100;

/** CPU time a process has used (user + system), in ms (Linux /proc/<pid>/stat, 10 ms resolution). */
export function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** A standalone server with the default tickTime (so sessions get the default 4–40 s timeouts). */
export async function startClientTarget(): Promise<Target> {
  const events = new ServerEvents();
  const server = await ServerProcess.start({ tickTime: 2000, onLine: (line) => events.line(1, line) });
  let good: GoodClient;
  try {
    good = await GoodClient.connect('good client', server.connectString, `${GOOD_ROOT}-1`);
    await good.ensure(FUZZ_ROOT);
  } catch (e) {
    await server.kill();
    server.removeDataDir();
    throw e;
  }
  const port = server.port;
  events.start();
  return {
    kind: 'client',
    events,
    watched: [{ id: 1, role: 'standalone', proc: server, clientPort: port, peerPort: 0 }],
    good: [good],
    peer: undefined,
    portFor: () => port,
    live: undefined,
    async stop() {
      await good.close();
      await server.stop();
      server.removeDataDir();
    },
  };
}

const FORGED_ID = 3;

/**
 * A 3-server ensemble with member 3 stopped (see the comment at the top). tickTime 1000: syncLimit is 5 s,
 * so a server busy decoding a huge frame for a moment is not mistaken for a dead one.
 */
export async function startPeerTarget(): Promise<Target> {
  const events = new ServerEvents();
  const ensemble = await Ensemble.start({ size: 3, tickTime: 1000, onServerLine: (id, line) => events.line(id, line) });
  const good: GoodClient[] = [];
  try {
    await ensemble.kill(FORGED_ID);
    const leader = await ensemble.waitForLeader({ exclude: [FORGED_ID] });
    const follower = ensemble.servers.find((s) => s.id !== leader && s.id !== FORGED_ID)!.id;
    const roleOf = (id: number): 'leader' | 'follower' => (id === leader ? 'leader' : 'follower');
    const watched: Watched[] = [leader, follower].map((id) => {
      const s = ensemble.server(id);
      return { id, role: roleOf(id), proc: s.process!, clientPort: s.clientPort, peerPort: s.peerPort };
    });
    for (const w of watched) good.push(await GoodClient.connect(`good client of server ${w.id} (${w.role})`, `127.0.0.1:${w.clientPort}`, `${GOOD_ROOT}-${w.id}`));
    await good[0]!.ensure(FUZZ_ROOT);
    const peers = ensemble.servers.map((s) => ({ id: s.id, host: '127.0.0.1', port: s.peerPort }));
    const peer: PeerContext = {
      ensembleId: ensembleIdOf(peers),
      members: ensemble.servers.map((s) => s.id),
      forgedId: FORGED_ID,
      epoch: ensemble.roleOf(leader)?.epoch ?? 1,
    };
    events.start();
    return {
      kind: 'peer',
      events,
      watched,
      good,
      peer,
      portFor: (role) => watched.find((w) => w.role === role)!.peerPort,
      live: { leader, follower },
      async stop() {
        await Promise.all(good.map((g) => g.close()));
        await ensemble.removeAll();
      },
    };
  } catch (e) {
    await Promise.all(good.map((g) => g.close()));
    await ensemble.removeAll();
    throw e;
  }
}

export function startTarget(kind: 'client' | 'peer'): Promise<Target> {
  return kind === 'client' ? startClientTarget() : startPeerTarget();
}
