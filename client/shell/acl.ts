// zkCli's ACL syntax: comma-separated `scheme:id:perms`; the id may itself hold colons
// (digest alice:hash, ipv6), so the scheme ends at the first colon and the perms start after the last.
// An x509 id (a certificate subject) holds commas too, so a comma ends an entry only where the text
// before it ends in `:perms`: `x509:CN=alice,O=Acme:cdrwa,world:anyone:r` is two entries.
import type { ACL } from '../index.js';
import { UsageError } from './errors.js';
import { permBits } from './format.js';

export const MAX_ACL_ENTRIES = 1_000;

export function parseAcl(text: string, usage: string): ACL[] {
  const entries = splitEntries(text).filter((e) => e !== '');
  if (entries.length === 0) throw new UsageError('empty acl', usage);
  if (entries.length > MAX_ACL_ENTRIES) throw new UsageError(`more than ${MAX_ACL_ENTRIES} acl entries`, usage);
  return entries.map((entry) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    const perms = first >= 0 && last > first ? permBits(entry.slice(last + 1)) : undefined;
    if (perms === undefined || first === 0) {
      throw new UsageError(`acl '${entry}' is not valid: expected scheme:id:perms, perms from the letters crwda`, usage);
    }
    return { perms, id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) } };
  });
}

/** Cuts at the commas that follow a complete `scheme:id:perms` entry. */
function splitEntries(text: string): string[] {
  const entries: string[] = [];
  let start = 0;
  for (let comma = text.indexOf(','); comma >= 0; comma = text.indexOf(',', comma + 1)) {
    const piece = text.slice(start, comma);
    const first = piece.indexOf(':');
    const last = piece.lastIndexOf(':');
    if (first >= 0 && last > first && permBits(piece.slice(last + 1)) !== undefined) {
      entries.push(piece);
      start = comma + 1;
    }
  }
  entries.push(text.slice(start));
  return entries;
}
