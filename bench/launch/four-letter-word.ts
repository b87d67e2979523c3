// ZooKeeper's four-letter words on the client port: `srvr` answers with the server's mode, which is how a
// launcher learns that a ZooKeeper server serves and which one leads.
import { connect } from 'node:net';

const REPLY_BYTES_MAX = 4_096;
const WORD_TIMEOUT_MS = 5_000;
/**
 * A readiness probe gives up sooner: ZooKeeper 3.8.0 answers a `srvr` that arrives while it loads its
 * database, then fails to close the socket (a NullPointerException in removeCnxn), so waiting for the
 * close would add seconds to every start it probes.
 */
const PROBE_TIMEOUT_MS = 1_000;
const NOT_SERVING = /not currently serving requests/;

export type ZooKeeperMode = 'leader' | 'follower' | 'observer' | 'standalone';

export interface FourLetterWordOptions {
  timeoutMs?: number;
  /** Resolve as soon as the answer so far satisfies this, without waiting for ZooKeeper to close the socket. */
  complete?: (reply: string) => boolean;
}

/** Sends `word` and resolves with the answer (ZooKeeper closes the socket after it). */
export function fourLetterWord(port: number, word: string, opts: FourLetterWordOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(opts.timeoutMs ?? WORD_TIMEOUT_MS, () => socket.destroy(new Error(`four-letter word ${word} timed out`)));
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d: Buffer) => {
      reply = (reply + d.toString('utf8')).slice(0, REPLY_BYTES_MAX);
      if (opts.complete?.(reply) === true) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(reply));
  });
}

/** The `Mode:` line of a `srvr` answer; undefined while the server does not serve (or says nothing). */
export function parseSrvrMode(reply: string): ZooKeeperMode | undefined {
  const m = /^Mode: (leader|follower|observer|standalone)\s*$/m.exec(reply);
  return m === null ? undefined : m[1] as ZooKeeperMode;
}

/** The server's mode now, undefined when it does not serve or cannot be reached. */
export async function zookeeperMode(port: number): Promise<ZooKeeperMode | undefined> {
  const complete = (reply: string): boolean => parseSrvrMode(reply) !== undefined || NOT_SERVING.test(reply);
  return parseSrvrMode(await fourLetterWord(port, 'srvr', { timeoutMs: PROBE_TIMEOUT_MS, complete }).catch(() => ''));
}
