// A typed, watched configuration value stored in one znode as text (json, yaml, properties or text).
// Every version seen is parsed and checked by the caller's validate function; only a value that passes
// ever reaches 'change' listeners or `value`. A bad update is reported with 'invalid' and the last good
// value is kept.
//
// `set` keeps history: the text it replaces is saved under `path/history/v-<seq>` in the same multi that
// writes the new text (so a version is never lost between the two), and the oldest are deleted beyond
// historyMax. `rollback(n)` writes back the n-th previous version (itself saving the current one).
import type { Client } from '../client.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { Op } from '../ops.js';
import { CreateMode, ErrorCode } from '../../protocol/index.js';
import { NodeCache } from './node-cache.js';
import type { CachedNode } from './cache-core.js';
import { parseConfigText, serializeConfig } from './config-formats.js';
import type { ConfigFormat } from './config-formats.js';
import { isConnectionLoss, whenConnected, retryOnConnectionLoss } from './internal/connected.js';
import { ensurePath } from './internal/ensure-path.js';
import { joinPath, sequenceOf, sortBySequence } from './internal/sequence.js';

/**
 * The format of a ConfigHandle's node, how its values are checked, and how much history it keeps.
 */
export interface ConfigHandleOptions<T> {
  format: ConfigFormat;
  /** Turns the parsed text into the typed value; throws when it is not acceptable. */
  validate: (raw: unknown) => T;
  /** Previous versions kept (default 10, at most CONFIG_HISTORY_MAX). */
  historyMax?: number;
}

/**
 * The events of a ConfigHandle.
 */
export interface ConfigHandleEvents<T> {
  change: [value: T, previous: T | undefined];
  /** A version that did not parse or validate; `value` stays the last good one. */
  invalid: [error: unknown, rawText: string];
  /** SESSIONEXPIRED when the session ends (the handle stops following), or a read error. */
  error: [error: unknown];
}

/** One saved previous version, newest first in `history()`. */
export interface ConfigVersion<T> {
  /** The history node's name, `v-<seq>`. */
  name: string;
  seq: number;
  text: string;
  /** The validated value, or undefined when the text does not validate (see `error`). */
  value: T | undefined;
  error?: unknown;
  /** When it was saved (ms since the epoch). */
  savedAt: number;
}

export const CONFIG_HISTORY_MAX = 1_000;
const HISTORY = 'history';
const VERSION_PREFIX = 'v-';
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A typed, watched configuration value in one node, as json, yaml, properties or text. Only a version that
 * parses and passes `validate` reaches `value` and `change`; a bad one is reported with `invalid`. set keeps
 * previous versions under `path/history` for rollback.
 */
export class ConfigHandle<T> {
  private readonly events = new Emitter<ConfigHandleEvents<T>>((e) => globalThis.console?.error('canopy config: a listener threw', e));
  private readonly cache: NodeCache;
  private readonly historyMax: number;
  private current: T | undefined;
  private lastMzxid = -1;

