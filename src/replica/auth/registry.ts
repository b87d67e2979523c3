// The auth providers a server has, by scheme (ZooKeeper's ProviderRegistry): digest and ip always, and
// whatever the server adds (x509 when clients may present certificates). `world` and `auth` are not
// providers: they are ACL forms that acl-check.ts handles, and `super` is an id only digest or x509 grant.
import type { Id } from '../../../protocol/index.js';
import { digestProvider } from './digest.js';
import { ipProvider } from './ip.js';
import type { AuthProvider, ConnectionFacts } from './provider.js';

export interface AuthOptions {
  /** `super:<base64 sha1>`: a digest auth that hashes to it is a super user (ZooKeeper's superDigest). */
  superDigest?: string;
  /** Providers besides digest and ip, e.g. x509. A scheme listed twice is a configuration error. */
  extraProviders?: readonly AuthProvider[];
  /**
   * ZooKeeper's enforce.auth.enabled with enforce.auth.schemes: a connection without an id of one of these
   * schemes may only authenticate; any other request closes it. Undefined: not enforced.
   */
  enforceSchemes?: readonly string[];
}

export class AuthRegistry {
  private readonly providers = new Map<string, AuthProvider>();
  readonly enforceSchemes: ReadonlySet<string> | undefined;

  constructor(options: AuthOptions = {}) {
    for (const p of [digestProvider(options.superDigest), ipProvider, ...(options.extraProviders ?? [])]) {
      if (this.providers.has(p.scheme)) throw new Error(`two auth providers for the scheme '${p.scheme}'`);
      this.providers.set(p.scheme, p);
    }
    this.enforceSchemes = options.enforceSchemes === undefined ? undefined : new Set(options.enforceSchemes);
  }

  /** The provider of a scheme; a Map lookup, so a hostile scheme name ('__proto__') finds nothing. */
  provider(scheme: string): AuthProvider | undefined {
    return this.providers.get(scheme);
  }

  /** Ids every provider grants a connection as it opens (ip first, then e.g. x509). */
  connectionIds(conn: ConnectionFacts): Id[] {
    return [...this.providers.values()].flatMap((p) => p.connectionIds(conn));
  }
}
