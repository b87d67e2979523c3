// Impostors for peer-authentication tests: dialers that know the server.N lines, hence the ensemble id,
// but lack the member certificate or the shared secret, and keep dialling every member while claiming to
// be a member. Two kinds, each in its own loop until stopped:
//   - the real transport (PeerTransport) configured with the wrong credentials and a member's id: it
//     dials the other members with its own reconnect loop, exactly as a member would;
//   - raw WebSocket diallers that speak the wire protocol by hand (no certificate, a wrong proof, plain
//     ws against a TLS port, ...), one attempt after another.
// Each keeps a tally: attempts, and hellos that completed (a link up, or a WebSocket the acceptor opened),
// which an authenticated ensemble must keep at zero.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';
import { PEER_PROTOCOL_VERSION, type Hello } from '../../src/transport/codec.js';
import { HELLO_HEADER, encodeHelloHeader, readChallenge } from '../../src/transport/handshake.js';
import { NONCE_BYTES, PROOF_BYTES } from '../../src/transport/hello-proof.js';
import { PeerTransport, type PeerAuthOptions, type PeerEndpoint, type TransportLogger } from '../../src/transport/index.js';

export interface ImpostorTally {
  attempts: number;
  /** Hellos the acceptor accepted: must stay 0 against an authenticated ensemble. */
  completed: number;
}

export interface ImpostorTarget {
  id: number;
  peerPort: number;
}

export type AttemptOutcome = 'refused' | 'completed';

/** One raw attempt at `target`'s peer port, claiming to be member `claimedId`. */
export type RawAttempt = (target: ImpostorTarget, claimedId: number) => Promise<AttemptOutcome>;

/** A stranger's bound on one attempt: generous, since a loaded CI machine is slow. */
const ATTEMPT_TIMEOUT_MS = 20_000;
/**
 * The pace of a raw dialler: an attempt at most every this many ms. The attack is load, paced by the
 * clock (nothing waits on it): enough to keep every member busy refusing, without spending the two CI
 * cores on the test's own diallers. The transports pace themselves with their reconnect backoff.
 */
const RAW_ATTEMPT_INTERVAL_MS = 10;

/**
 * Opens a WebSocket to `url` with `hello` in the hello header and resolves once it is closed: 'completed'
 * if the acceptor upgraded it (the impostor got a link), 'refused' otherwise. `onRefused` sees the HTTP
 * answer of a refused upgrade (its headers carry a challenge, for instance).
 */
export function dialOnce(url: string, hello: Hello | undefined, options: ClientOptions = {}, onRefused?: (res: IncomingMessage) => void): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let outcome: AttemptOutcome = 'refused';
    const headers: Record<string, string> = hello === undefined ? {} : { [HELLO_HEADER]: encodeHelloHeader(hello) };
    const socket = new WebSocket(url, { ...options, headers, handshakeTimeout: ATTEMPT_TIMEOUT_MS, perMessageDeflate: false });
    socket.on('error', () => {});
    socket.on('unexpected-response', (_req, res: IncomingMessage) => {
      onRefused?.(res);
      res.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      outcome = 'completed';
      socket.terminate();
    });
    socket.on('close', () => resolve(outcome));
  });
}

/** A member's hello, as anyone who knows the server.N lines can write it. */
export function memberHello(ensembleId: string, claimedId: number): Hello {
  return { version: PEER_PROTOCOL_VERSION, serverId: claimedId, ensembleId };
}

/**
 * The shared-secret exchange without the secret: the first hello fetches a real challenge, the second
 * answers it with a random proof. 'completed' if either was accepted.
 */
export function guessTheSecret(ensembleId: string, scheme: 'ws' | 'wss' = 'ws', options: ClientOptions = {}): RawAttempt {
  return async (target, claimedId) => {
    const url = `${scheme}://127.0.0.1:${target.peerPort}/`;
    let challenge: Uint8Array | undefined;
    const first = await dialOnce(url, memberHello(ensembleId, claimedId), options, (res) => { challenge = readChallenge(res.headers); });
    if (first === 'completed' || challenge === undefined) return first;
    const auth = { challenge, nonce: new Uint8Array(randomBytes(NONCE_BYTES)), proof: new Uint8Array(randomBytes(PROOF_BYTES)) };
    return dialOnce(url, { ...memberHello(ensembleId, claimedId), auth }, options);
  };
}

function countingLogger(tally: ImpostorTally): TransportLogger {
  const note = (msg: string): void => {
    if (msg === 'peer link up' || msg === 'inbound peer link up') tally.completed++;
    if (msg === 'peer link failed' || msg === 'peer link still failing' || msg === 'closing peer link') tally.attempts++;
  };
  return { info: note, warn: note, debug: note };
}

export class ImpostorSwarm {
  private stopped = false;
  private readonly tallies = new Map<string, ImpostorTally>();
  private readonly loops: Promise<void>[] = [];
  private readonly transports: PeerTransport<unknown>[] = [];

  /** Runs `attempt` against every target claiming each of `claimedIds`, round after round, until stop(). */
  addRaw(name: string, targets: readonly ImpostorTarget[], claimedIds: readonly number[], attempt: RawAttempt): void {
    const tally = this.tally(name);
    this.loops.push((async () => {
      while (!this.stopped) {
        for (const target of targets) {
          for (const claimed of claimedIds) {
            if (this.stopped) return;
            const paced = new Promise((resolve) => setTimeout(resolve, RAW_ATTEMPT_INTERVAL_MS));
            const outcome = await attempt(target, claimed);
            tally.attempts++;
            if (outcome === 'completed') tally.completed++;
            await paced;
          }
        }
      }
    })());
  }

  /**
   * Starts the real transport as member `claimedId` of the ensemble `peers` (the server.N lines) with
   * `authentication`, listening on a free port of its own; it dials every other member until stop().
   */
  async addTransport(name: string, claimedId: number, peers: readonly PeerEndpoint[], ensembleId: string, authentication: PeerAuthOptions): Promise<void> {
    const tally = this.tally(name);
    const transport = await PeerTransport.start<unknown>({
      myId: claimedId, ensembleId, peers, listenHost: '127.0.0.1', listenPort: 0,
      onMessage: () => { tally.completed++; },
      logger: countingLogger(tally), authentication, reconnectMinMs: 20, reconnectMaxMs: 100,
    });
    this.transports.push(transport);
    // Something to send: a vote that would force an election if it ever counted.
    for (const p of peers) if (p.id !== claimedId) transport.send(p.id, { type: 'vote', vote: { leader: claimedId, zxid: 2 ** 50, peerEpoch: 2 ** 20 }, electionEpoch: 2 ** 40, state: 'looking' });
  }

  /** Each impostor's tally so far. */
  snapshot(): ReadonlyMap<string, ImpostorTally> {
    return new Map([...this.tallies].map(([name, t]) => [name, { ...t }]));
  }

  /** The fewest attempts any impostor has made. */
  fewestAttempts(): number {
    return Math.min(...[...this.tallies.values()].map((t) => t.attempts));
  }

  async stop(): Promise<ReadonlyMap<string, ImpostorTally>> {
    this.stopped = true;
    await Promise.all(this.loops);
    await Promise.all(this.transports.map((t) => t.close()));
    return this.snapshot();
  }

  private tally(name: string): ImpostorTally {
    if (this.tallies.has(name)) throw new Error(`two impostors named ${name}`);
    const tally: ImpostorTally = { attempts: 0, completed: 0 };
    this.tallies.set(name, tally);
    return tally;
  }
}
