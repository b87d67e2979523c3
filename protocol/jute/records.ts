// ZooKeeper's data records in jute (zookeeper.jute, module org.apache.zookeeper.data): Stat, Id, ACL,
// and the string lists and ClientInfo that several responses carry.
import type { ClientInfo } from '../messages.js';
import type { ACL, Stat } from '../types.js';
import type { JuteReader, JuteWriter } from './primitives.js';

/** A Stat on the wire: 6 longs and 5 ints. */
export const STAT_BYTES = 6 * 8 + 5 * 4;
/** Smallest encodings, which bound a vector's count before its elements are read. */
export const STRING_BYTES_MIN = 4;
export const ACL_BYTES_MIN = 4 + 2 * STRING_BYTES_MIN;
export const CLIENT_INFO_BYTES_MIN = 2 * STRING_BYTES_MIN;

// Jute's field order (czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength,
// numChildren, pzxid) differs from the order Canopy's Stat lists them in.
export function readStat(r: JuteReader): Stat {
  const czxid = r.long('stat.czxid');
  const mzxid = r.long('stat.mzxid');
  const ctime = r.long('stat.ctime');
  const mtime = r.long('stat.mtime');
  const version = r.int('stat.version');
  const cversion = r.int('stat.cversion');
  const aversion = r.int('stat.aversion');
  const ephemeralOwner = r.long('stat.ephemeralOwner');
  const dataLength = r.int('stat.dataLength');
  const numChildren = r.int('stat.numChildren');
  const pzxid = r.long('stat.pzxid');
  return { czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength, numChildren };
}

export function writeStat(w: JuteWriter, s: Stat): void {
  w.long(s.czxid, 'stat.czxid').long(s.mzxid, 'stat.mzxid').long(s.ctime, 'stat.ctime').long(s.mtime, 'stat.mtime');
  w.int(s.version, 'stat.version').int(s.cversion, 'stat.cversion').int(s.aversion, 'stat.aversion');
  w.long(s.ephemeralOwner, 'stat.ephemeralOwner').int(s.dataLength, 'stat.dataLength').int(s.numChildren, 'stat.numChildren');
  w.long(s.pzxid, 'stat.pzxid');
}

/**
 * An id may be null on the wire: Kazoo writes every empty string as null, so its CREATOR_ALL_ACL arrives as
 * auth with a null id, which ZooKeeper accepts (the auth scheme ignores its id). Null reads as the empty id,
 * which the ACL rules then judge as they judge "" (valid for auth, INVALIDACL for digest or ip).
 */
export function readAcl(r: JuteReader): ACL {
  const perms = r.int('acl.perms');
  const scheme = r.string('acl.id.scheme');
  const id = r.nullableString('acl.id.id') ?? '';
  return { perms, id: { scheme, id } };
}

export function writeAcl(w: JuteWriter, a: ACL): void {
  w.int(a.perms, 'acl.perms').string(a.id.scheme).string(a.id.id);
}

export function readAclList(r: JuteReader): ACL[] {
  return r.vector('acl', ACL_BYTES_MIN, readAcl);
}

export function writeAclList(w: JuteWriter, acl: readonly ACL[]): void {
  w.vector(acl, writeAcl);
}

export function readStringList(r: JuteReader, what: string): string[] {
  return r.vector(what, STRING_BYTES_MIN, (rr) => rr.string(what));
}

export function writeStringList(w: JuteWriter, items: readonly string[]): void {
  w.vector(items, (ww, s) => ww.string(s));
}

export function readClientInfo(r: JuteReader): ClientInfo {
  return { authScheme: r.string('clientInfo.authScheme'), user: r.string('clientInfo.user') };
}

export function writeClientInfo(w: JuteWriter, c: ClientInfo): void {
  w.string(c.authScheme).string(c.user);
}
