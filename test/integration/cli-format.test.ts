// The shell's pure parts, without a server: hex dump, printable data, ACL syntax, tokenizing, options.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAcl } from '../../client/shell/acl.js';
import { parseMainArgs } from '../../client/shell/argv.js';
import { UsageError } from '../../client/shell/errors.js';
import { intFlag, parseFlags } from '../../client/shell/flags.js';
import { eventLine, hexDump, permString, printableText, statLines } from '../../client/shell/format.js';
import { tokenize } from '../../client/shell/tokenize.js';
import { CommandHistory } from '../../client/shell/history.js';

describe('canopy-cli formatting and parsing', () => {
  test('hex dump: offset, two groups of eight, ASCII column', () => {
    const bytes = Uint8Array.from({ length: 18 }, (_, i) => 0x40 + i);
    assert.deepEqual(hexDump(bytes), [
      '00000000  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  |@ABCDEFGHIJKLMNO|',
      '00000010  50 51                                             |PQ|',
    ]);
    assert.deepEqual(hexDump(new Uint8Array(0)), []);
  });

  test('printable: UTF-8 with only \\n \\t \\r as controls', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    assert.equal(printableText(enc('héllo\n\tworld\r')), 'héllo\n\tworld\r');
    assert.equal(printableText(enc('bell\u0007')), undefined);
    assert.equal(printableText(Uint8Array.of(0xff, 0xfe)), undefined);
    assert.equal(printableText(enc('\u0085')), undefined);
  });

  test('perms in zkCli order; ACL entries with colons in the id', () => {
    assert.equal(permString(31), 'cdrwa');
    assert.equal(permString(3), 'rw');
    assert.deepEqual(parseAcl('world:anyone:cdrwa,digest:alice:h:a=:r,ip:10.0.0.1:rw', 'u'), [
      { perms: 31, id: { scheme: 'world', id: 'anyone' } },
      { perms: 1, id: { scheme: 'digest', id: 'alice:h:a=' } },
      { perms: 3, id: { scheme: 'ip', id: '10.0.0.1' } },
    ]);
    assert.deepEqual(parseAcl('x509:CN=alice,OU=Ops,O=Acme\\, Inc.:cdrwa,ip:fe80::/10:r,world:anyone:r', 'u'), [
      { perms: 31, id: { scheme: 'x509', id: 'CN=alice,OU=Ops,O=Acme\\, Inc.' } },
      { perms: 1, id: { scheme: 'ip', id: 'fe80::/10' } },
      { perms: 1, id: { scheme: 'world', id: 'anyone' } },
    ], 'a certificate subject keeps its commas');
    for (const bad of ['world:anyone', 'world:anyone:q', ':x:r', '']) assert.throws(() => parseAcl(bad, 'u'), UsageError, bad);
  });

  test('tokenize: quotes group, escapes in double quotes', () => {
    assert.deepEqual(tokenize(`create /a "two words" 'single "q"' x\\y`), ['create', '/a', 'two words', 'single "q"', 'x\\y']);
    assert.deepEqual(tokenize('set /a "say \\"hi\\""'), ['set', '/a', 'say "hi"']);
    assert.deepEqual(tokenize('set /a ""'), ['set', '/a', '']);
    assert.throws(() => tokenize('get "/a'), UsageError);
  });

  test('options: anywhere, bundled, valued, negative numbers stay positional, -- ends options', () => {
    const spec = { '-s': 'bool', '-e': 'bool', '-v': 'value' } as const;
    const p = parseFlags(['/a', '-es', '-v', '-1', '-5', '--', '-s'], spec, 'u');
    assert.deepEqual(p.args, ['/a', '-5', '-s']);
    assert.equal(p.flags.get('-e'), true);
    assert.equal(intFlag(p, '-v', 'u'), -1);
    assert.throws(() => parseFlags(['-x'], spec, 'u'), /unknown option -x/);
    assert.throws(() => parseFlags(['-v'], spec, 'u'), /needs a value/);
    assert.throws(() => intFlag(parseFlags(['-v', '1.5'], spec, 'u'), '-v', 'u'), UsageError);
  });

  test('top-level arguments: zkCli single-dash style, then the command untouched', () => {
    const a = parseMainArgs(['-server', 'h:1,h:2', '--json', '-timeout', '5000', 'get', '-s', '/a']);
    assert.equal(a.server, 'h:1,h:2');
    assert.equal(a.json, true);
    assert.equal(a.sessionTimeoutMs, 5000);
    assert.deepEqual(a.command, ['get', '-s', '/a']);
    assert.equal(parseMainArgs([]).server, '127.0.0.1:2181');
    assert.throws(() => parseMainArgs(['-timeout', 'x']), UsageError);
  });

  test('Stat lines and event line as zkCli prints them', () => {
    const lines = statLines({ czxid: 0x100000002, mzxid: 3, pzxid: 4, ctime: 0, mtime: 0, version: 1, cversion: 2, aversion: 3, ephemeralOwner: 255, dataLength: 5, numChildren: 6 });
    assert.equal(lines[0], 'cZxid = 0x100000002');
    assert.equal(lines[8], 'ephemeralOwner = 0xff');
    assert.equal(lines.length, 11);
    assert.equal(eventLine({ type: 3, state: 3, path: '/a', zxid: 7 }), 'WatchedEvent state:SyncConnected type:NodeDataChanged path:/a zxid: 7');
    assert.equal(eventLine({ type: -1, state: 3, path: '', zxid: -1 }), 'WatchedEvent state:SyncConnected type:None path:null zxid: -1');
  });

  test('numbered history: last ten shown, redo replaces its own entry', () => {
    const h = new CommandHistory();
    for (let i = 0; i < 12; i++) h.add(`cmd ${i}`);
    assert.deepEqual(h.recent().map((r) => r.n), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    h.add('redo 0');
    h.replaceLast('cmd 0');
    assert.equal(h.get(12), 'cmd 0');
    assert.equal(h.count, 13);
  });
});
