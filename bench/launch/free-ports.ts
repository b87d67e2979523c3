// Free loopback ports for servers that are told their port up front (an ensemble's members must know each
// other's before any starts). All are held open together, so none repeats; another process may still take
// one before our server binds it, which then fails to start and says so.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
