// A certificate's distinguished name as ZooKeeper reports it: Java's X500Principal.getName(), the RFC 2253
// form. Node prints names its own way (one RDN a line, least specific first), so the DER is read here and
// printed as the JDK's AVA/RDN/X500Name classes print it (JDK 21 and later):
// - RDNs most specific first (the reverse of their DER order), joined by ',';
// - the AVAs of a multi-valued RDN in their DER order, joined by '+';
// - the nine RFC 2253 keywords (CN C L ST O OU STREET DC UID) by name, any other type as its dotted OID;
// - a string value as text (UTF8String as UTF-8, BMPString as UTF-16BE, PrintableString, T61String,
//   IA5String and GeneralString as ISO-8859-1), with , = + < > # ; " \ escaped by a backslash, NUL as \00,
//   and leading or trailing spaces and CRs escaped; any other value, and every value of a dotted type, as
//   '#' and the lowercase hex of its DER encoding.
// (JDK 17 and older read every string type as UTF-8: the same text for UTF8String and for ASCII, which is
// what certificates hold in practice.)
import { Tag, childrenOf, contentOf, headerOf, hexOf, oidText, readTlv } from './der.js';
import type { Tlv } from './der.js';

/** Most RDNs read from one name. */
export const NAME_RDNS_MAX = 64;
/** Most AVAs read from one RDN. */
export const RDN_AVAS_MAX = 16;

const KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'], ['2.5.4.6', 'C'], ['2.5.4.7', 'L'], ['2.5.4.8', 'ST'], ['2.5.4.10', 'O'], ['2.5.4.11', 'OU'],
  ['2.5.4.9', 'STREET'], ['0.9.2342.19200300.100.1.25', 'DC'], ['0.9.2342.19200300.100.1.1', 'UID'],
]);
/** The characters AVA.toRFC2253String escapes with a backslash. */
const ESCAPED = ',=+<>#;"\\';
const utf8 = new TextDecoder('utf-8');

interface Ava {
  oid: string;
  keyword: string | undefined;
  valueTag: number;
  value: Uint8Array;
}

/**
 * UTF-16BE as Java's decoder reads it: a lone low surrogate and an odd last byte become U+FFFD, and so does a
 * high surrogate together with what follows it (a unit that is not a low surrogate, or the odd last byte).
 * A surrogate pair gives undefined: a BMPString holds the Basic Multilingual Plane only, and the JDK refuses
 * a name whose BMPString decodes to one (DerValue.validateBMPString).
 */
function utf16be(bytes: Uint8Array): string | undefined {
  const units: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) units.push((bytes[i]! << 8) | bytes[i + 1]!);
  const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
  const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;
  let out = '';
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const next = units[i + 1];
    if (isHigh(u)) {
      if (next !== undefined && isLow(next)) return undefined;
      out += '\ufffd';
      if (next === undefined && bytes.length % 2 === 1) return out;
      i++;
    } else {
      out += isLow(u) ? '\ufffd' : String.fromCharCode(u);
    }
  }
  return bytes.length % 2 === 1 ? `${out}\ufffd` : out;
}

/** ISO-8859-1: each byte is the code point (TextDecoder's 'latin1' is windows-1252, which differs at 0x80-0x9f). */
function isoLatin1(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** The text of a string value, or undefined for a value Java prints as hex. */
function valueText(tag: number, value: Uint8Array): string | undefined {
  switch (tag) {
    case Tag.UTF8_STRING:
      return utf8.decode(value);
    case Tag.BMP_STRING:
      return utf16be(value);
    case Tag.PRINTABLE_STRING:
    case Tag.T61_STRING:
    case Tag.IA5_STRING:
    case Tag.GENERAL_STRING:
      return isoLatin1(value);
    default:
      return undefined;
  }
}

function hexValue(ava: Ava): string {
  return `#${hexOf([...headerOf(ava.valueTag, ava.value.length), ...ava.value])}`;
}

/** AVA.toRFC2253String's escaping of a string value. */
function escapeValue(text: string): string {
  let escaped = '';
  for (const c of text) {
    // for...of walks code points; Java walks UTF-16 units, but every character it escapes is a single unit.
    if (ESCAPED.includes(c)) escaped += `\\${c}`;
    else if (c === '\u0000') escaped += '\\00';
    else escaped += c;
  }
  const isBlank = (c: string): boolean => c === ' ' || c === '\r';
  let lead = 0;
  while (lead < escaped.length && isBlank(escaped[lead]!)) lead++;
  let trail = escaped.length - 1;
  while (trail >= 0 && isBlank(escaped[trail]!)) trail--;
  let out = '';
  for (let i = 0; i < escaped.length; i++) out += i < lead || i > trail ? `\\${escaped[i]!}` : escaped[i]!;
  return out;
}

function avaText(ava: Ava): string {
  const text = ava.keyword === undefined ? undefined : valueText(ava.valueTag, ava.value);
  return text === undefined ? `${ava.keyword ?? ava.oid}=${hexValue(ava)}` : `${ava.keyword!}=${escapeValue(text)}`;
}

function readAva(bytes: Uint8Array, tlv: Tlv): Ava | undefined {
  if (tlv.tag !== Tag.SEQUENCE) return undefined;
  const parts = childrenOf(bytes, tlv, 2);
  if (parts === undefined || parts.length !== 2 || parts[0]!.tag !== Tag.OID) return undefined;
  const oid = oidText(contentOf(bytes, parts[0]!));
  const value = contentOf(bytes, parts[1]!);
  if (oid === undefined || (parts[1]!.tag === Tag.BMP_STRING && utf16be(value) === undefined)) return undefined;
  return { oid, keyword: KEYWORDS.get(oid), valueTag: parts[1]!.tag, value };
}

/**
 * The RFC 2253 text of the Name whose TLV is `name` (a SEQUENCE of RDN SETs) within `bytes`, as Java's
 * X500Principal.getName() gives it; undefined when the name is malformed or over the bounds above.
 */
export function rfc2253OfName(bytes: Uint8Array, name: Tlv): string | undefined {
  if (name.tag !== Tag.SEQUENCE) return undefined;
  const rdns = childrenOf(bytes, name, NAME_RDNS_MAX);
  if (rdns === undefined) return undefined;
  const printed: string[] = [];
  for (const rdn of rdns) {
    if (rdn.tag !== Tag.SET) return undefined;
    const avaTlvs = childrenOf(bytes, rdn, RDN_AVAS_MAX);
    if (avaTlvs === undefined || avaTlvs.length === 0) return undefined;
    const avas: Ava[] = [];
    for (const t of avaTlvs) {
      const ava = readAva(bytes, t);
      if (ava === undefined) return undefined;
      avas.push(ava);
    }
    printed.push(avas.map(avaText).join('+'));
  }
  return printed.reverse().join(',');
}

/** The RFC 2253 text of a DER-encoded Name on its own. */
export function rfc2253(nameDer: Uint8Array): string | undefined {
  const name = readTlv(nameDer, 0, nameDer.length);
  if (name === undefined || name.end !== nameDer.length) return undefined;
  return rfc2253OfName(nameDer, name);
}
