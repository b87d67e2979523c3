// A terse way to write small histories by hand (tests, bug reports). Ids are given in call order from 1;
// an op with no completion time has an unknown outcome (CONNECTIONLOSS).
//
//   const h = historyOf({ value: 'init', version: 0 }, (b) => {
//     b.write(1, 'a', 0, 1, 1);            // client 1 writes "a" during [0, 1], acknowledged with version 1
//     b.cas(2, 1, 'b', 2, 3, 'BADVERSION'); // client 2: cas expecting v1, answered BADVERSION
//     b.read(3, 4, 5, 'a', 1);             // client 3 reads during [4, 5] and sees "a" at version 1
//   });
import type { RegisterHistory, RegisterOp, RegisterState } from './history.js';

export class OpBuilder {
  readonly ops: RegisterOp[] = [];

  constructor(readonly key: string) {}

  private add(client: number, kind: RegisterOp['kind'], invokedAt: number, completedAt: number | undefined): RegisterOp {
    const op: RegisterOp = { id: this.ops.length + 1, client, key: this.key, kind, invokedAt, completedAt: completedAt ?? null, outcome: 'unknown', server: 1 };
    if (completedAt === undefined) op.error = 'CONNECTIONLOSS';
    this.ops.push(op);
    return op;
  }

  /** A write; acknowledged with `version` when completedAt is given, else unknown. */
  write(client: number, value: string, invokedAt: number, completedAt?: number, version?: number): RegisterOp {
    const op = this.add(client, 'write', invokedAt, completedAt);
    op.value = value;
    if (completedAt !== undefined) Object.assign(op, { outcome: 'ok', result: { value, version: version! } });
    return op;
  }

  /** A cas expecting `expected`; `answer` is the acknowledged version or 'BADVERSION'; unknown without completedAt. */
  cas(client: number, expected: number, value: string, invokedAt: number, completedAt?: number, answer?: number | 'BADVERSION'): RegisterOp {
    const op = this.add(client, 'cas', invokedAt, completedAt);
    Object.assign(op, { value, expectedVersion: expected });
    if (completedAt === undefined) return op;
    if (answer === 'BADVERSION') Object.assign(op, { outcome: 'fail', error: 'BADVERSION' });
    else Object.assign(op, { outcome: 'ok', result: { value, version: answer! } });
    return op;
  }

  read(client: number, invokedAt: number, completedAt: number, value: string, version: number): RegisterOp {
    return Object.assign(this.add(client, 'read', invokedAt, completedAt), { outcome: 'ok' as const, result: { value, version } });
  }

  syncRead(client: number, invokedAt: number, completedAt: number, value: string, version: number): RegisterOp {
    return Object.assign(this.add(client, 'syncRead', invokedAt, completedAt), { outcome: 'ok' as const, result: { value, version } });
  }
}

/** A one-key history built by `build`. */
export function historyOf(initial: RegisterState, build: (b: OpBuilder) => void, key = '/reg/k0'): RegisterHistory {
  const b = new OpBuilder(key);
  build(b);
  return { initial: { [key]: initial }, ops: b.ops };
}
