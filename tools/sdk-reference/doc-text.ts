// Doc comments and declaration text as the reference prints them: JSDoc read through the compiler API,
// whitespace folded so that the output does not depend on how the source happens to be wrapped.
import ts from 'typescript';
import type { SignatureDoc, ThrowsDoc } from './model.js';

/** Folds runs of whitespace into one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A line that starts a list item keeps its own line; every other line joins the one before it. */
const LIST_ITEM = /^\s*(?:[-*]|\d+\.)\s/;

/** Doc text with paragraphs and list items kept, and every other line break folded. */
export function foldDoc(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => {
      const lines: string[] = [];
      for (const line of paragraph.split('\n')) {
        if (lines.length > 0 && !LIST_ITEM.test(line)) lines[lines.length - 1] += ` ${line.trim()}`;
        else lines.push(line.trim());
      }
      return lines.map(oneLine).filter((l) => l !== '').join('\n');
    })
    .filter((p) => p !== '')
    .join('\n\n');
}

/** The JSDoc block nearest to a declaration (a variable's lives on its statement). */
function jsDocOf(node: ts.Node): ts.JSDoc | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  return docs[docs.length - 1];
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string {
  return foldDoc(ts.getTextOfJSDocComment(comment) ?? '');
}

/** The description of a declaration's doc comment (without its tags). */
export function docOf(node: ts.Node): string {
  return commentText(jsDocOf(node)?.comment);
}

export interface SignatureTags {
  returns: string | undefined;
  throws: ThrowsDoc[];
}

/** The @returns and @throws tags of a declaration's doc comment. */
export function tagsOf(node: ts.Node): SignatureTags {
  const tags = jsDocOf(node)?.tags ?? [];
  let returns: string | undefined;
  const throws: ThrowsDoc[] = [];
  for (const tag of tags) {
    if (ts.isJSDocReturnTag(tag)) returns = commentText(tag.comment);
    else if (ts.isJSDocThrowsTag(tag)) throws.push({ type: tag.typeExpression ? oneLine(tag.typeExpression.type.getText()) : undefined, text: commentText(tag.comment) });
  }
  return { returns, throws };
}

const TYPE_FORMAT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;

/** A type as the checker prints it, for declarations that leave it to inference. */
export function typeText(checker: ts.TypeChecker, type: ts.Type): string {
  return oneLine(checker.typeToString(type, undefined, TYPE_FORMAT));
}

/** A function, method or constructor: its head as written, its return type, and its tags. */
export function signatureDoc(checker: ts.TypeChecker, decl: ts.SignatureDeclaration, name: string): SignatureDoc {
  const typeParameters = decl.typeParameters === undefined ? '' : `<${decl.typeParameters.map((t) => oneLine(t.getText())).join(', ')}>`;
  const parameters = decl.parameters.map((p) => oneLine(p.getText())).join(', ');
  const isConstructor = ts.isConstructorDeclaration(decl);
  let returnType = '';
  if (!isConstructor) {
    const signature = checker.getSignatureFromDeclaration(decl);
    returnType = decl.type !== undefined ? oneLine(decl.type.getText()) : signature === undefined ? 'unknown' : typeText(checker, checker.getReturnTypeOfSignature(signature));
  }
  const text = `${name}${typeParameters}(${parameters})${isConstructor ? '' : `: ${returnType}`}`;
  return { text, returnType, ...tagsOf(decl) };
}
