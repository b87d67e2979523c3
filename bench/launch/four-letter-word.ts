// ZooKeeper's four-letter words on the client port: `srvr` answers with the server's mode, which is how a
// launcher learns that a ZooKeeper server serves and which one leads.
import { connect } from 'node:net';

const REPLY_BYTES_MAX = 4_096;
const WORD_TIMEOUT_MS = 5_000;

export type ZooKeeperMode = 'leader' | 'follower' | 'observer' | 'standalone';

/** Sends `word` and resolves with the answer (ZooKeeper closes the socket after it). */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(WORD_TIMEOUT_MS, () => socket.destroy(new Error(`four-letter word ${word} timed out`)));
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d: Buffer) => {
      reply = (reply + d.toString('utf8')).slice(0, REPLY_BYTES_MAX);
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
  return parseSrvrMode(await fourLetterWord(port, 'srvr').catch(() => ''));
}
