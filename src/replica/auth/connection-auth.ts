// The auth ids of one client connection (ZooKeeper's ServerCnxn authInfo): those its providers grant as
// it opens (ip, and x509 for a verified client certificate), then those its addAuth requests add.
//
// Invariants: the connection's own ids come first and are never removed; ids are unique by (scheme, id);
// at most `maxAddedIds` ids are added on top. Ids belong to the connection: a client that reconnects
// starts with only its connection ids and re-sends its auth info.
import { ErrorCode } from '../../../protocol/index.js';
import type { ClientInfo, Id } from '../../../protocol/index.js';
import { DIGEST_SCHEME, digestUserName } from './digest.js';
import { accessOf, type Access } from './acl-check.js';
import type { ConnectionFacts } from './provider.js';
import type { AuthRegistry } from './registry.js';

/** Ids a connection may add on top of its own; one more is refused with QUOTAEXCEEDED. */
export const AUTH_IDS_PER_CONNECTION_MAX = 64;

export class ConnectionAuth {
  /** Replaced, never changed in place: a request holds the ids it was sent with while it waits. */
  private idList: readonly Id[] = [];
  private readonly keys = new Set<string>();
  private readonly ownCount: number;
  private accessNow: Access | undefined;

  constructor(
    private readonly registry: AuthRegistry,
    private readonly facts: ConnectionFacts,
    private readonly maxAddedIds = AUTH_IDS_PER_CONNECTION_MAX,
  ) {
    for (const id of registry.connectionIds(facts)) this.insert(id);
    this.ownCount = this.idList.length;
  }

  /** Every id of the connection: its own first, then those added, in the order they were added. */
  get ids(): readonly Id[] {
    return this.idList;
  }

  /** The ids as ACL checks judge them (made again only when the ids change). */
  get access(): Access {
    this.accessNow ??= accessOf(this.registry, this.idList);
    return this.accessNow;
  }

  /** OK (also when every id was already there), AUTHFAILED (no provider accepts it) or QUOTAEXCEEDED (too many ids). */
  add(scheme: string, auth: Uint8Array): ErrorCode {
    const granted = this.registry.provider(scheme)?.authenticate(auth, this.facts);
    if (granted === undefined) return ErrorCode.AUTHFAILED;
    const fresh = granted.filter((id) => !this.keys.has(keyOf(id)));
    if (this.idList.length - this.ownCount + fresh.length > this.maxAddedIds) return ErrorCode.QUOTAEXCEEDED;
    for (const id of fresh) this.insert(id);
    return ErrorCode.OK;
  }

  /**
   * Whether the connection may send requests other than auth: always, unless the server enforces
   * authentication, then only with an id of one of the enforced schemes.
   */
  get satisfiesEnforcement(): boolean {
    const schemes = this.registry.enforceSchemes;
    return schemes === undefined || this.idList.some((id) => schemes.has(id.scheme));
  }

  /** What whoAmI answers: ZooKeeper reports the user part of a digest id. */
  clientInfo(): ClientInfo[] {
    return this.idList.map((id) => ({ authScheme: id.scheme, user: id.scheme === DIGEST_SCHEME ? digestUserName(id.id) : id.id }));
  }

  private insert(id: Id): void {
    const key = keyOf(id);
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.idList = Object.freeze([...this.idList, Object.freeze({ scheme: id.scheme, id: id.id })]);
    this.accessNow = undefined;
  }
}

function keyOf(id: Id): string {
  // Scheme names come from the providers, which never put a NUL in one.
  return `${id.scheme}\u0000${id.id}`;
}
