// The public members of a class, an interface or an exported constant object. Private and protected
// members, #names, _names and @internal ones are internals and stay out; a constructor's `readonly x` parameters are
// public properties and come in.
import ts from 'typescript';
import { docOf, oneLine, signatureDoc, typeText } from './doc-text.js';
import type { MemberDoc } from './model.js';

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function isHidden(node: ts.Node): boolean {
  if (hasModifier(node, ts.SyntaxKind.PrivateKeyword) || hasModifier(node, ts.SyntaxKind.ProtectedKeyword)) return true;
  if (ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal')) return true;
  const name = (node as { name?: ts.Node }).name;
  return name !== undefined && (ts.isPrivateIdentifier(name) || name.getText().startsWith('_'));
}

function memberName(node: ts.ClassElement | ts.TypeElement | ts.ObjectLiteralElement): string {
  return node.name === undefined ? '' : node.name.getText();
}

/** Overloads stand for themselves: the implementation's own signature is not public. */
function publicSignatures<T extends ts.SignatureDeclaration>(decls: readonly T[]): T[] {
  const overloads = decls.filter((d) => (d as { body?: unknown }).body === undefined);
  return overloads.length > 0 && overloads.length < decls.length ? overloads : [...decls];
}

function propertyText(checker: ts.TypeChecker, node: ts.PropertyDeclaration | ts.PropertySignature | ts.ParameterDeclaration, name: string): string {
  const readonly = hasModifier(node, ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
  const optional = node.questionToken !== undefined ? '?' : '';
  const type = node.type !== undefined ? oneLine(node.type.getText()) : typeText(checker, checker.getTypeAtLocation(node));
  return `${readonly}${name}${optional}: ${type}`;
}

function accessorText(checker: ts.TypeChecker, getter: ts.GetAccessorDeclaration, hasSetter: boolean): string {
  const signature = checker.getSignatureFromDeclaration(getter);
  const type = getter.type !== undefined ? oneLine(getter.type.getText()) : signature === undefined ? 'unknown' : typeText(checker, checker.getReturnTypeOfSignature(signature));
  return `${hasSetter ? '' : 'readonly '}${memberName(getter)}: ${type}`;
}

/** Groups same-named callables (overloads) in source order. */
function byName<T extends { name: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.name, [...(out.get(item.name) ?? []), item]);
  return out;
}

function callableMember(checker: ts.TypeChecker, name: string, decls: readonly ts.SignatureDeclaration[], isStatic: boolean): MemberDoc {
  const shown = publicSignatures(decls);
  const kind = ts.isConstructorDeclaration(shown[0]!) ? 'constructor' : 'method';
  const doc = shown.map(docOf).find((d) => d !== '') ?? docOf(decls[decls.length - 1]!);
  return { name, kind, isStatic, text: '', doc, signatures: shown.map((d) => signatureDoc(checker, d, kind === 'constructor' ? 'constructor' : name)) };
}

export function classMembers(checker: ts.TypeChecker, decl: ts.ClassDeclaration): MemberDoc[] {
  const visible = decl.members.filter((m) => !isHidden(m));
  const out: MemberDoc[] = [];
  const ctors = visible.filter(ts.isConstructorDeclaration);
  if (ctors.length > 0) out.push(callableMember(checker, 'constructor', ctors, false));
  for (const ctor of decl.members.filter(ts.isConstructorDeclaration)) {
    for (const p of ctor.parameters) {
      if (!ts.isParameterPropertyDeclaration(p, ctor) || isHidden(p)) continue;
      out.push({ name: p.name.getText(), kind: 'property', isStatic: false, text: propertyText(checker, p, p.name.getText()), doc: docOf(p), signatures: [] });
    }
  }
  const setters = new Set(visible.filter(ts.isSetAccessorDeclaration).map(memberName));
  for (const m of visible) {
    const isStatic = hasModifier(m, ts.SyntaxKind.StaticKeyword);
    if (ts.isPropertyDeclaration(m)) out.push({ name: memberName(m), kind: 'property', isStatic, text: propertyText(checker, m, memberName(m)), doc: docOf(m), signatures: [] });
    else if (ts.isGetAccessorDeclaration(m)) out.push({ name: memberName(m), kind: 'accessor', isStatic, text: accessorText(checker, m, setters.has(memberName(m))), doc: docOf(m), signatures: [] });
  }
  const methods = visible.filter(ts.isMethodDeclaration).map((m) => ({ name: memberName(m), decl: m }));
  for (const [name, group] of byName(methods)) {
    out.push(callableMember(checker, name, group.map((g) => g.decl), hasModifier(group[0]!.decl, ts.SyntaxKind.StaticKeyword)));
  }
  return out;
}

export function interfaceMembers(checker: ts.TypeChecker, decl: ts.InterfaceDeclaration): MemberDoc[] {
  const out: MemberDoc[] = [];
  for (const m of decl.members) {
    if (ts.isPropertySignature(m)) out.push({ name: memberName(m), kind: 'property', isStatic: false, text: propertyText(checker, m, memberName(m)), doc: docOf(m), signatures: [] });
  }
  const methods = decl.members.filter(ts.isMethodSignature).map((m) => ({ name: memberName(m), decl: m }));
  for (const [name, group] of byName(methods)) out.push(callableMember(checker, name, group.map((g) => g.decl), false));
  return out;
}

/** A literal's source text, for the values of constant tables (ErrorCode.NONODE = -101). */
function literalText(node: ts.Expression): string | undefined {
  if (ts.isNumericLiteral(node) || ts.isStringLiteral(node) || node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) return node.getText();
  if (ts.isPrefixUnaryExpression(node) && ts.isNumericLiteral(node.operand)) return node.getText();
  return undefined;
}

/** The function an object property names (`create: createOp`), if it names one. */
function namedFunction(checker: ts.TypeChecker, node: ts.Expression): ts.SignatureDeclaration[] {
  if (!ts.isIdentifier(node)) return [];
  const symbol = checker.getSymbolAtLocation(node);
  return (symbol?.declarations ?? []).filter(ts.isFunctionDeclaration);
}

export function objectMembers(checker: ts.TypeChecker, literal: ts.ObjectLiteralExpression): MemberDoc[] {
  const out: MemberDoc[] = [];
  for (const p of literal.properties) {
    const name = memberName(p);
    if (ts.isMethodDeclaration(p)) {
      out.push(callableMember(checker, name, [p], false));
    } else if (ts.isPropertyAssignment(p)) {
      const functions = namedFunction(checker, p.initializer);
      if (functions.length > 0) {
        const member = callableMember(checker, name, functions, false);
        out.push({ ...member, doc: docOf(p) || member.doc });
      } else {
        const value = literalText(p.initializer) ?? typeText(checker, checker.getTypeAtLocation(p.initializer));
        out.push({ name, kind: 'property', isStatic: false, text: `${name}: ${value}`, doc: docOf(p), signatures: [] });
      }
    }
  }
  return out;
}
