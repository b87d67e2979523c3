// ZooKeeper's four-letter words: a client port connection whose first four bytes are one of these
// commands gets a text answer and is closed. Which ones run is 4lw.commands.whitelist (as in ZooKeeper:
// only srvr by default, '*' for all); a known word off the list gets ZooKeeper's refusal text.

export const FOUR_LETTER_WORDS = [
  'conf', 'cons', 'crst', 'dirs', 'envi', 'isro', 'mntr', 'ruok', 'srst', 'srvr', 'stat', 'wchc', 'wchp', 'wchs',
] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

/** ZooKeeper's default: zkServer.sh status needs srvr, and nothing else is on. */
export const DEFAULT_FOUR_LETTER_WHITELIST: ReadonlySet<FourLetterWord> = new Set<FourLetterWord>(['srvr']);

const KNOWN: ReadonlySet<string> = new Set(FOUR_LETTER_WORDS);

export function isFourLetterWord(word: string): word is FourLetterWord {
  return KNOWN.has(word);
}

export class FourLetterWhitelistError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FourLetterWhitelistError';
  }
}

/**
 * 4lw.commands.whitelist: comma-separated words, or '*' for all of them. srvr is always on (as in
 * ZooKeeper, whose scripts depend on it). An unknown word is an error here, not a silent no-op.
 */
export function parseFourLetterWhitelist(text: string): ReadonlySet<FourLetterWord> {
  const words = new Set<FourLetterWord>(DEFAULT_FOUR_LETTER_WHITELIST);
  for (const raw of text.split(',')) {
    const word = raw.trim();
    if (word === '') continue;
    if (word === '*') return new Set(FOUR_LETTER_WORDS);
    if (!isFourLetterWord(word)) {
      throw new FourLetterWhitelistError(`4lw.commands.whitelist: '${word.slice(0, 16)}' is not a four-letter word (known: ${FOUR_LETTER_WORDS.join(', ')}, or *)`);
    }
    words.add(word);
  }
  return words;
}

/** What ZooKeeper answers for a known word that is not on the whitelist. */
export function notWhitelistedAnswer(word: FourLetterWord): string {
  return `${word} is not executed because it is not in the whitelist.\n`;
}

/**
 * The word the first bytes of a connection spell, if they spell one: exactly four lowercase ASCII letters
 * of a known word. Anything else (an HTTP request line, a TLS hello) is not a four-letter word.
 */
export function fourLetterWordOf(head: Uint8Array): FourLetterWord | undefined {
  if (head.length < 4) return undefined;
  let word = '';
  for (let i = 0; i < 4; i++) {
    const c = head[i]!;
    if (c < 0x61 || c > 0x7a) return undefined;
    word += String.fromCharCode(c);
  }
  return isFourLetterWord(word) ? word : undefined;
}
