// The machinery shared by the distributed queues (FIFO, priority, delay). An item is a persistent
// sequential child of the queue whose name sorts in delivery order (`q-<seq>`, `q-<priority>-<seq>`,
// `q-<due time>-<seq>`, each zero-padded so that comparing names compares what they encode).
//
// put: a protected create (`_c_<guid>-q-...`), so a put whose answer was lost is neither lost nor doubled.
// take: read the first item, then claim it with one multi { delete the item at the version read, create
// `claims/<item>-by-<taker guid>` holding its data }. Exactly one taker's multi can succeed. If the answer
// to the multi is lost, the taker syncs and looks for its claim node: present means the item is its own,
// absent means the multi never happened. So each item is handed to exactly one take(), across connection
// loss. The claim node is then deleted. A taker that dies between its multi and the return of take()
// leaves the item in `claims/` (with its data, for an operator to requeue): delivery is at most once.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { KeeperError } from '../errors.js';
import { Op } from '../ops.js';
import { CreateMode, ErrorCode } from '../../protocol/index.js';
import { isConnectionLoss, retryOnConnectionLoss } from './internal/connected.js';
import { ensurePath } from './internal/ensure-path.js';
import { createProtected, newGuid, unprotectedName } from './internal/protected-create.js';
import { joinPath } from './internal/sequence.js';
import { deadlineFrom, delay, raceSessionEnd, throwIfDone, trigger } from './recipe-wait.js';
import type { WaitOptions } from './recipe-wait.js';
import { removeNode } from './remove-node.js';

/** Every item's name (after its protection prefix) starts with this. */
export const ITEM_PREFIX = 'q-';
/** The child holding claimed items until their taker has them. */
export const CLAIMS_NODE = 'claims';

/** When an item named `name` (unprotected) may be taken, in ms since the epoch; 0 for at once. */
export type DueTime = (name: string) => number;

interface Item {
  /** The child's name as stored (with its protection prefix). */
  name: string;
  /** Without the prefix: what orders the items. */
  key: string;
}

export interface QueueCoreOptions {
  /** When an item may be taken (default: at once). */
  dueAtMs?: DueTime;
  /**
   * Take from the rest of the last listing before listing again (FIFO only: every item put since sorts
   * after the ones listed). Spares reading the whole queue for every take.
   */
  reuseListing?: boolean;
}

/** Most item names kept from one listing. */
export const LISTING_ITEMS_MAX = 10_000;

export class QueueCore {
  private readonly takerGuid = newGuid();
  private readonly claimsPath: string;
  private readonly dueAtMs: DueTime;
  private readonly reuseListing: boolean;
  private claimsReady = false;
  /** What is left of the last listing, in order (only with reuseListing). */
  private listing: Item[] = [];

  constructor(private readonly client: Client, readonly path: string, options: QueueCoreOptions = {}) {
    this.claimsPath = joinPath(path, CLAIMS_NODE);
    this.dueAtMs = options.dueAtMs ?? (() => 0);
    this.reuseListing = options.reuseListing ?? false;
  }

  /** Adds an item under `name` (from ITEM_PREFIX on; the server appends the sequence); resolves with its path. */
  put(name: string, item: Data): Promise<string> {
    return createProtected(this.client, this.path, name, item, { mode: CreateMode.PERSISTENT_SEQUENTIAL });
  }

  /** Items waiting (claimed ones excluded). */
  async size(): Promise<number> {
    return (await this.items()).length;
  }

