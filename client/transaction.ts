// A builder for multi: client.transaction().create(...).setData(...).check(...).commit().
import type { MultiOp, OpResult } from '../protocol/index.js';
import type { Data } from './bytes.js';
import { Op } from './ops.js';
import type { CreateOptions } from './ops.js';

/**
 * Collects ops for one multi; nothing is sent before commit. Get one from client.transaction(). The ops are
 * checked when commit runs them, so a bad op rejects commit's promise rather than throwing here.
 */
export class Transaction {
  private readonly ops: MultiOp[] = [];

  constructor(private readonly run: (ops: MultiOp[]) => Promise<OpResult[]>) {}

  /**
   * Adds a create (see Client.create; in a multi, a sequential name comes back in the op's result path).
   * @returns this transaction.
   */
  create(path: string, data?: Data, options?: CreateOptions): this {
    this.ops.push(Op.create(path, data, options));
    return this;
  }

  /**
   * Adds a delete (-1: any version).
   * @returns this transaction.
   */
  delete(path: string, version = -1): this {
    this.ops.push(Op.delete(path, version));
    return this;
  }

  /**
   * Adds a setData (-1: any version).
   * @returns this transaction.
   */
  setData(path: string, data: Data, version = -1): this {
    this.ops.push(Op.setData(path, data, version));
    return this;
  }

  /**
   * Adds a check: the multi fails with BADVERSION unless the node's version is `version` (NONODE if it is gone).
   * @returns this transaction.
   */
  check(path: string, version: number): this {
    this.ops.push(Op.check(path, version));
    return this;
  }

  /**
   * Runs every op as one multi: all succeed in one zxid, or none does.
   * @returns one result per op, as Client.multi.
   * @throws {KeeperError} as Client.multi: the first failing op's code and path, with `results`.
   */
  commit(): Promise<OpResult[]> {
    return this.run([...this.ops]);
  }
}
