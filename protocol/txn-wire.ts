// Txns as msgpack carries them (txn log records, proposals, DIFFs): null data (NULL_DATA) is nil there,
// since msgpack cannot carry the sentinel's identity. Both directions return their argument itself when
// no data in it is null, so the usual txn costs no copy; they never mutate (a txn may be shared).
import { assertNever } from './assert-never.js';
import { dataFromWire, isNullData, type WireData } from './null-data.js';
import type { CreateTxn, MultiSubTxn, SetDataTxn, Txn, TxnBody } from './txn.js';

/** T with its data as the wire carries it (nil for null); a type without data is left as it is. */
type WithWireData<T> = T extends { data: Uint8Array } ? Omit<T, 'data'> & { data: WireData } : T;

export type WireMultiSubTxn = WithWireData<MultiSubTxn>;
export type WireTxnBody = WithWireData<Exclude<TxnBody, { type: 'multi' }>> | { type: 'multi'; txns: WireMultiSubTxn[] };
export interface WireTxn extends Omit<Txn, 'body'> {
  body: WireTxnBody;
}

type DataTxn = CreateTxn | SetDataTxn;
type WireDataTxn = WithWireData<DataTxn>;

function dataTxnToWire(b: DataTxn): WireDataTxn {
  return isNullData(b.data) ? { ...b, data: null } : b;
}

function dataTxnFromWire(b: WireDataTxn): DataTxn {
  return b.data === null ? { ...b, data: dataFromWire(b.data) } : (b as DataTxn);
}

function subToWire(s: MultiSubTxn): WireMultiSubTxn {
  switch (s.type) {
    case 'create':
    case 'setData':
      return dataTxnToWire(s);
    case 'delete':
    case 'check':
      return s;
    default:
      return assertNever(s, 'multi sub-txn');
  }
}

function subFromWire(s: WireMultiSubTxn): MultiSubTxn {
  switch (s.type) {
    case 'create':
    case 'setData':
      return dataTxnFromWire(s);
    case 'delete':
    case 'check':
      return s;
    default:
      return assertNever(s, 'multi sub-txn');
  }
}

/** The same list when every element came back as itself, else the new one. */
function sameOrMapped<A, B>(list: readonly A[], map: (a: A) => B): B[] | undefined {
  let out: B[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const mapped = map(list[i]!);
    if (out === undefined && (mapped as unknown) !== list[i]) out = list.slice(0, i) as unknown as B[];
    out?.push(mapped);
  }
  return out;
}

function bodyToWire(b: TxnBody): WireTxnBody {
  switch (b.type) {
    case 'create':
    case 'setData':
      return dataTxnToWire(b);
    case 'multi': {
      const txns = sameOrMapped(b.txns, subToWire);
      return txns === undefined ? b : { ...b, txns };
    }
    case 'delete':
    case 'check':
    case 'setACL':
    case 'createSession':
    case 'closeSession':
      return b;
    default:
      return assertNever(b, 'txn body');
  }
}

function bodyFromWire(b: WireTxnBody): TxnBody {
  switch (b.type) {
    case 'create':
    case 'setData':
      return dataTxnFromWire(b);
    case 'multi': {
      const txns = sameOrMapped(b.txns, subFromWire);
      return txns === undefined ? (b as TxnBody) : { ...b, txns };
    }
    case 'delete':
    case 'check':
    case 'setACL':
    case 'createSession':
    case 'closeSession':
      return b;
    default:
      return assertNever(b, 'txn body');
  }
}

/** The txn as msgpack is to carry it: null data as nil. */
export function txnToWire(txn: Txn): WireTxn {
  const body = bodyToWire(txn.body);
  return body === txn.body ? txn : { ...txn, body };
}

/** A txn whose shape was checked (nil only where data goes), with nil data back as NULL_DATA. */
export function txnFromWire(txn: WireTxn): Txn {
  const body = bodyFromWire(txn.body);
  return body === txn.body ? (txn as Txn) : { ...txn, body };
}

/** txnToWire over a list: the list itself when no txn in it has null data. */
export function txnsToWire(txns: Txn[]): WireTxn[] {
  return sameOrMapped(txns, txnToWire) ?? txns;
}

/** txnFromWire over a list: the list itself when no txn in it has nil data. */
export function txnsFromWire(txns: WireTxn[]): Txn[] {
  return sameOrMapped(txns, txnFromWire) ?? (txns as Txn[]);
}