  /**
   * Removes and returns the first item that is due, waiting for one if need be. Rejects on timeout
   * (OPERATIONTIMEOUT), abort or session end; an abort never interrupts a claim already sent.
   */
  async take(opts: WaitOptions = {}): Promise<Uint8Array> {
    const deadlineMs = deadlineFrom(opts.timeoutMs);
    const what = `an item in ${this.path}`;
    const fromListing = await this.takeFromListing(opts.signal, deadlineMs, what);
    if (fromListing !== undefined) return fromListing;
    for (;;) {
      throwIfDone(opts.signal, deadlineMs, what);
      const { fired, fire } = trigger();
      const items = await this.retrying(() => this.items(fire));
      const now = Date.now();
      let nextDueMs: number | undefined;
      for (const [index, item] of items.entries()) {
        const due = this.dueAtMs(item.key);
        if (due > now) {
          nextDueMs = due;
          break;
        }
        const data = await this.tryClaim(item.name);
        if (data !== undefined) {
          if (this.reuseListing) this.listing = items.slice(index + 1, index + 1 + LISTING_ITEMS_MAX);
          return data;
        }
        throwIfDone(opts.signal, deadlineMs, what);
      }
      if (items.length > 0 && nextDueMs === undefined) continue;
      const timer = nextDueMs === undefined ? undefined : delay(nextDueMs - now);
      try {
        await raceSessionEnd(this.client, timer === undefined ? fired : Promise.race([fired, timer.done]), { signal: opts.signal, deadlineMs, what });
      } finally {
        timer?.cancel();
      }
    }
  }

  /** Tries the rest of the last listing, in order; undefined once it is used up. */
  private async takeFromListing(signal: AbortSignal | undefined, deadlineMs: number | undefined, what: string): Promise<Uint8Array | undefined> {
    while (this.listing.length > 0) {
      throwIfDone(signal, deadlineMs, what);
      const item = this.listing.shift()!;
      const data = await this.tryClaim(item.name);
      if (data !== undefined) return data;
    }
    return undefined;
  }

  /** The queue's items in delivery order; with `onChange`, a child watch is set. */
  private async items(onChange?: () => void): Promise<Item[]> {
    let children: string[];
    try {
      children = (await this.client.getChildren(this.path, onChange && { watch: () => onChange() })).children;
    } catch (e) {
      if (!KeeperError.is(e, ErrorCode.NONODE)) throw e;
      await ensurePath(this.client, this.path);
      return this.items(onChange);
    }
    const items: Item[] = [];
    for (const name of children) {
      const key = unprotectedName(name);
      if (key.startsWith(ITEM_PREFIX) && /\d{10}$/.test(key)) items.push({ name, key });
    }
    return items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The item's data if this taker won it; undefined if another taker did (or it is gone). */
  private async tryClaim(name: string): Promise<Uint8Array | undefined> {
    const itemPath = joinPath(this.path, name);
    const claimPath = joinPath(this.claimsPath, `${name}-by-${this.takerGuid}`);
    let read: { data: Uint8Array; stat: { version: number } };
    try {
      read = await this.retrying(() => this.client.getData(itemPath));
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return undefined;
      throw e;
    }
    if (!(await this.claim(itemPath, claimPath, read.data, read.stat.version))) return undefined;
    await removeNode(this.client, claimPath, { ephemeral: false });
    return read.data;
  }

  /** One claim multi; true when it happened (including when its answer was lost but it did happen). */
  private async claim(itemPath: string, claimPath: string, data: Uint8Array, version: number): Promise<boolean> {
    for (;;) {
      if (!this.claimsReady) {
        await ensurePath(this.client, this.claimsPath);
        this.claimsReady = true;
      }
      try {
        await this.client.multi([Op.delete(itemPath, version), Op.create(claimPath, data)]);
        return true;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NONODE) && e.path === claimPath) {
          this.claimsReady = false;
          continue;
        }
        if (KeeperError.is(e, ErrorCode.NONODE) || KeeperError.is(e, ErrorCode.BADVERSION)) return false;
        if (!isConnectionLoss(e)) throw e;
      }
      return this.claimHappened(claimPath);
    }
  }

  /** After a lost answer: sync (the server we reach may lag the one that took the multi), then look. */
  private async claimHappened(claimPath: string): Promise<boolean> {
    return this.retrying(async () => {
      await this.client.sync(this.claimsPath);
      return (await this.client.exists(claimPath)) !== null;
    });
  }

  private retrying<T>(op: () => Promise<T>): Promise<T> {
    return retryOnConnectionLoss(this.client, op);
  }
}
