// Equal ACL lists share one frozen array, so a million nodes with OPEN_ACL_UNSAFE hold one copy.
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, type ACL } from '../../protocol/index.js';

/** Most distinct ACL lists kept for sharing; beyond it new lists are still valid, just not shared. */
export const ACL_INTERN_ENTRIES_MAX = 65_536;

function aclKey(acl: readonly ACL[]): string {
  let key = '';
  for (const entry of acl) key += `${entry.perms}\u0000${entry.id.scheme}\u0000${entry.id.id}\u0001`;
  return key;
}

function isFrozenDeep(acl: readonly ACL[]): boolean {
  return Object.isFrozen(acl) && acl.every((e) => Object.isFrozen(e) && Object.isFrozen(e.id));
}

function sameAcl(a: readonly ACL[], b: readonly ACL[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.perms !== y.perms || x.id.scheme !== y.id.scheme || x.id.id !== y.id.id) return false;
  }
  return true;
}

export class AclInterner {
  private readonly lists = new Map<string, readonly ACL[]>();
  /** The list intern() returned last: a snapshot's nodes mostly repeat it, and comparing is cheaper than a key. */
  private last: readonly ACL[] = OPEN_ACL_UNSAFE;

  constructor() {
    this.lists.set(aclKey(OPEN_ACL_UNSAFE), OPEN_ACL_UNSAFE);
    this.lists.set(aclKey(READ_ACL_UNSAFE), READ_ACL_UNSAFE);
  }

  /** The shared frozen list equal to acl. */
  intern(acl: readonly ACL[]): readonly ACL[] {
    if (acl === this.last || sameAcl(acl, this.last)) return this.last;
    this.last = this.internByKey(acl);
    return this.last;
  }

  private internByKey(acl: readonly ACL[]): readonly ACL[] {
    const key = aclKey(acl);
    const known = this.lists.get(key);
    if (known !== undefined) return known;
    // A list another interner already froze is taken as it is (snapshot nodes revived before the tree loads them).
    const copy = isFrozenDeep(acl) ? acl : Object.freeze(acl.map((e) => Object.freeze({ perms: e.perms, id: Object.freeze({ scheme: e.id.scheme, id: e.id.id }) })));
    if (this.lists.size < ACL_INTERN_ENTRIES_MAX) this.lists.set(key, copy);
    return copy;
  }

  get size(): number {
    return this.lists.size;
  }
}

export { aclKey };
