// Znode path rules (ZooKeeper's PathUtils.validatePath): absolute, '/'-separated, no trailing '/'
// except the root, no empty, '.' or '..' segment, no NUL or control characters.
import { MAX_PATH_LENGTH } from './limits.js';

/** Why a path is invalid, or undefined if it is valid. */
export function pathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'path must be a string';
  if (path.length === 0) return 'path must not be empty';
  if (path.length > MAX_PATH_LENGTH) return `path longer than ${MAX_PATH_LENGTH} characters`;
  if (path.charCodeAt(0) !== 0x2f) return 'path must start with /';
  if (path.length === 1) return undefined;
  if (path.charCodeAt(path.length - 1) === 0x2f) return 'path must not end with /';
  let segmentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - segmentStart;
      if (len === 0) return `empty segment at index ${i}`;
      if (len <= 2 && path[segmentStart] === '.' && (len === 1 || path[segmentStart + 1] === '.')) {
        return `relative segment '${path.slice(segmentStart, i)}' at index ${segmentStart}`;
      }
      segmentStart = i + 1;
      continue;
    }
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff)) {
      return `invalid character \\u${c.toString(16).padStart(4, '0')} at index ${i}`;
    }
  }
  return undefined;
}

export function isValidPath(path: unknown): path is string {
  return pathProblem(path) === undefined;
}

/** The parent of a valid non-root path ('/a/b' → '/a', '/a' → '/'). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The last segment of a valid non-root path ('/a/b' → 'b'). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a parent path and a child name. */
export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/** The suffix ZooKeeper appends to a sequential node: the counter zero-padded to 10 digits (%010d). */
export function sequenceSuffix(counter: number): string {
  const n = counter | 0; // a signed 32-bit counter that wraps, as in ZooKeeper
  return n < 0 ? `-${String(-n).padStart(9, '0')}` : String(n).padStart(10, '0');
}

/** True for '/zookeeper' and every path below it, which clients may not change. */
export function isReservedPath(path: string): boolean {
  return path === '/zookeeper' || path.startsWith('/zookeeper/');
}
