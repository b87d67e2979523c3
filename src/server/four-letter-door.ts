// Four-letter words on a client port, shared by every client door: a connection whose first four bytes
// spell one of ZooKeeper's words gets its text answer and is closed (`echo srvr | nc host port`); anything
// else is put back, unread, for the door's own protocol. Neither an HTTP request line, a TLS hello nor a
// ZooKeeper client's length prefix (a frame of over 1.6 GB would be needed) spells a word.
import type { Duplex } from 'node:stream';
import { type FourLetterWord, fourLetterWordOf } from '../admin/four-letter-words.js';
import type { Logger } from './logger.js';

/** How long a four-letter word's answer may take to be read before the socket is cut. */
const FOUR_LETTER_ANSWER_GRACE_MS = 10_000;

/**
 * Reads the connection's first four bytes and calls onWord with the word they spell, or puts them back
 * and calls onOther. The caller's handshake deadline bounds the wait, as for any socket.
 */
export function sniffFourLetterWord(socket: Duplex, onWord: (word: FourLetterWord) => void, onOther: () => void): void {
  const onReadable = (): void => {
    const head = socket.read(4) as Buffer | null;
    // Fewer than four bytes so far: wait for more (at the end of the stream read() hands out what is left).
    if (head === null) return;
    socket.off('readable', onReadable);
    const word = fourLetterWordOf(head);
    if (word !== undefined) return onWord(word);
    socket.unshift(head);
    onOther();
  };
  socket.on('readable', onReadable);
}

/** Writes the word's answer and closes; a reader too slow to take it is cut after a grace period. */
export async function answerFourLetterWordOn(socket: Duplex, word: FourLetterWord, answerOf: () => Promise<string>, log: Logger): Promise<void> {
  const cut = setTimeout(() => socket.destroy(), FOUR_LETTER_ANSWER_GRACE_MS);
  socket.once('close', () => clearTimeout(cut));
  let answer: string;
  try {
    answer = await answerOf();
  } catch (e) {
    log.error('four-letter word failed', { word, error: e instanceof Error ? e.message : 'unknown error' });
    answer = `${word} failed: internal error\n`;
  }
  // What else the client sent is not read: the answer is all it gets, as from ZooKeeper.
  socket.end(answer, () => socket.destroy());
}
