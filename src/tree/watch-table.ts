// One kind of watch (data, child, persistent or recursive): path → sessions and session → paths,
// so both firing by path and dropping a session are cheap.

export class WatchTable {
  private readonly byPathMap = new Map<string, Set<number>>();
  private readonly bySession = new Map<number, Set<string>>();
  private total = 0;

  has(sessionId: number, path: string): boolean {
    return this.byPathMap.get(path)?.has(sessionId) ?? false;
  }

  /** True if the watch is new. */
  add(sessionId: number, path: string): boolean {
    let sessions = this.byPathMap.get(path);
    if (sessions === undefined) {
      sessions = new Set<number>();
      this.byPathMap.set(path, sessions);
    }
    if (sessions.has(sessionId)) return false;
    sessions.add(sessionId);
    let paths = this.bySession.get(sessionId);
    if (paths === undefined) {
      paths = new Set<string>();
      this.bySession.set(sessionId, paths);
    }
    paths.add(path);
    this.total++;
    return true;
  }

  /** True if there was such a watch. */
  remove(sessionId: number, path: string): boolean {
    const sessions = this.byPathMap.get(path);
    if (sessions === undefined || !sessions.delete(sessionId)) return false;
    if (sessions.size === 0) this.byPathMap.delete(path);
    const paths = this.bySession.get(sessionId)!;
    paths.delete(path);
    if (paths.size === 0) this.bySession.delete(sessionId);
    this.total--;
    return true;
  }

  /** Sessions watching path (a live set: copy before changing the table). */
  sessionsAt(path: string): ReadonlySet<number> | undefined {
    return this.byPathMap.get(path);
  }

  /** Removes every watch on path and returns who held them (one-shot firing). */
  takeAll(path: string): number[] {
    const sessions = this.byPathMap.get(path);
    if (sessions === undefined) return [];
    this.byPathMap.delete(path);
    const taken = Array.from(sessions);
    for (const sessionId of taken) {
      const paths = this.bySession.get(sessionId)!;
      paths.delete(path);
      if (paths.size === 0) this.bySession.delete(sessionId);
    }
    this.total -= taken.length;
    return taken;
  }

  removeSession(sessionId: number): void {
    const paths = this.bySession.get(sessionId);
    if (paths === undefined) return;
    for (const path of Array.from(paths)) this.remove(sessionId, path);
  }

  countFor(sessionId: number): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  /** Each watching session with its paths (live sets: for reading only, while the table does not change). */
  sessionEntries(): IterableIterator<[number, ReadonlySet<string>]> {
    return this.bySession.entries();
  }

  /** Each watched path with its sessions (live sets, as above). */
  pathEntries(): IterableIterator<[string, ReadonlySet<number>]> {
    return this.byPathMap.entries();
  }

  /** Number of (session, path) watches. */
  get size(): number {
    return this.total;
  }

  get isEmpty(): boolean {
    return this.byPathMap.size === 0;
  }
}
