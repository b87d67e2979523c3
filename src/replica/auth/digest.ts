// The digest scheme, byte for byte ZooKeeper's DigestAuthenticationProvider: the auth text is
// `user:password`, the id is `user:base64(sha1("user:password"))`, so digests made by ZooKeeper's
// generateDigest work unchanged. An auth whose digest equals the configured superDigest also gets the
// `super` id, which passes every ACL check.
import { createHash } from 'node:crypto';
import type { Id } from '../../../protocol/index.js';
import type { AuthProvider } from './provider.js';

export const DIGEST_SCHEME = 'digest';
export const SUPER_SCHEME = 'super';
/** The id a super user gets (ZooKeeper's `new Id("super", "")`). */
export const SUPER_ID: Readonly<Id> = Object.freeze({ scheme: SUPER_SCHEME, id: '' });

const utf8 = new TextDecoder('utf-8');

/** `user:base64(sha1("user:password"))` for the auth text `user:password` (the part before the first ':' is the user). */
export function digestId(userPassword: string): string {
  const colon = userPassword.indexOf(':');
  const user = colon < 0 ? userPassword : userPassword.slice(0, colon);
  const hash = createHash('sha1').update(userPassword, 'utf8').digest('base64');
  return `${user}:${hash}`;
}

/**
 * A digest ACL id is `user:hash` with exactly one ':' and a non-empty hash (ZooKeeper splits on ':' and
 * wants two parts; Java's split drops a trailing empty part, so `user:` is invalid and `:hash` is valid).
 */
function isValidDigestId(aclId: string): boolean {
  const colon = aclId.indexOf(':');
  return colon >= 0 && colon === aclId.lastIndexOf(':') && colon < aclId.length - 1;
}

/** superDigest: `super:<base64 sha1>` as DigestAuthenticationProvider.generateDigest prints it, or undefined. */
export function digestProvider(superDigest: string | undefined): AuthProvider {
  return {
    scheme: DIGEST_SCHEME,
    isAuthenticated: true,
    connectionIds: () => [],
    authenticate(auth: Uint8Array): Id[] {
      // Invalid UTF-8 decodes to U+FFFD, as Java's new String(bytes) does; the digest is over that text.
      const id = digestId(utf8.decode(auth));
      const granted: Id[] = [{ scheme: DIGEST_SCHEME, id }];
      if (superDigest !== undefined && id === superDigest) granted.unshift({ ...SUPER_ID });
      return granted;
    },
    matches: (id, aclId) => id === aclId,
    isValid: isValidDigestId,
  };
}

/** The user name whoAmI reports for a digest id (ZooKeeper's getUserName): the part before its first ':'. */
export function digestUserName(id: string): string {
  const colon = id.indexOf(':');
  return colon < 0 ? id : id.slice(0, colon);
}
