// Sends a four-letter word over a raw TCP connection and reads the answer until the server closes it, as
// `echo srvr | nc host port` does.
import { connect } from 'node:net';

/** The server closes after answering; this only bounds a test that would otherwise hang. */
const ANSWER_TIMEOUT_MS = 20_000;

export interface FourLetterReply {
  text: string;
  /** Whether the server closed the connection (it always should). */
  closed: boolean;
}

/** Writes `bytes` (a word, or a word and more) and resolves with everything read until the server's close. */
export function sendFourLetterWord(port: number, bytes: string | Uint8Array, host = '127.0.0.1'): Promise<FourLetterReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${ANSWER_TIMEOUT_MS} ms after sending ${JSON.stringify(String(bytes).slice(0, 8))}; read so far: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`));
    }, ANSWER_TIMEOUT_MS);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closed: true });
    });
  });
}

/** The answer's text (the connection must have been closed by the server). */
export async function fourLetterWord(port: number, word: string): Promise<string> {
  return (await sendFourLetterWord(port, word)).text;
}

/** mntr's lines as a key → value map. */
export function monitorMap(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) out.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return out;
}
