// The x509 scheme without a socket: certificate subjects printed as Java's X500Principal.getName() prints
// them (every expected string below was printed by a JDK for the same bytes), subject alternative names as
// Java lists them, the SAN mapping, the super user, and hostile bytes that must never throw.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { certificateNames } from '../../src/replica/auth/x509-cert.js';
import { rfc2253 } from '../../src/replica/auth/x509-name.js';
import { sanId, x509Id, x509Provider } from '../../src/replica/auth/x509.js';
import type { SanMapping } from '../../src/replica/auth/x509.js';
import { haveOpenssl, makeCertAuthority, removeCertAuthority } from '../support/certs.js';

// ---- a tiny DER writer, for names openssl will not make ----

function tlv(tag: number, content: number[]): number[] {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return [tag, ...length, ...content];
}
const OID = { CN: [0x55, 4, 3], O: [0x55, 4, 10], C: [0x55, 4, 6], OU: [0x55, 4, 11], TITLE: [0x55, 4, 12], DC: [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] };
const ava = (oid: number[], tag: number, value: number[]): number[] => tlv(0x30, [...tlv(0x06, oid), ...tlv(tag, value)]);
const rdn = (...avas: number[][]): number[] => tlv(0x31, avas.flat());
const name = (...rdns: number[][]): Uint8Array => Uint8Array.from(tlv(0x30, rdns.flat()));
const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];
const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const T61 = 0x14;
const IA5 = 0x16;
const UNIVERSAL = 0x1c;
const BMP = 0x1e;

describe('RFC 2253 names as Java prints them', () => {
  test('RDNs most specific first; escapes , = + < > # ; " \\ and NUL; leading and trailing spaces', () => {
    assert.equal(rfc2253(name(rdn(ava(OID.C, PRINTABLE, utf8('US'))), rdn(ava(OID.O, UTF8, utf8('Acme, Inc.'))), rdn(ava(OID.CN, UTF8, utf8('alice'))))),
      'CN=alice,O=Acme\\, Inc.,C=US');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, UTF8, utf8('a+b,c"d\\e<f>g;h=i#j'))))), 'CN=a\\+b\\,c\\"d\\\\e\\<f\\>g\\;h\\=i\\#j');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, UTF8, utf8('  two  spaces  '))))), 'CN=\\ \\ two  spaces\\ \\ ');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, UTF8, [0x61, 0x00, 0x62, 0x0d])))), 'CN=a\\00b\\\r');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, UTF8, utf8('#lead'))))), 'CN=\\#lead');
  });

  test('string types by their charset: UTF8String, BMPString (UTF-16BE), ISO-8859-1 for the others', () => {
    assert.equal(rfc2253(name(rdn(ava(OID.CN, UTF8, utf8('Zoë 日本 😀'))))), 'CN=Zoë 日本 😀');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, BMP, [0x65, 0xe5, 0x67, 0x2c, 0x00, 0x2c])))), 'CN=日本\\,');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, T61, [0x54, 0xe9, 0x80])), rdn(ava(OID.O, IA5, [0x78, 0xff])))), 'O=xÿ,CN=Té\u0080');
    // Bad UTF-8 and unpaired surrogates become U+FFFD as Java's decoders make them: a high surrogate takes
    // the unit after it along, a low one goes alone, and so does an odd last byte.
    assert.equal(rfc2253(name(rdn(ava(OID.CN, UTF8, [0x61, 0xff, 0x62])))), 'CN=a\ufffdb');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, BMP, [0xd8, 0x00, 0x00, 0x41, 0x42])))), 'CN=\ufffd\ufffd');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, BMP, [0xdc, 0x00, 0x00, 0x41])))), 'CN=\ufffdA');
  });

  test('types without an RFC 2253 keyword, and values that are not strings, print as # and hex of the DER', () => {
    assert.equal(rfc2253(name(rdn(ava(OID.TITLE, UTF8, utf8('Boss'))))), '2.5.4.12=#0c04426f7373');
    assert.equal(rfc2253(name(rdn(ava(OID.CN, UNIVERSAL, [0, 0, 0, 0x41])))), 'CN=#1c0400000041');
    assert.equal(rfc2253(name(rdn(ava(OID.DC, IA5, utf8('example'))))), 'DC=example');
    // A long value re-encodes its length (0x81 0x80), as Java's toByteArray() does.
    const long = new Array<number>(128).fill(0x61);
    assert.equal(rfc2253(name(rdn(ava(OID.TITLE, UTF8, long)))), `2.5.4.12=#0c8180${'61'.repeat(128)}`);
    // A non-minimal length in the input does not show.
    const nonMinimal = Uint8Array.from([0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x0c, 0x0c, 0x81, 0x02, 0x68, 0x69]);
    assert.equal(rfc2253(nonMinimal), '2.5.4.12=#0c026869');
  });

  test('a multi-valued RDN keeps its DER order; an empty name is ""', () => {
    assert.equal(rfc2253(name(rdn(ava(OID.O, UTF8, utf8('a')), ava(OID.CN, UTF8, utf8('zzzzzzzz'))))), 'O=a+CN=zzzzzzzz');
    assert.equal(rfc2253(name(rdn(ava(OID.OU, UTF8, utf8('Eng')), ava(OID.OU, UTF8, utf8('Ops'))), rdn(ava(OID.CN, UTF8, utf8('x'))))), 'CN=x,OU=Eng+OU=Ops');
    assert.equal(rfc2253(name()), '');
  });

  test('malformed names are undefined, never an exception', () => {
    const good = name(rdn(ava(OID.CN, UTF8, utf8('x'))));
    const bad: Array<[string, Uint8Array]> = [
      ['truncated', good.subarray(0, good.length - 1)],
      ['trailing byte', Uint8Array.from([...good, 0])],
      ['length past the end', Uint8Array.from([0x30, 0x7f, ...good.subarray(2)])],
      ['indefinite length', Uint8Array.from([0x30, 0x80, ...good.subarray(2), 0, 0])],
      ['5 length octets', Uint8Array.from([0x30, 0x85, 0, 0, 0, 0, 1, 0])],
      ['an empty RDN', name(tlv(0x31, []))],
      ['an RDN that is not a SET', name(tlv(0x30, ava(OID.CN, UTF8, utf8('x'))))],
      ['an AVA with three parts', name(rdn(tlv(0x30, [...tlv(0x06, OID.CN), ...tlv(UTF8, [0x61]), ...tlv(UTF8, [0x62])])))],
      ['an OID with a padded arc', name(rdn(ava([0x55, 0x80, 0x04], UTF8, [0x61])))],
      ['a high tag number', Uint8Array.from([0x1f, 0x81, 0x01, 0x00])],
      ['a surrogate pair in a BMPString (the JDK refuses the name)', name(rdn(ava(OID.CN, BMP, [0xd8, 0x3d, 0xde, 0x00])))],
      ['65 RDNs', name(...Array.from({ length: 65 }, () => rdn(ava(OID.CN, UTF8, [0x61]))))],
      ['nothing', new Uint8Array(0)],
    ];
    for (const [what, bytes] of bad) assert.equal(rfc2253(bytes), undefined, what);
  });

  test('random corruption of a name never throws', () => {
    const good = name(rdn(ava(OID.C, PRINTABLE, utf8('US'))), rdn(ava(OID.O, UTF8, utf8('Acme, Inc.')), ava(OID.TITLE, BMP, [0, 0x41])));
    let seed = 12345;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from(good);
      for (let k = 1 + next(4); k > 0; k--) bytes[next(bytes.length)] = next(256);
      const cut = bytes.subarray(0, bytes.length - next(3));
      assert.doesNotThrow(() => rfc2253(cut));
    }
  });
});

