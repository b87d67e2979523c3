// The names of one node's children, in the order they were linked. Most parents only ever gain children
// (and a snapshot load links a million of them in a row), so the names start in a plain array, about a
// tenth of the cost of a Set entry to add. The first removal turns the list into a Set, which keeps the
// same order and removes in constant time from then on.
import { invariant } from './errors.js';

export class ChildList implements Iterable<string> {
  private names: string[] | Set<string> = [];

  get size(): number {
    return Array.isArray(this.names) ? this.names.length : this.names.size;
  }

  /** The caller guarantees name is not in the list (a path is linked once). */
  add(name: string): void {
    if (Array.isArray(this.names)) this.names.push(name);
    else this.names.add(name);
  }

  remove(name: string): void {
    if (Array.isArray(this.names)) this.names = new Set(this.names);
    const removed = this.names.delete(name);
    invariant(removed, `unlink of a child not linked: ${name}`);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.names[Symbol.iterator]();
  }
}
