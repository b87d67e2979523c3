// BenchDriver for ZooKeeper's protocol through node-zookeeper-client (an optional dependency: loaded only
// when a run asks for that protocol, with a clear error when it is not installed): Apache ZooKeeper, or
// Canopy's ZooKeeper door. Each callback API call is
// turned into a promise; a library error rejects it, and the workload counts it as a failed operation.
import { assertNever } from '../../protocol/assert-never.js';
import { BenchError } from '../errors.js';
import type { BenchCreateMode, BenchDriver, BenchSession } from '../types.js';
import { ensurePathWith } from './ensure-path.js';
import { asZooKeeperModule, zooKeeperCode } from './zookeeper-client-types.js';
import type { ZooKeeperClient, ZooKeeperException, ZooKeeperModule } from './zookeeper-client-types.js';

export const ZOOKEEPER_CLIENT_PACKAGE = 'node-zookeeper-client';
const CONNECT_TIMEOUT_MS = 15_000;
/** A closed session answers its close and then drops the socket; past this we stop waiting. */
const CLOSE_TIMEOUT_MS = 10_000;
/** Delay between the library's reconnect attempts (its default, 1 s, is long for a benchmark). */
const SPIN_DELAY_MS = 100;

function settle<T>(resolve: (value: T) => void, reject: (e: Error) => void) {
  return (error: ZooKeeperException | Error | null, value: T): void => {
    if (error) reject(error);
    else resolve(value);
  };
}

class ZooKeeperSession implements BenchSession {
  constructor(private readonly zk: ZooKeeperModule, private readonly client: ZooKeeperClient) {}

  private mode(mode: BenchCreateMode): number {
    const modes = this.zk.CreateMode;
    switch (mode) {
      case 'persistent': return modes.PERSISTENT;
      case 'persistent_sequential': return modes.PERSISTENT_SEQUENTIAL;
      case 'ephemeral': return modes.EPHEMERAL;
      case 'ephemeral_sequential': return modes.EPHEMERAL_SEQUENTIAL;
      default: return assertNever(mode, 'create mode');
    }
  }

  create(path: string, data: Uint8Array, mode: BenchCreateMode): Promise<string> {
    return new Promise((resolve, reject) => this.client.create(path, toBuffer(data), this.mode(mode), settle(resolve, reject)));
  }

  setData(path: string, data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.client.setData(path, toBuffer(data), -1, settle(() => resolve(), reject)));
  }

  getData(path: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => this.client.getData(path, settle((data: Buffer | undefined) => resolve(data ?? new Uint8Array(0)), reject)));
  }

  getDataWatched(path: string, onChange: () => void): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.client.getData(path, () => onChange(), settle((data: Buffer | undefined) => resolve(data ?? new Uint8Array(0)), reject));
    });
  }

  delete(path: string): Promise<void> {
    return new Promise((resolve, reject) => this.client.remove(path, -1, (error) => (error ? reject(error) : resolve())));
  }

  ensurePath(path: string): Promise<void> {
    return ensurePathWith(path, async (p) => {
      try {
        await this.create(p, new Uint8Array(0), 'persistent');
        return true;
      } catch (e) {
        if (zooKeeperCode(e) === this.zk.Exception.NODE_EXISTS) return false;
        throw e;
      }
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      // The library says nothing when a close completes except 'disconnected' as the socket goes.
      const timer = setTimeout(done, CLOSE_TIMEOUT_MS);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.client.once('disconnected', done);
      this.client.close();
    });
  }
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

let loaded: Promise<ZooKeeperModule> | undefined;

/** Loads node-zookeeper-client once; rejects with a BenchError saying how to install it. */
export function loadZooKeeperClient(): Promise<ZooKeeperModule> {
  loaded ??= (async () => {
    // A variable specifier: the package is optional and has no type declarations of its own.
    const specifier: string = ZOOKEEPER_CLIENT_PACKAGE;
    let module: unknown;
    try {
      module = await import(specifier);
    } catch (e) {
      throw new BenchError(`the zookeeper protocol needs the optional package ${ZOOKEEPER_CLIENT_PACKAGE}; install it with 'npm install ${ZOOKEEPER_CLIENT_PACKAGE}' (${(e as Error).message})`);
    }
    const zk = asZooKeeperModule(module);
    if (zk === undefined) throw new BenchError(`${ZOOKEEPER_CLIENT_PACKAGE} was loaded but does not look like version 1.x (no createClient/CreateMode/Exception)`);
    return zk;
  })();
  return loaded;
}

function connectSession(zk: ZooKeeperModule, connectString: string, sessionTimeoutMs: number): Promise<BenchSession> {
  const client = zk.createClient(connectString, { sessionTimeout: sessionTimeoutMs, spinDelay: SPIN_DELAY_MS, retries: 0 });
  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer);
      client.removeListener('connected', connected);
      client.removeListener('authenticationFailed', failed);
      if (error === undefined) {
        resolve(new ZooKeeperSession(zk, client));
      } else {
        client.close();
        reject(error);
      }
    };
    const connected = (): void => finish(undefined);
    const failed = (): void => finish(new BenchError(`ZooKeeper at ${connectString} refused the session (authentication failed)`));
    const timer = setTimeout(() => finish(new BenchError(`no ZooKeeper session with ${connectString} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    client.once('connected', connected);
    client.once('authenticationFailed', failed);
    client.connect();
  });
}

export async function zooKeeperDriver(): Promise<BenchDriver> {
  const zk = await loadZooKeeperClient();
  return {
    protocol: 'zookeeper',
    connect: (connectString, sessionTimeoutMs) => connectSession(zk, connectString, sessionTimeoutMs),
  };
}