const SAN: SanMapping = { type: 6, matchRegex: /^spiffe:\/\/canopy\.test\//, extractRegex: /^spiffe:\/\/canopy\.test\/(.+)$/, groupIndex: 1 };

describe('SAN mapping (ssl.clientCertIdType=SAN)', () => {
  const names = (...altNames: Array<[number, string | undefined]>): Parameters<typeof sanId>[0] => ({
    subject: 'CN=x', altNames: altNames.map(([type, value]) => ({ type, value })),
  });

  test('exactly one SAN of the type matching the match regex; the extract regex\'s group is the id', () => {
    assert.equal(sanId(names([2, 'spiffe://canopy.test/dns'], [6, 'https://x'], [6, 'spiffe://canopy.test/ns/a']), SAN), 'ns/a');
    assert.equal(sanId(names([6, 'spiffe://canopy.test/ns/a']), { ...SAN, groupIndex: 0 }), 'spiffe://canopy.test/ns/a');
  });

  test('none, or several, or an extract that finds nothing: no id (the subject is used)', () => {
    assert.equal(sanId(names([6, 'https://x']), SAN), undefined);
    assert.equal(sanId(names([6, 'spiffe://canopy.test/a'], [6, 'spiffe://canopy.test/b']), SAN), undefined);
    assert.equal(sanId(names([6, 'spiffe://canopy.test/']), SAN), undefined);
    assert.equal(sanId(names([6, 'spiffe://canopy.test/a']), { ...SAN, extractRegex: /(x)?a/ }), undefined, 'a group that took no part');
    assert.equal(sanId({ subject: 'CN=x', altNames: undefined }, SAN), undefined);
  });

  test('the types Java gives as bytes (otherName, x400Address, ediPartyName) never give an id', () => {
    assert.equal(sanId(names([0, undefined]), { ...SAN, type: 0, matchRegex: /.*/ }), undefined);
  });
});

describe('certificates made by openssl', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  test('subjects and SANs read as a JDK reads them; the id, the SAN mapping and the super user', (t) => {
    const ca = makeCertAuthority();
    t.after(() => removeCertAuthority(ca));
    const der = (certFile: string): Uint8Array => new Uint8Array(new X509Certificate(readFileSync(certFile)).raw);
    const a = der(ca.leaf('a', {
      subject: '/emailAddress=a@b.c/CN=x/serialNumber=123/DC=example/DC=com/UID=u1/street=Main St/L=Paris/title=Boss',
      altNames: ['email:a@b.c', 'URI:spiffe://canopy.test/ns/a', 'IP:2001:db8::1', 'RID:1.2.3.4'],
    }).certFile);
    assert.deepEqual(certificateNames(a), {
      subject: '2.5.4.12=#0c04426f7373,L=Paris,STREET=Main St,UID=u1,DC=com,DC=example,2.5.4.5=#1303313233,CN=x,1.2.840.113549.1.9.1=#16056140622e63',
      altNames: [
        { type: 7, value: '127.0.0.1' }, { type: 7, value: '0:0:0:0:0:0:0:1' }, { type: 2, value: 'localhost' }, { type: 1, value: 'a@b.c' },
        { type: 6, value: 'spiffe://canopy.test/ns/a' }, { type: 7, value: '2001:db8:0:0:0:0:0:1' }, { type: 8, value: '1.2.3.4' },
      ],
    });
    assert.equal(x509Id(a, { san: SAN }), 'ns/a');
    assert.equal(x509Id(a, { san: { ...SAN, type: 2, matchRegex: /^nomatch$/ } }), certificateNames(a)!.subject, 'no SAN matches: the subject');
    const b = der(ca.leaf('b', { subject: '/O=Canopy/CN=Zoë+UID=z1' }).certFile);
    assert.equal(x509Id(b), 'CN=Zoë+UID=z1,O=Canopy');

    const provider = x509Provider({ superUser: 'CN=Zoë+UID=z1,O=Canopy' });
    const conn = (certificate?: Uint8Array): { remoteAddress: string; certificate?: Uint8Array } => ({ remoteAddress: '127.0.0.1', ...(certificate ? { certificate } : {}) });
    assert.deepEqual(provider.connectionIds(conn(b)), [{ scheme: 'super', id: 'CN=Zoë+UID=z1,O=Canopy' }, { scheme: 'x509', id: 'CN=Zoë+UID=z1,O=Canopy' }]);
    assert.deepEqual(provider.connectionIds(conn(a)), [{ scheme: 'x509', id: certificateNames(a)!.subject }]);
    assert.deepEqual(provider.authenticate(new Uint8Array([1, 2, 3]), conn(a)), [{ scheme: 'x509', id: certificateNames(a)!.subject }]);
    // Regexes with state (g, y) would answer differently on every other call: the provider drops it.
    const stateful = x509Provider({ san: { ...SAN, matchRegex: /^spiffe:/g, extractRegex: /ns\/(.+)$/y } });
    for (let i = 0; i < 3; i++) assert.deepEqual(stateful.connectionIds(conn(a)), [{ scheme: 'x509', id: 'a' }]);
    const global = x509Provider({ san: { ...SAN, matchRegex: /^spiffe:/g, extractRegex: /ns\/(.+)$/g } });
    for (let i = 0; i < 3; i++) assert.deepEqual(global.connectionIds(conn(a)), [{ scheme: 'x509', id: 'a' }]);
  });
});

