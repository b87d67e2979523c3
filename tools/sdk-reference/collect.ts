// Reads the SDK's public entry points with the TypeScript compiler API: each name an entry file
// exports, in the order it exports them, resolved to its declaration, with its doc comment.
import ts from 'typescript';
import { join } from 'node:path';
import { docOf, oneLine, signatureDoc, typeText } from './doc-text.js';
import { classMembers, interfaceMembers, objectMembers } from './members.js';
import type { EntryDoc, EntryPoint, ExportDoc } from './model.js';

/** The settings tsconfig.json compiles the package with, as far as reading declarations needs them. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  strict: true,
  skipLibCheck: true,
  types: ['node'],
  noEmit: true,
};

export function readEntries(rootDir: string, entries: readonly EntryPoint[]): EntryDoc[] {
  const files = entries.map((e) => join(rootDir, e.sourcePath));
  const program = ts.createProgram(files, COMPILER_OPTIONS);
  const checker = program.getTypeChecker();
  return entries.map((entry, i) => {
    const source = program.getSourceFile(files[i]!);
    if (source === undefined) throw new Error(`cannot read ${entry.sourcePath}`);
    return { entry, doc: openingComment(source), exports: exportsOf(checker, source) };
  });
}

/** The `//` lines that open a file, without their slashes. */
function openingComment(source: ts.SourceFile): string {
  const text = source.getFullText();
  const lines: string[] = [];
  for (const range of ts.getLeadingCommentRanges(text, 0) ?? []) {
    if (range.kind !== ts.SyntaxKind.SingleLineCommentTrivia) break;
    lines.push(text.slice(range.pos + 2, range.end).trim());
  }
  return oneLine(lines.join(' '));
}

function exportsOf(checker: ts.TypeChecker, source: ts.SourceFile): ExportDoc[] {
  const out: ExportDoc[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement) || statement.exportClause === undefined || !ts.isNamedExports(statement.exportClause)) continue;
    for (const element of statement.exportClause.elements) {
      const alias = checker.getSymbolAtLocation(element.name);
      if (alias === undefined) throw new Error(`cannot resolve export ${element.name.text}`);
      const symbol = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias;
      out.push(exportDoc(checker, element.name.text, symbol.declarations ?? []));
    }
  }
  return out;
}

function exportDoc(checker: ts.TypeChecker, name: string, decls: readonly ts.Declaration[]): ExportDoc {
  const cls = decls.find(ts.isClassDeclaration);
  const functions = decls.filter(ts.isFunctionDeclaration);
  const variable = decls.find(ts.isVariableDeclaration);
  const iface = decls.find(ts.isInterfaceDeclaration);
  const alias = decls.find(ts.isTypeAliasDeclaration);
  const base = { name, signatures: [], members: [], companionType: undefined };
  if (cls !== undefined) return { ...base, kind: 'class', doc: docOf(cls), head: classHead(cls, name), members: classMembers(checker, cls) };
  if (functions.length > 0) {
    const overloads = functions.filter((f) => f.body === undefined);
    const shown = overloads.length > 0 ? overloads : functions;
    return { ...base, kind: 'function', doc: shown.map(docOf).find((d) => d !== '') ?? '', head: `function ${name}`, signatures: shown.map((f) => signatureDoc(checker, f, name)) };
  }
  if (variable !== undefined) return constDoc(checker, name, variable, alias);
  if (iface !== undefined) return { ...base, kind: 'interface', doc: docOf(iface), head: interfaceHead(iface, name), members: interfaceMembers(checker, iface) };
  if (alias !== undefined) return { ...base, kind: 'type', doc: docOf(alias), head: aliasText(alias, name) };
  throw new Error(`export ${name} is neither a class, function, constant, interface nor type`);
}

function heritage(clauses: ts.NodeArray<ts.HeritageClause> | undefined): string {
  return (clauses ?? []).map((c) => ` ${oneLine(c.getText())}`).join('');
}

function typeParameters(decl: { typeParameters?: ts.NodeArray<ts.TypeParameterDeclaration> }): string {
  return decl.typeParameters === undefined ? '' : `<${decl.typeParameters.map((t) => oneLine(t.getText())).join(', ')}>`;
}

function classHead(decl: ts.ClassDeclaration, name: string): string {
  const isAbstract = (ts.getModifiers(decl) ?? []).some((m) => m.kind === ts.SyntaxKind.AbstractKeyword);
  return `${isAbstract ? 'abstract ' : ''}class ${name}${typeParameters(decl)}${heritage(decl.heritageClauses)}`;
}

function interfaceHead(decl: ts.InterfaceDeclaration, name: string): string {
  return `interface ${name}${typeParameters(decl)}${heritage(decl.heritageClauses)}`;
}

function aliasText(decl: ts.TypeAliasDeclaration, name: string): string {
  return `type ${name}${typeParameters(decl)} = ${oneLine(decl.type.getText())}`;
}

/** `{ ... } as const`, `Object.freeze({ ... })` and plain object literals all show their properties. */
function objectLiteralOf(expression: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  let e = expression;
  while (e !== undefined) {
    if (ts.isObjectLiteralExpression(e)) return e;
    if (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
    else if (ts.isCallExpression(e) && e.expression.getText() === 'Object.freeze' && e.arguments.length === 1) e = e.arguments[0];
    else return undefined;
  }
  return undefined;
}

/** Short literal initialisers are worth printing (`MAX_LEASES_MAX = 1000`); anything else is not. */
const INITIALIZER_CHARS_MAX = 60;

function constDoc(checker: ts.TypeChecker, name: string, decl: ts.VariableDeclaration, alias: ts.TypeAliasDeclaration | undefined): ExportDoc {
  const literal = objectLiteralOf(decl.initializer);
  const companionType = alias === undefined ? undefined : aliasText(alias, name);
  const doc = docOf(decl) || (alias === undefined ? '' : docOf(alias));
  if (literal !== undefined && decl.type === undefined) {
    return { name, kind: 'const', doc, head: `const ${name}`, signatures: [], members: objectMembers(checker, literal), companionType };
  }
  const type = decl.type !== undefined ? oneLine(decl.type.getText()) : typeText(checker, checker.getTypeAtLocation(decl));
  const init = decl.initializer === undefined ? '' : oneLine(decl.initializer.getText());
  const shownInit = init !== '' && init.length <= INITIALIZER_CHARS_MAX ? ` = ${init}` : '';
  return { name, kind: 'const', doc, head: `const ${name}: ${type}${shownInit}`, signatures: [], members: [], companionType };
}
