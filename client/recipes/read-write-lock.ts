// A distributed read–write lock (Curator's InterProcessReadWriteLock): readers and writers queue under one
// path. A reader is granted once no writer is ahead of it and waits only for the nearest writer ahead; a
// writer is granted at the head of the queue and waits only for the node just ahead of it. The queue is
// fair: a writer that queued before a reader goes first, and readers queued after a waiting writer wait.
// The holder of the write lock may also take the read lock (downgrade: take read, then release write);
// the reverse (read, then write from the same holder) waits for itself forever, as in Curator.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { Mutex } from './mutex.js';
import type { LockDecision, LockDriver } from './lock-internals.js';
import { exclusiveDriver } from './lock-internals.js';
import { unprotectedName } from './internal/protected-create.js';
import { baseName } from './internal/sequence.js';

const READ_NAME = 'read-';
const WRITE_NAME = 'write-';

/**
 * How a ReadWriteLock queues.
 */
export interface ReadWriteLockOptions {
  /** Stored in each holder's node. Default empty. */
  data?: Data;
}

/**
 * A read–write lock (Curator's InterProcessReadWriteLock): any number of readers or one writer, in one fair
 * queue; a writer waiting keeps later readers out.
 */
export class ReadWriteLock {
  private readonly writer: Mutex;
  private readonly reader: Mutex;

  /**
   * Both sides of the lock at `path`. Nothing is sent yet.
   * @throws {KeeperError} BADARGUMENTS for an invalid path.
   */
  constructor(readonly client: Client, readonly path: string, options: ReadWriteLockOptions = {}) {
    this.writer = new Mutex(client, path, { ...options, driver: writeDriver() });
    this.reader = new Mutex(client, path, { ...options, driver: readDriver(() => this.writer.lease?.nodePath) });
  }

  /**
   * The shared side: a Mutex-like lock (one holder per object, reentrant) that other readers share.
   * @returns the same Mutex on every call.
   */
  readLock(): Mutex {
    return this.reader;
  }

  /**
   * The exclusive side.
   * @returns the same Mutex on every call.
   */
  writeLock(): Mutex {
    return this.writer;
  }
}

function isReadOrWrite(name: string): boolean {
  return name.startsWith(READ_NAME) || name.startsWith(WRITE_NAME);
}

function writeDriver(): LockDriver {
  const exclusive = exclusiveDriver(WRITE_NAME);
  return { nodeName: WRITE_NAME, isParticipant: isReadOrWrite, decide: exclusive.decide };
}

/** `ownWriter` is the node of this lock's own write holding, if any: a reader behind it is not blocked. */
function readDriver(ownWriter: () => string | undefined): LockDriver {
  return {
    nodeName: READ_NAME,
    isParticipant: isReadOrWrite,
    decide(queue: readonly string[], ourIndex: number): LockDecision {
      for (let i = ourIndex - 1; i >= 0; i--) {
        const name = queue[i]!;
        if (!unprotectedName(name).startsWith(WRITE_NAME)) continue;
        const own = ownWriter();
        if (own !== undefined && baseName(own) === name) return { granted: true };
        return { granted: false, waitFor: name };
      }
      return { granted: true };
    },
  };
}
