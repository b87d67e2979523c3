// node-zookeeper-client (1.x, CommonJS, untyped) as promises for the ZooKeeper door's tests: the part of
// its API they use, declared here and checked at load time, so nothing untyped leaks into a test.
import { createRequire } from 'node:module';

export interface NzkEvent {
  getType(): number;
  getName(): string;
  getPath(): string;
}
export interface NzkStat {
  version: number;
  cversion: number;
  numChildren: number;
  ephemeralOwner: Buffer;
  dataLength: number;
}
interface NzkException extends Error {
  getCode(): number;
}
type Cb<T> = (error: NzkException | Error | null, value: T, extra?: NzkStat) => void;
interface NzkTransaction {
  create(path: string, data: Buffer, acls: unknown, mode: number): NzkTransaction;
  setData(path: string, data: Buffer, version: number): NzkTransaction;
  check(path: string, version: number): NzkTransaction;
  remove(path: string, version: number): NzkTransaction;
  commit(callback: (error: NzkException | Error | null, results: Array<{ type: number; path?: string; err?: number }>) => void): void;
}
interface NzkRawClient {
  connect(): void;
  close(): void;
  once(event: 'connected' | 'expired' | 'disconnected', listener: () => void): unknown;
  on(event: 'state', listener: (state: { name: string }) => void): unknown;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  create(path: string, data: Buffer, acls: unknown, mode: number, callback: Cb<string>): void;
  getData(path: string, watcher: ((event: NzkEvent) => void) | undefined, callback: (error: NzkException | Error | null, data: Buffer | undefined, stat: NzkStat) => void): void;
  setData(path: string, data: Buffer, version: number, callback: Cb<NzkStat>): void;
  exists(path: string, watcher: ((event: NzkEvent) => void) | undefined, callback: Cb<NzkStat | null>): void;
  getChildren(path: string, watcher: ((event: NzkEvent) => void) | undefined, callback: Cb<string[]>): void;
  remove(path: string, version: number, callback: (error: NzkException | Error | null) => void): void;
  transaction(): NzkTransaction;
}
interface NzkModule {
  createClient(connectionString: string, options: { sessionTimeout: number; spinDelay: number; retries: number; sessionId?: Buffer; sessionPassword?: Buffer }): NzkRawClient;
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number };
  ACL: { OPEN_ACL_UNSAFE: unknown };
  Exception: { NO_NODE: number; BAD_VERSION: number; NO_AUTH: number };
}

const CONNECT_TIMEOUT_MS = 30_000;

function loadModule(): NzkModule {
  const loaded: unknown = createRequire(import.meta.url)('node-zookeeper-client');
  const m = loaded as Partial<NzkModule> | undefined;
  if (typeof m?.createClient !== 'function' || typeof m.CreateMode?.PERSISTENT !== 'number' || m.ACL === undefined) {
    throw new Error('node-zookeeper-client does not have the expected API');
  }
  return m as NzkModule;
}

export const nzk: NzkModule = loadModule();

/** The ZooKeeper error code a library error carries, if any. */
export function nzkCode(error: unknown): number | undefined {
  const e = error as { getCode?: () => unknown } | null;
  if (typeof e?.getCode !== 'function') return undefined;
  const code = e.getCode();
  return typeof code === 'number' ? code : undefined;
}

function settle<T>(resolve: (v: T) => void, reject: (e: Error) => void): Cb<T> {
  return (error, value) => (error ? reject(error) : resolve(value));
}

export class NzkClient {
  private constructor(readonly raw: NzkRawClient) {}

  /** Connects and waits for the session; resumes one with session (id and password as the library's Buffers). */
  static async connect(connectString: string, session?: { id: Buffer; password: Buffer }): Promise<NzkClient> {
    const raw = nzk.createClient(connectString, {
      sessionTimeout: 15_000, spinDelay: 100, retries: 3, ...(session !== undefined ? { sessionId: session.id, sessionPassword: session.password } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node-zookeeper-client did not connect to ${connectString} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      raw.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      raw.once('expired', () => {
        clearTimeout(timer);
        reject(new Error('session expired'));
      });
      raw.connect();
    });
    return new NzkClient(raw);
  }

  get sessionId(): Buffer {
    return this.raw.getSessionId();
  }

  get sessionPassword(): Buffer {
    return this.raw.getSessionPassword();
  }

  create(path: string, data: string, mode: number = nzk.CreateMode.PERSISTENT): Promise<string> {
    return new Promise((resolve, reject) => this.raw.create(path, Buffer.from(data), nzk.ACL.OPEN_ACL_UNSAFE, mode, settle(resolve, reject)));
  }

  getData(path: string, watcher?: (event: NzkEvent) => void): Promise<{ data: string; stat: NzkStat }> {
    return new Promise((resolve, reject) => this.raw.getData(path, watcher, (error, data, stat) => (error ? reject(error) : resolve({ data: data?.toString() ?? '', stat }))));
  }

  setData(path: string, data: string, version = -1): Promise<NzkStat> {
    return new Promise((resolve, reject) => this.raw.setData(path, Buffer.from(data), version, settle(resolve, reject)));
  }

  exists(path: string, watcher?: (event: NzkEvent) => void): Promise<NzkStat | null> {
    return new Promise((resolve, reject) => this.raw.exists(path, watcher, settle(resolve, reject)));
  }

  getChildren(path: string, watcher?: (event: NzkEvent) => void): Promise<string[]> {
    return new Promise((resolve, reject) => this.raw.getChildren(path, watcher, settle(resolve, reject)));
  }

  remove(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) => this.raw.remove(path, version, (error) => (error ? reject(error) : resolve())));
  }

  /** Commits the transaction built by build; the per-op results, and the error the library reports for a failed one. */
  commit(build: (t: NzkTransaction) => NzkTransaction): Promise<{ error: Error | null; results: Array<{ type: number; path?: string; err?: number }> }> {
    return new Promise((resolve) => build(this.raw.transaction()).commit((error, results) => resolve({ error, results: results ?? [] })));
  }

  close(): void {
    this.raw.close();
  }
}
