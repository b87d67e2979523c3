// What the x509 scheme reads from a client certificate: its subject as RFC 2253 text and its subject
// alternative names as Java's X509Certificate.getSubjectAlternativeNames() lists them ([type, value]), so
// that a SAN mapping written for ZooKeeper matches the same entries here. The certificate is DER from a
// client (the TLS layer verified its signature, but its fields are still the client's): everything is
// bounded and a malformed part yields `undefined`, never an exception.
import { Tag, childrenOf, contentOf, oidText, readTlv } from './der.js';
import type { Tlv } from './der.js';
import { rfc2253OfName } from './x509-name.js';

/** Longest subject or SAN value used as an id or matched by a regex; longer ones are not used. */
export const X509_TEXT_CHARS_MAX = 4096;
/** Most extensions read from one certificate. */
const EXTENSIONS_MAX = 64;
/** Most subject alternative names read from one certificate. */
export const SAN_ENTRIES_MAX = 128;

/** GeneralName choices (RFC 5280), the type numbers of getSubjectAlternativeNames and ssl.clientCertIdSanMatchType. */
export const SanType = {
  OTHER_NAME: 0, RFC822_NAME: 1, DNS_NAME: 2, X400_ADDRESS: 3, DIRECTORY_NAME: 4, EDI_PARTY_NAME: 5, URI: 6, IP_ADDRESS: 7, REGISTERED_ID: 8,
} as const;

export interface SubjectAltName {
  type: number;
  /** The text Java gives; undefined for the types Java gives as bytes (otherName, x400Address, ediPartyName). */
  value: string | undefined;
}

export interface CertificateNames {
  /** The subject as X500Principal.getName() prints it ('' for an empty subject). */
  subject: string;
  /** In certificate order; [] without the extension; undefined when the extension is malformed or over the bounds. */
  altNames: SubjectAltName[] | undefined;
}

const SAN_OID = '2.5.29.17';
const CONTEXT = 0x80;
const CONSTRUCTED = 0x20;

/** IA5String as Java's US-ASCII decoder reads it: a byte over 0x7f becomes U+FFFD. */
function ascii(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : '\ufffd';
  return out;
}

/** InetAddress.getHostAddress(): dotted IPv4 (also for an IPv4-mapped IPv6 address), else eight hex groups, uncompressed. */
function ipText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return undefined;
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return [...bytes.subarray(12)].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

function generalName(der: Uint8Array, tlv: Tlv): SubjectAltName | undefined {
  const type = tlv.tag & 0x1f;
  if ((tlv.tag & 0xc0) !== CONTEXT || type > SanType.REGISTERED_ID) return undefined;
  const constructed = (tlv.tag & CONSTRUCTED) !== 0;
  const content = contentOf(der, tlv);
  switch (type) {
    case SanType.RFC822_NAME:
    case SanType.DNS_NAME:
    case SanType.URI:
      return constructed ? undefined : { type, value: ascii(content) };
    case SanType.IP_ADDRESS: {
      const value = constructed ? undefined : ipText(content);
      return value === undefined ? undefined : { type, value };
    }
    case SanType.REGISTERED_ID: {
      const value = constructed ? undefined : oidText(content);
      return value === undefined ? undefined : { type, value };
    }
    case SanType.DIRECTORY_NAME: {
      const name = constructed ? readTlv(der, tlv.start, tlv.end) : undefined;
      const value = name !== undefined && name.end === tlv.end ? rfc2253OfName(der, name) : undefined;
      return value === undefined ? undefined : { type, value };
    }
    default:
      return { type, value: undefined };
  }
}

function altNamesOf(der: Uint8Array, extnValue: Tlv): SubjectAltName[] | undefined {
  const names = readTlv(der, extnValue.start, extnValue.end);
  if (names === undefined || names.tag !== Tag.SEQUENCE || names.end !== extnValue.end) return undefined;
  const entries = childrenOf(der, names, SAN_ENTRIES_MAX);
  if (entries === undefined) return undefined;
  const out: SubjectAltName[] = [];
  for (const entry of entries) {
    const name = generalName(der, entry);
    if (name === undefined || (name.value !== undefined && name.value.length > X509_TEXT_CHARS_MAX)) return undefined;
    out.push(name);
  }
  return out;
}

/** The SAN extension's names: [] when there is none, undefined when the extensions are malformed. */
function extensionAltNames(der: Uint8Array, wrapper: Tlv | undefined): SubjectAltName[] | undefined {
  if (wrapper === undefined) return [];
  const list = readTlv(der, wrapper.start, wrapper.end);
  if (list === undefined || list.tag !== Tag.SEQUENCE) return undefined;
  const extensions = childrenOf(der, list, EXTENSIONS_MAX);
  if (extensions === undefined) return undefined;
  for (const ext of extensions) {
    const parts = ext.tag === Tag.SEQUENCE ? childrenOf(der, ext, 3) : undefined;
    if (parts === undefined || parts.length < 2 || parts[0]!.tag !== Tag.OID) return undefined;
    if (oidText(contentOf(der, parts[0]!)) !== SAN_OID) continue;
    const value = parts[parts.length - 1]!;
    return value.tag === Tag.OCTET_STRING ? altNamesOf(der, value) : undefined;
  }
  return [];
}

/** The subject and subject alternative names of a DER certificate, or undefined when it cannot be read. */
export function certificateNames(der: Uint8Array): CertificateNames | undefined {
  const cert = readTlv(der, 0, der.length);
  if (cert === undefined || cert.tag !== Tag.SEQUENCE) return undefined;
  const tbs = readTlv(der, cert.start, cert.end);
  if (tbs === undefined || tbs.tag !== Tag.SEQUENCE) return undefined;
  const fields = childrenOf(der, tbs, 10);
  if (fields === undefined) return undefined;
  // version [0] is optional; then serialNumber, signature, issuer, validity, subject.
  const first = fields[0]?.tag === (CONTEXT | CONSTRUCTED | 0) ? 1 : 0;
  const subjectTlv = fields[first + 4];
  if (subjectTlv === undefined) return undefined;
  const subject = rfc2253OfName(der, subjectTlv);
  if (subject === undefined || subject.length > X509_TEXT_CHARS_MAX) return undefined;
  const extensions = fields.slice(first + 6).find((f) => f.tag === (CONTEXT | CONSTRUCTED | 3));
  return { subject, altNames: extensionAltNames(der, extensions) };
}
