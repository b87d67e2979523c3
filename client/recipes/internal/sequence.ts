// Sequential node names: the server appends a 10-digit counter; recipes order participants by it.

/** The sequence number a sequential node's name ends with, or -1 if it has none. */
export function sequenceOf(name: string): number {
  const m = /(\d{10})$/.exec(name);
  return m === null ? -1 : Number(m[1]);
}

/** Children that carry a sequence number, in sequence order (ties, which cannot happen under one parent, by name). */
export function sortBySequence(names: readonly string[]): string[] {
  return names.filter((n) => sequenceOf(n) >= 0).sort((a, b) => sequenceOf(a) - sequenceOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
