// ZooKeeper's ACL rules: whether a connection's ids grant a permission on a node (checkACL), how a
// requested ACL list is checked and expanded before it is stored (fixupACL), and what getACL shows a
// reader without ADMIN.
import { MAX_ACL_ENTRIES, Perms, type ACL, type Id } from '../../../protocol/index.js';
import { DIGEST_SCHEME, SUPER_SCHEME } from './digest.js';
import type { AuthRegistry } from './registry.js';

export const WORLD_SCHEME = 'world';
export const ANYONE = 'anyone';
export const AUTH_SCHEME = 'auth';

/**
 * Whether ids grant any of `perms` on a node with this ACL: a super id passes everything; otherwise an
 * entry that grants one of the perms must be world:anyone or match one of the ids under its scheme's
 * provider. An empty ACL grants everything, as in ZooKeeper (Canopy never stores one).
 */
export function aclAllows(registry: AuthRegistry, acl: readonly ACL[], perms: number, ids: readonly Id[]): boolean {
  if (acl.length === 0) return true;
  for (const id of ids) if (id.scheme === SUPER_SCHEME) return true;
  for (const entry of acl) {
    if ((entry.perms & perms) === 0) continue;
    if (entry.id.scheme === WORLD_SCHEME && entry.id.id === ANYONE) return true;
    const provider = registry.provider(entry.id.scheme);
    if (provider === undefined) continue;
    for (const id of ids) {
      if (id.scheme === entry.id.scheme && provider.matches(id.id, entry.id.id)) return true;
    }
  }
  return false;
}

function sameEntry(a: ACL, b: ACL): boolean {
  return a.perms === b.perms && a.id.scheme === b.id.scheme && a.id.id === b.id.id;
}

/**
 * The ACL to store for a requested one, or undefined for INVALIDACL (ZooKeeper's fixupACL): duplicates
 * go; world:anyone stays; `auth` becomes one entry per authenticated id of the caller (none: invalid);
 * any other entry needs a provider that finds its id well formed. The result is bounded like a request's.
 */
export function fixupAcl(registry: AuthRegistry, requested: readonly ACL[], ids: readonly Id[]): ACL[] | undefined {
  const unique: ACL[] = [];
  for (const entry of requested) if (!unique.some((u) => sameEntry(u, entry))) unique.push(entry);
  if (unique.length === 0) return undefined;
  const fixed: ACL[] = [];
  for (const entry of unique) {
    const { scheme, id } = entry.id;
    if (scheme === WORLD_SCHEME && id === ANYONE) {
      fixed.push(entry);
    } else if (scheme === AUTH_SCHEME) {
      const authenticated = ids.filter((c) => registry.provider(c.scheme)?.isAuthenticated === true);
      if (authenticated.length === 0) return undefined;
      for (const c of authenticated) fixed.push({ perms: entry.perms, id: { scheme: c.scheme, id: c.id } });
    } else {
      const provider = registry.provider(scheme);
      if (provider === undefined || !provider.isValid(id)) return undefined;
      fixed.push(entry);
    }
  }
  return fixed.length <= MAX_ACL_ENTRIES ? fixed : undefined;
}

/** What getACL shows: everything to a caller with ADMIN; to one without, digest hashes become `x`. */
export function aclForReader(registry: AuthRegistry, acl: readonly ACL[], ids: readonly Id[]): ACL[] {
  if (aclAllows(registry, acl, Perms.ADMIN, ids)) return [...acl];
  return acl.map((entry) => {
    if (entry.id.scheme !== DIGEST_SCHEME) return entry;
    const colon = entry.id.id.indexOf(':');
    if (colon < 0) return entry;
    return { perms: entry.perms, id: { scheme: DIGEST_SCHEME, id: `${entry.id.id.slice(0, colon)}:x` } };
  });
}

/** What one requester may do: its ids, judged under the server's providers. */
export interface Access {
  /** Whether any of perms is granted on a node with this ACL. */
  allows(acl: readonly ACL[], perms: number): boolean;
  /** The ACL to store for a requested one, or undefined for INVALIDACL. */
  fixup(acl: readonly ACL[]): ACL[] | undefined;
  /** The ACL as getACL shows it to this requester. */
  visible(acl: readonly ACL[]): ACL[];
}

export function accessOf(registry: AuthRegistry, ids: readonly Id[]): Access {
  return {
    allows: (acl, perms) => aclAllows(registry, acl, perms, ids),
    fixup: (acl) => fixupAcl(registry, acl, ids),
    visible: (acl) => aclForReader(registry, acl, ids),
  };
}

