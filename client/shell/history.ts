// Two histories: the numbered commands of this run (zkCli's `history` and `redo n`), and the readline
// history file kept across runs (~/.canopy_cli_history, or $CANOPY_CLI_HISTORY), both bounded.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const MAX_HISTORY_LINES = 1_000;
/** zkCli's `history` shows the last ten. */
const SHOWN = 10;

export class CommandHistory {
  private readonly entries = new Map<number, string>();
  private next = 0;

  /** Number the next command will get (the prompt shows it). */
  get count(): number {
    return this.next;
  }

  add(line: string): number {
    const n = this.next++;
    this.entries.set(n, line);
    if (this.entries.size > MAX_HISTORY_LINES) this.entries.delete(n - MAX_HISTORY_LINES);
    return n;
  }

  /** zkCli's redo: the redone line takes the place of "redo n" under the same number. */
  replaceLast(line: string): void {
    if (this.next > 0) this.entries.set(this.next - 1, line);
  }

  get(n: number): string | undefined {
    return this.entries.get(n);
  }

  recent(): Array<{ n: number; command: string }> {
    const out: Array<{ n: number; command: string }> = [];
    for (let n = Math.max(0, this.next - SHOWN); n < this.next; n++) {
      const command = this.entries.get(n);
      if (command !== undefined) out.push({ n, command });
    }
    return out;
  }
}

export function historyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.CANOPY_CLI_HISTORY || join(homedir(), '.canopy_cli_history');
}

/** Most recent first, as readline wants it; a missing or unreadable file is an empty history. */
export function loadHistory(file: string): string[] {
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-MAX_HISTORY_LINES).reverse();
  } catch {
    return [];
  }
}

/** Takes readline's list (most recent first); failure to write only loses history. */
export function saveHistory(file: string, mostRecentFirst: readonly string[]): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const lines = mostRecentFirst.slice(0, MAX_HISTORY_LINES).reverse();
    writeFileSync(file, lines.length === 0 ? '' : `${lines.join('\n')}\n`, { mode: 0o600 });
  } catch {
    // history is a convenience: never fail a command over it
  }
}
