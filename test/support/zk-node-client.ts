// node-zookeeper-client (1.x, CommonJS, untyped) as promises for the ZooKeeper door's tests: the part of
// its API they use, declared here and checked at load time, so nothing untyped leaks into a test.
// Two ops the library lacks (sync and createContainer) go through its own connection as wire twins (see
// sendTwin), and every notification the server sends can be observed as the library decoded it.
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
  /** The 64-bit fields the library keeps as 8-byte big-endian Buffers. */
  czxid: Buffer;
  mzxid: Buffer;
  pzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  aversion: number;
}
/** A notification as the library decoded it from the wire (xid -1), before it looks for a watcher. */
export interface NzkNotification {
  type: number;
  state: number;
  path: string;
}
/** An ACL entry as the library builds and returns it. */
export interface NzkAcl {
  permission: number;
  id: { scheme: string; id: string };
  /** The jute record the library sends. */
  toRecord(): unknown;
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
  commit(callback: (error: NzkException | Error | null, results: Array<{ type: number; path?: string; err?: number; stat?: NzkStat }>) => void): void;
}
/** A jute record of the library: what its Request needs to put it on the wire. */
interface JuteRecord {
  byteLength(): number;
  serialize(buffer: Buffer, offset: number): number;
}
interface JuteRequestHeader extends JuteRecord {
  type: number;
}
interface JutePathRequest extends JuteRecord {
  path: string;
}
interface JuteCreateRequest extends JutePathRequest {
  data: Buffer | undefined;
  acl: unknown[];
  flags: number;
}
interface JuteModule {
  OP_CODES: { CREATE: number; GET_DATA: number };
  protocol: {
    RequestHeader: new () => JuteRequestHeader;
    GetACLRequest: new () => JutePathRequest;
    CreateRequest: new () => JuteCreateRequest;
  };
  Request: new (header: JuteRequestHeader, payload: JuteRecord) => object;
}
/** The library's connection: queue puts a request on the session's socket and pairs the reply by xid. */
interface NzkConnectionManager {
  queue(request: object, callback: (error: NzkException | Error | null, response: { payload: unknown }) => void): void;
  watcherManager: { emit(event: NzkNotification): void };
}
interface NzkRawClient {
  connectionManager: NzkConnectionManager;
  connect(): void;
  close(): void;
  on(event: 'state', listener: (state: { name: string }) => void): unknown;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  once(event: 'connected' | 'expired' | 'disconnected', listener: () => void): unknown;
  create(path: string, data: Buffer | undefined, acls: unknown, mode: number, callback: Cb<string>): void;
  getData(path: string, watcher: ((event: NzkEvent) => void) | undefined, callback: (error: NzkException | Error | null, data: Buffer | undefined, stat: NzkStat) => void): void;
  setData(path: string, data: Buffer, version: number, callback: Cb<NzkStat>): void;
  exists(path: string, watcher: ((event: NzkEvent) => void) | undefined, callback: Cb<NzkStat | null>): void;
  getChildren(path: string, watcher: ((event: NzkEvent) => void) | undefined, callback: Cb<string[]>): void;
  getACL(path: string, callback: (error: NzkException | Error | null, acls: NzkAcl[] | undefined, stat: NzkStat) => void): void;
  setACL(path: string, acls: unknown[], version: number, callback: Cb<NzkStat>): void;
  remove(path: string, version: number, callback: (error: NzkException | Error | null) => void): void;
  transaction(): NzkTransaction;
}
interface NzkModule {
  createClient(connectionString: string, options: { sessionTimeout: number; spinDelay: number; retries: number; sessionId?: Buffer; sessionPassword?: Buffer }): NzkRawClient;
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number };
  ACL: (new (permission: number, id: object) => NzkAcl) & { OPEN_ACL_UNSAFE: unknown };
  Id: new (scheme: string, id: string) => object;
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

function loadJute(): JuteModule {
  const loaded: unknown = createRequire(import.meta.url)('node-zookeeper-client/lib/jute/index.js');
  const j = loaded as Partial<JuteModule> | undefined;
  if (typeof j?.Request !== 'function' || typeof j.protocol?.RequestHeader !== 'function' || typeof j.protocol.GetACLRequest !== 'function'
    || typeof j.protocol.CreateRequest !== 'function' || typeof j.OP_CODES?.CREATE !== 'number' || typeof j.OP_CODES.GET_DATA !== 'number') {
    throw new Error('node-zookeeper-client\'s jute module does not have the expected API');
  }
  return j as JuteModule;
}

const jute: JuteModule = loadJute();
/** ZooKeeper's opcodes the library cannot send by itself. */
const SYNC_OPCODE = 9;
const CREATE_CONTAINER_OPCODE = 19;
const CONTAINER_FLAGS = 4;

/**
 * A request header that goes on the wire as wireOpcode while the library pairs the reply as parsedAs. The
 * library parses a reply by the opcode it sent and drops the connection for one it does not know, so an op it
 * lacks is sent as the twin whose reply has the same jute layout: sync's reply (a path) is create's, and
 * createContainer's (a path and a Stat) is getData's (a buffer, which is a length and bytes like a string,
 * and a Stat). The request bodies are the library's own records with the same layout.
 */
