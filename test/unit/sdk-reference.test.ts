// docs/sdk-reference.md is generated from the SDK's sources (tools/sdk-reference/); this test regenerates
// it in memory, so a change to a signature or a doc comment without `npm run docs:sdk` fails here rather
// than leaving the reference stale. It also reads client/client.ts on its own, without the generator's
// member walk, and checks that every public method of Client is in the reference with what it returns and
// what it throws.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { SDK_REFERENCE_PATH, generateSdkReference } from '../../tools/sdk-reference/generate.js';

/** dist/test/unit → the repository root, where the sources and docs/ are. */
const ROOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The public methods of Client as its source declares them: every method without private or protected. */
function clientMethods(): Array<{ name: string; isStatic: boolean }> {
  const path = join(ROOT_DIR, 'client', 'client.ts');
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const cls = source.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === 'Client');
  assert.ok(cls !== undefined, 'client/client.ts declares class Client');
  const hidden = new Set([ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword]);
  return cls.members
    .filter(ts.isMethodDeclaration)
    .filter((m) => !(ts.getModifiers(m) ?? []).some((mod) => hidden.has(mod.kind)))
    .map((m) => ({ name: m.name.getText(), isStatic: (ts.getModifiers(m) ?? []).some((mod) => mod.kind === ts.SyntaxKind.StaticKeyword) }));
}

/** The text of one `####` section: from its heading to the next heading of level 2 to 4. */
function section(markdown: string, heading: string): string | undefined {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return undefined;
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(/\n#{2,4} /);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('SDK reference', () => {
  const generated = generateSdkReference(ROOT_DIR);

  test(`${SDK_REFERENCE_PATH} is what npm run docs:sdk generates from the sources now`, () => {
    const committed = readFileSync(join(ROOT_DIR, SDK_REFERENCE_PATH), 'utf8');
    // Not assert.equal on the whole text: a 60 kB diff helps no one; the first differing line does.
    const a = committed.split('\n');
    const b = generated.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    const at = line < 0 ? Math.min(a.length, b.length) : line;
    assert.ok(committed === generated, `${SDK_REFERENCE_PATH} is stale (run npm run docs:sdk); first difference at line ${at + 1}:\n  committed: ${a[at]}\n  generated: ${b[at]}`);
  });

  test('every public method of Client is there, with a Returns line and at least one Throws line', () => {
    const methods = clientMethods();
    assert.ok(methods.length >= 20, `found ${methods.length} public methods`);
    for (const { name, isStatic } of methods) {
      const heading = `#### \`${isStatic ? 'Client' : 'client'}.${name}()\``;
      const text = section(generated, heading);
      assert.ok(text !== undefined, `no section ${heading}`);
      assert.match(text, new RegExp(`\`\`\`ts\\n${isStatic ? 'static ' : ''}${name}[<(]`), `${heading} shows its signature`);
      assert.match(text, /\n- \*\*Returns\*\* `[^`]+`/, `${heading} says what it returns`);
      // Listeners, the transaction builder and close (which never rejects) do not fail with a KeeperError;
      // everything that talks to a server can.
      if (!['on', 'off', 'once', 'transaction', 'close'].includes(name)) assert.match(text, /\n- \*\*Throws\*\* `KeeperError`/, `${heading} says what it throws`);
    }
  });

  test('the typed errors a caller may catch are documented: KeeperError and every ErrorCode', () => {
    assert.ok(section(generated, '### class KeeperError') !== undefined);
    const codes = section(generated, '### const ErrorCode');
    assert.ok(codes !== undefined);
    for (const name of ['NONODE', 'NODEEXISTS', 'NOAUTH', 'BADVERSION', 'CONNECTIONLOSS', 'SESSIONEXPIRED', 'THROTTLEDOP']) {
      assert.match(codes, new RegExp(`\\| \`${name}\` \\| \`-\\d+\` \\|`), name);
    }
  });
});
