// Opening and closing many sessions without a stampede: at most a few handshakes at a time (a server
// refuses sockets that do not finish their handshake in time), and everything opened is closed again
// when one of them fails.
import type { BenchSession } from '../types.js';

/** Handshakes in progress at once per client process. */
export const SESSION_OPENS_IN_FLIGHT_MAX = 32;
/** A close that takes longer than this is abandoned: the run is over. */
const CLOSE_TIMEOUT_MS = 10_000;

/** Runs fn(0..count-1) with at most `inFlight` calls pending at once. */
export async function pipelined(count: number, inFlight: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(inFlight, count) }, async () => {
    while (next < count) await fn(next++);
  });
  await Promise.all(lanes);
}

export async function openSessions(count: number, connect: () => Promise<BenchSession>): Promise<BenchSession[]> {
  const sessions: BenchSession[] = [];
  try {
    await pipelined(count, SESSION_OPENS_IN_FLIGHT_MAX, async () => {
      sessions.push(await connect());
    });
  } catch (e) {
    await closeSessions(sessions);
    throw e;
  }
  return sessions;
}

/** Closes every session; failures and slow closes are ignored (the measurement is already taken). */
export async function closeSessions(sessions: readonly BenchSession[]): Promise<void> {
  await pipelined(sessions.length, SESSION_OPENS_IN_FLIGHT_MAX, async (i) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    });
    await Promise.race([sessions[i]!.close().catch(() => undefined), timeout]);
    clearTimeout(timer);
  });
}

/** This process's part of `total` when it is split over `processes` as evenly as possible. */
export function shareOf(total: number, processIndex: number, processes: number): { first: number; count: number } {
  const base = Math.floor(total / processes);
  const extra = total % processes;
  return { first: processIndex * base + Math.min(processIndex, extra), count: base + (processIndex < extra ? 1 : 0) };
}
