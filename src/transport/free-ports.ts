// Test and benchmark helper: loopback ports free right now, for servers told their ports up front (an
// ensemble's members must know each other's before any starts). They are taken below the kernel's
// ephemeral range, so that no outgoing connection can take one as its local port in the meantime (a
// restarted member then failed to bind its old port now and then). All n are held open together, so none
// repeats; another process may still bind one before the caller does, which then fails and says so.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Linux's default when /proc does not say. */
const EPHEMERAL_LOW_DEFAULT = 32768;
/** How far below the ephemeral range ports are drawn from. */
const RANGE_SPAN = 12_000;
const PORT_FLOOR = 1024;
/** Random draws per port wanted before giving up on the range and asking the OS for any port. */
const DRAWS_PER_PORT = 50;

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > PORT_FLOOR ? low : EPHEMERAL_LOW_DEFAULT;
  } catch {
    return EPHEMERAL_LOW_DEFAULT;
  }
}

function listenOn(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => (port !== 0 && (e.code === 'EADDRINUSE' || e.code === 'EACCES') ? resolve(undefined) : reject(e)));
    server.listen(port, host, () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  const high = ephemeralLow() - 1;
  const low = Math.max(PORT_FLOOR, high - RANGE_SPAN);
  try {
    for (let draws = 0; servers.length < n && draws < DRAWS_PER_PORT * n && high - low > n; draws++) {
      const server = await listenOn(low + Math.floor(Math.random() * (high - low + 1)), host);
      if (server !== undefined) servers.push(server);
    }
    while (servers.length < n) servers.push((await listenOn(0, host))!);
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
