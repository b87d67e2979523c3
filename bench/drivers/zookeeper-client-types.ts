// The part of node-zookeeper-client (1.x, CommonJS, untyped) that the ZooKeeper driver uses, declared
// here and checked at load time (asZooKeeperModule), so that nothing untyped leaks into the bench.

/** The library's Exception: a ZooKeeper error code (NODE_EXISTS = -110) and a message. */
export interface ZooKeeperException extends Error {
  getCode(): number;
}

export interface ZooKeeperStat {
  version: number;
}

/** A watcher receives an Event; the bench only needs to know that it fired. */
export type ZooKeeperWatcher = (event: unknown) => void;

export type ZooKeeperClientEvent = 'connected' | 'disconnected' | 'expired' | 'authenticationFailed';

export interface ZooKeeperClient {
  connect(): void;
  close(): void;
  once(event: ZooKeeperClientEvent, listener: () => void): unknown;
  removeListener(event: ZooKeeperClientEvent, listener: () => void): unknown;
  create(path: string, data: Buffer, mode: number, callback: (error: ZooKeeperException | Error | null, path: string) => void): void;
  setData(path: string, data: Buffer, version: number, callback: (error: ZooKeeperException | Error | null, stat: ZooKeeperStat) => void): void;
  getData(path: string, watcher: ZooKeeperWatcher, callback: (error: ZooKeeperException | Error | null, data: Buffer | undefined) => void): void;
  getData(path: string, callback: (error: ZooKeeperException | Error | null, data: Buffer | undefined) => void): void;
  remove(path: string, version: number, callback: (error: ZooKeeperException | Error | null) => void): void;
}

export interface ZooKeeperModule {
  createClient(connectionString: string, options: { sessionTimeout: number; spinDelay: number; retries: number }): ZooKeeperClient;
  CreateMode: { PERSISTENT: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL: number; EPHEMERAL_SEQUENTIAL: number };
  Exception: { NODE_EXISTS: number };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/** The loaded module if it has the shape declared above; undefined otherwise. */
export function asZooKeeperModule(loaded: unknown): ZooKeeperModule | undefined {
  // ESM's import() of a CommonJS module puts module.exports on `default`.
  const candidate = isObject(loaded) && isObject(loaded.default) ? loaded.default : loaded;
  if (!isObject(candidate) || typeof candidate.createClient !== 'function') return undefined;
  const modes = candidate.CreateMode;
  const exception = candidate.Exception;
  if (!isObject(modes) || !isObject(exception)) return undefined;
  const numbers = [modes.PERSISTENT, modes.PERSISTENT_SEQUENTIAL, modes.EPHEMERAL, modes.EPHEMERAL_SEQUENTIAL, exception.NODE_EXISTS];
  if (!numbers.every((n) => typeof n === 'number')) return undefined;
  return candidate as unknown as ZooKeeperModule;
}

/** The ZooKeeper error code of a library error, if it carries one. */
export function zooKeeperCode(error: unknown): number | undefined {
  if (!isObject(error) || typeof error.getCode !== 'function') return undefined;
  const code: unknown = (error as { getCode: () => unknown }).getCode();
  return typeof code === 'number' ? code : undefined;
}
