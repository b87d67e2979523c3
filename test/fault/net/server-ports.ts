// Ports for servers that are killed and restarted during a run. They come from below the OS's ephemeral
// range (Linux: 32768–60999), which the proxies' listeners and every outgoing connection draw from: a port
// from that range, free while its server is down, could be handed to one of those and the restart would
// fail with EADDRINUSE.
import { createServer } from 'node:net';
import type { Prng } from '../../sim/prng.js';

const LOW = 20_000;
const HIGH = 32_000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` distinct ports in [20000, 32000) that are free now, picked with `rng`. */
export async function serverPorts(count: number, rng: Prng): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < count; tries++) {
    if (tries > 10_000) throw new Error(`no ${count} free ports in [${LOW}, ${HIGH})`);
    const port = rng.int(LOW, HIGH - 1);
    if (!out.includes(port) && await canListen(port)) out.push(port);
  }
  return out;
}