  /**
   * A handle on the config at `path`. Nothing is sent before start.
   * @throws {RangeError} for a historyMax outside [0, CONFIG_HISTORY_MAX].
   */
  constructor(private readonly client: Client, readonly path: string, private readonly opts: ConfigHandleOptions<T>) {
    const max = opts.historyMax ?? 10;
    if (!Number.isInteger(max) || max < 0 || max > CONFIG_HISTORY_MAX) throw new RangeError(`historyMax must be an integer in [0, ${CONFIG_HISTORY_MAX}]`);
    this.historyMax = max;
    this.cache = new NodeCache(client, path);
    const seen = (node: CachedNode): void => this.evaluate(node);
    this.cache.on('added', seen).on('updated', seen).on('error', (e) => this.events.emit('error', e));
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof ConfigHandleEvents<T>>(event: K, listener: Listener<ConfigHandleEvents<T>[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof ConfigHandleEvents<T>>(event: K, listener: Listener<ConfigHandleEvents<T>[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /** The last good value (undefined until one was seen). */
  get value(): T | undefined {
    return this.current;
  }

  /**
   * Reads the current version and follows it.
   * @returns once the first read is in (value is then current, or undefined when the node is missing or invalid).
   * @throws {Error} when called a second time.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   */
  start(): Promise<void> {
    return this.cache.start();
  }

  /**
   * Stops following; value keeps the last good one.
   */
  close(): void {
    this.cache.close();
  }

  /**
   * Waits for the view to catch up.
   * @returns once every change written before this call is reflected in `value` (or reported invalid).
   */
  async settled(): Promise<void> {
    await this.cache.settled();
  }

  /**
   * Writes a new value, saving the one it replaces in the history in the same multi.
   * @returns once written.
   * @throws {ConfigFormatError} when the value cannot be written in the format; whatever `validate` throws for it.
   * Nothing is written then.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async set(value: T): Promise<void> {
    const text = serializeConfig(this.opts.format, value);
    this.check(text);
    await this.write(text);
  }

  /**
   * Previous versions.
   * @returns them, newest first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async history(): Promise<Array<ConfigVersion<T>>> {
    const dir = joinPath(this.path, HISTORY);
    const names = await this.retry(async () => {
      try {
        return (await this.client.getChildren(dir)).children;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NONODE)) return [];
        throw e;
      }
    });
    const versions = await Promise.all(sortBySequence(names).reverse().map((name) => this.readVersion(dir, name)));
    return versions.filter((v): v is ConfigVersion<T> => v !== undefined);
  }

  /**
   * Writes back the n-th previous version (1 = the one before the current), saving the current one.
   * @returns the value written back.
   * @throws {RangeError} when n is not an integer >= 1 or the history holds fewer versions.
   * @throws {ConfigFormatError} when that version no longer parses; whatever `validate` throws for it.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async rollback(n = 1): Promise<T> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('rollback(n) needs an integer n >= 1');
    const versions = await this.history();
    const target = versions[n - 1];
    if (target === undefined) throw new RangeError(`no version ${n} back: the history holds ${versions.length}`);
    const value = this.check(target.text);
    await this.write(target.text);
    return value;
  }

  // ---- reading ----

  private evaluate(node: CachedNode): void {
    if (node.stat.mzxid === this.lastMzxid) return;
    this.lastMzxid = node.stat.mzxid;
    let text = '';
    let value: T;
    try {
      text = strictUtf8.decode(node.data);
      value = this.check(text);
    } catch (e) {
      this.events.emit('invalid', e, text);
      return;
    }
    const previous = this.current;
    this.current = value;
    this.events.emit('change', value, previous);
  }

  private check(text: string): T {
    return this.opts.validate(parseConfigText(this.opts.format, text));
  }

  private async readVersion(dir: string, name: string): Promise<ConfigVersion<T> | undefined> {
    let read: { data: Uint8Array; stat: { ctime: number } };
    try {
      read = await this.retry(() => this.client.getData(joinPath(dir, name)));
    } catch (e) {
      // Trimmed by another writer meanwhile.
      if (KeeperError.is(e, ErrorCode.NONODE)) return undefined;
      throw e;
    }
    const version: ConfigVersion<T> = { name, seq: sequenceOf(name), text: '', value: undefined, savedAt: read.stat.ctime };
    try {
      version.text = strictUtf8.decode(read.data);
      version.value = this.check(version.text);
    } catch (e) {
      version.error = e;
    }
    return version;
  }

  // ---- writing ----

  /** The current text moves to the history and `text` replaces it, in one multi; retried on races. */
  private async write(text: string): Promise<void> {
    const dir = joinPath(this.path, HISTORY);
    for (;;) {
      const now = await this.retry(() => this.readCurrent());
      if (now === undefined) {
        if (await this.createFirst(text)) break;
        continue;
      }
      try {
        await this.client.multi([
          Op.create(joinPath(dir, VERSION_PREFIX), now.data, { mode: CreateMode.PERSISTENT_SEQUENTIAL }),
          Op.setData(this.path, text, now.version),
        ]);
        break;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.BADVERSION)) continue;
        if (KeeperError.is(e, ErrorCode.NONODE)) {
          await ensurePath(this.client, dir);
          continue;
        }
        if (!isConnectionLoss(e)) throw e;
        await whenConnected(this.client);
        // Unknown outcome: done if the node now holds our text in a newer version.
        const after = await this.retry(() => this.readCurrent());
        if (after !== undefined && after.version > now.version && sameBytes(after.data, utf8.encode(text))) break;
      }
    }
    await this.trimHistory(dir);
  }

  private async readCurrent(): Promise<{ data: Uint8Array; version: number } | undefined> {
    try {
      const { data, stat } = await this.client.getData(this.path);
      return { data, version: stat.version };
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return undefined;
      throw e;
    }
  }

  /** The first version: nothing to save. False when someone else created it first (go round again). */
  private async createFirst(text: string): Promise<boolean> {
    const parent = this.path.slice(0, Math.max(1, this.path.lastIndexOf('/')));
    await ensurePath(this.client, parent);
    try {
      await this.client.create(this.path, text);
      return true;
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NODEEXISTS)) return false;
      if (!isConnectionLoss(e)) throw e;
      await whenConnected(this.client);
      const after = await this.retry(() => this.readCurrent());
      return after !== undefined && after.version === 0 && sameBytes(after.data, utf8.encode(text));
    }
  }

  private async trimHistory(dir: string): Promise<void> {
    const names = await this.retry(async () => {
      try {
        return sortBySequence((await this.client.getChildren(dir)).children).filter((n) => n.startsWith(VERSION_PREFIX));
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NONODE)) return [];
        throw e;
      }
    });
    for (const name of names.slice(0, Math.max(0, names.length - this.historyMax))) {
      await this.retry(async () => {
        try {
          await this.client.delete(joinPath(dir, name));
        } catch (e) {
          if (!KeeperError.is(e, ErrorCode.NONODE)) throw e;
        }
      });
    }
  }

  private retry<T>(op: () => Promise<T>): Promise<T> {
    return retryOnConnectionLoss(this.client, op);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}
