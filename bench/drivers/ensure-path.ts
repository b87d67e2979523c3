// Creates a path's missing ancestors and the path itself, one level at a time, for either system: a level
// that already exists (created earlier, or by another process meanwhile) is fine.

/** Creates one persistent node; resolves false when it already existed, rejects on any other failure. */
export type CreateIfAbsent = (path: string) => Promise<boolean>;

/** Deepest path a workload sets up. */
const PATH_LEVELS_MAX = 32;

export async function ensurePathWith(path: string, createIfAbsent: CreateIfAbsent): Promise<void> {
  const parts = path.split('/').filter((p) => p.length > 0);
  if (!path.startsWith('/') || parts.length > PATH_LEVELS_MAX) throw new Error(`ensurePath: '${path.slice(0, 80)}' is not an absolute path of at most ${PATH_LEVELS_MAX} levels`);
  let prefix = '';
  for (const part of parts) {
    prefix += `/${part}`;
    await createIfAbsent(prefix);
  }
}