describe('the x509 provider', () => {
  const provider = x509Provider({ superUser: 'CN=root' });

  test('no certificate: no id, and an addAuth of x509 fails (AUTHFAILED)', () => {
    assert.deepEqual(provider.connectionIds({ remoteAddress: '127.0.0.1' }), []);
    assert.equal(provider.authenticate(new Uint8Array(0), { remoteAddress: '127.0.0.1' }), undefined);
  });

  test('ids match by equality, and the super user matches every x509 entry (as in ZooKeeper); any non-empty id is valid', () => {
    assert.equal(provider.matches('CN=a', 'CN=a'), true);
    assert.equal(provider.matches('CN=a', 'cn=a'), false);
    assert.equal(provider.matches('CN=root', 'CN=anyone'), true);
    assert.equal(provider.isValid('CN=a,O=b'), true);
    assert.equal(provider.isValid('spiffe-path'), true);
    assert.equal(provider.isValid(''), false);
    assert.equal(provider.isAuthenticated, true);
    assert.equal(provider.scheme, 'x509');
  });

  test('bytes that are not a certificate give no id and never throw', () => {
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const inputs = [new Uint8Array(0), Uint8Array.from([0x30]), Uint8Array.from([0x30, 0x82, 0xff, 0xff]), name(rdn(ava(OID.CN, UTF8, [0x61])))];
    for (let i = 0; i < 200; i++) inputs.push(Uint8Array.from({ length: next(300) }, () => next(256)));
    for (const certificate of inputs) {
      assert.deepEqual(provider.connectionIds({ remoteAddress: '::1', certificate }), []);
      assert.equal(provider.authenticate(new Uint8Array(0), { remoteAddress: '::1', certificate }), undefined);
    }
  });
});