function twinHeader(wireOpcode: number, parsedAs: number): JuteRequestHeader {
  const header = new jute.protocol.RequestHeader();
  header.type = parsedAs;
  const serialize = header.serialize.bind(header);
  header.serialize = (buffer, offset) => {
    header.type = wireOpcode;
    try {
      return serialize(buffer, offset);
    } finally {
      header.type = parsedAs;
    }
  };
  return header;
}

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
  private readonly notificationListeners: Array<(n: NzkNotification) => void> = [];

  private constructor(readonly raw: NzkRawClient) {
    // The library hands a notification to its watcher table only; this tap sees each one first, as decoded.
    const watchers = raw.connectionManager.watcherManager;
    const emit = watchers.emit.bind(watchers);
    watchers.emit = (n) => {
      for (const listener of this.notificationListeners) listener({ type: n.type, state: n.state, path: n.path });
      emit(n);
    };
  }

  /** Connects and waits for the session; resumes one with session (id and password as the library's Buffers). */
  static async connect(connectString: string, session?: { id: Buffer; password: Buffer }): Promise<NzkClient> {
    const raw = nzk.createClient(connectString, {
      sessionTimeout: 15_000, spinDelay: 100, retries: 3, ...(session !== undefined ? { sessionId: session.id, sessionPassword: session.password } : {}),
    });
    const client = new NzkClient(raw);
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
    return client;
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
  commit(build: (t: NzkTransaction) => NzkTransaction): Promise<{ error: Error | null; results: Array<{ type: number; path?: string; err?: number; stat?: NzkStat }> }> {
    return new Promise((resolve) => build(this.raw.transaction()).commit((error, results) => resolve({ error, results: results ?? [] })));
  }

  /** Calls listener with every notification the server sends this client, in arrival order. */
  onNotification(listener: (n: NzkNotification) => void): void {
    this.notificationListeners.push(listener);
  }

  /** create with data possibly null (sent as jute's -1 length) and the given ACL. */
  createWithAcl(path: string, data: string | null, mode: number, acls: readonly NzkAcl[]): Promise<string> {
    return new Promise((resolve, reject) => this.raw.create(path, data === null ? undefined : Buffer.from(data), [...acls], mode, settle(resolve, reject)));
  }

  /** getData keeping null data (jute's -1 length) apart from empty data. */
  getDataOrNull(path: string, watcher?: (event: NzkEvent) => void): Promise<{ data: Buffer | null; stat: NzkStat }> {
    return new Promise((resolve, reject) => this.raw.getData(path, watcher, (error, data, stat) => (error ? reject(error) : resolve({ data: data ?? null, stat }))));
  }

  /** getChildren2 (the only getChildren the library sends): the children and the parent's Stat. */
  getChildrenWithStat(path: string, watcher?: (event: NzkEvent) => void): Promise<{ children: string[]; stat: NzkStat }> {
    return new Promise((resolve, reject) => this.raw.getChildren(path, watcher, (error, children, stat) => (error ? reject(error) : resolve({ children, stat: stat! }))));
  }

  getACL(path: string): Promise<{ acls: NzkAcl[]; stat: NzkStat }> {
    return new Promise((resolve, reject) => this.raw.getACL(path, (error, acls, stat) => (error ? reject(error) : resolve({ acls: acls ?? [], stat }))));
  }

  setACL(path: string, acls: readonly NzkAcl[], version = -1): Promise<NzkStat> {
    return new Promise((resolve, reject) => this.raw.setACL(path, [...acls], version, settle(resolve, reject)));
  }

  /** ZooKeeper's sync (opcode 9) on this session's connection; resolves with the path the server answers. */
  sync(path: string): Promise<string> {
    const body = new jute.protocol.GetACLRequest();
    body.path = path;
    return this.sendTwin(twinHeader(SYNC_OPCODE, jute.OP_CODES.CREATE), body, (payload) => stringField(payload, 'path'));
  }

  /** createContainer (opcode 19): the created path and its Stat. */
  createContainer(path: string, data: string | null, acls: readonly NzkAcl[]): Promise<{ path: string; stat: NzkStat }> {
    const body = new jute.protocol.CreateRequest();
    body.path = path;
    body.data = data === null ? undefined : Buffer.from(data);
    body.acl = acls.map((a) => a.toRecord());
    body.flags = CONTAINER_FLAGS;
    return this.sendTwin(twinHeader(CREATE_CONTAINER_OPCODE, jute.OP_CODES.GET_DATA), body, (payload) => {
      const data = (payload as { data?: unknown }).data;
      const stat = (payload as { stat?: unknown }).stat;
      if (!Buffer.isBuffer(data) || typeof stat !== 'object' || stat === null) throw new Error('createContainer reply without path and Stat');
      return { path: data.toString('utf8'), stat: stat as NzkStat };
    });
  }

  private sendTwin<T>(header: JuteRequestHeader, body: JuteRecord, read: (payload: unknown) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.raw.connectionManager.queue(new jute.Request(header, body), (error, response) => {
        if (error) return reject(error);
        try {
          resolve(read(response.payload));
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  }

  /** Closes the session and resolves once the server has answered and dropped the connection. */
  closeAndWait(timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node-zookeeper-client did not close within ${timeoutMs} ms`)), timeoutMs);
      this.raw.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      this.raw.close();
    });
  }

  close(): void {
    this.raw.close();
  }
}

function stringField(payload: unknown, name: string): string {
  const value = (payload as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string') throw new Error(`reply without a string ${name}`);
  return value;
}
