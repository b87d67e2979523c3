// What the SDK reference says about each export, independent of how it is read (collect.ts) or printed
// (render.ts). Every string is already whitespace-normalised source or doc text.

/** One public entry point of the package, as package.json "exports" names it. */
export interface EntryPoint {
  /** The import specifier users write ('canopy/client'). */
  specifier: string;
  /** Path of its TypeScript source, relative to the repository root ('client/index.ts'). */
  sourcePath: string;
}

export type ExportKind = 'class' | 'function' | 'interface' | 'type' | 'const';

/** A callable: a function, a method, a constructor, or one overload of one. */
export interface SignatureDoc {
  /** The declaration as written, without its body (`create(path: string, data?: Data): Promise<string>`). */
  text: string;
  /** The declared or inferred return type. */
  returnType: string;
  /** The @returns tag's words, if any. */
  returns: string | undefined;
  /** One entry per @throws tag: the type in braces (if given), then its words. */
  throws: ThrowsDoc[];
}

export interface ThrowsDoc {
  type: string | undefined;
  text: string;
}

/** A member of a class or interface, or a property of an exported constant object. */
export interface MemberDoc {
  name: string;
  kind: 'constructor' | 'method' | 'property' | 'accessor';
  isStatic: boolean;
  /** For properties and accessors: `readonly name?: Type`; empty for callables (see signatures). */
  text: string;
  doc: string;
  /** One per overload, for callables. */
  signatures: SignatureDoc[];
}

export interface ExportDoc {
  name: string;
  kind: ExportKind;
  doc: string;
  /** The declaration head (`class Mutex implements InterProcessLock`, `type Data = Uint8Array | string`). */
  head: string;
  /** For functions: one per overload. */
  signatures: SignatureDoc[];
  members: MemberDoc[];
  /** When a constant and a type share the name (ErrorCode): the type's declaration. */
  companionType: string | undefined;
}

export interface EntryDoc {
  entry: EntryPoint;
  /** The entry file's own opening comment. */
  doc: string;
  exports: ExportDoc[];
}
