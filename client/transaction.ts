// A builder for multi: client.transaction().create(...).setData(...).check(...).commit().
import type { MultiOp, OpResult } from '../protocol/index.js';
import type { Data } from './bytes.js';
import { Op } from './ops.js';
import type { CreateOptions } from './ops.js';

export class Transaction {
  private readonly ops: MultiOp[] = [];

  constructor(private readonly run: (ops: MultiOp[]) => Promise<OpResult[]>) {}

  create(path: string, data?: Data, options?: CreateOptions): this {
    this.ops.push(Op.create(path, data, options));
    return this;
  }

  delete(path: string, version = -1): this {
    this.ops.push(Op.delete(path, version));
    return this;
  }

  setData(path: string, data: Data, version = -1): this {
    this.ops.push(Op.setData(path, data, version));
    return this;
  }

  check(path: string, version: number): this {
    this.ops.push(Op.check(path, version));
    return this;
  }

  /** Runs every op as one multi: all succeed in one zxid, or none does (KeeperError with results). */
  commit(): Promise<OpResult[]> {
    return this.run([...this.ops]);
  }
}
