// What a canopy-server says of its role: each role change is one log line
// `role changed {"state":...,"leader":N,"epoch":E,"serving":bool}`. Launchers learn the leader from these.

export type RoleState = 'looking' | 'following' | 'leading';

/** What a server last logged about its role. */
export interface RoleReport {
  state: RoleState;
  /** The leader it follows or is (0 while looking). */
  leader: number;
  epoch: number;
  /** Synced with an established leader: it serves clients. */
  serving: boolean;
}

/** Parses a `role changed {...}` log line; undefined for any other line. */
export function parseRoleLine(line: string): RoleReport | undefined {
  const m = /\brole changed (\{.*\})\s*$/.exec(line);
  if (!m) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(m[1]!);
  } catch {
    return undefined;
  }
  const r = meta as Partial<Record<keyof RoleReport, unknown>>;
  if (r.state !== 'looking' && r.state !== 'following' && r.state !== 'leading') return undefined;
  if (typeof r.leader !== 'number' || typeof r.epoch !== 'number' || typeof r.serving !== 'boolean') return undefined;
  return { state: r.state, leader: r.leader, epoch: r.epoch, serving: r.serving };
}

/**
 * The id of the server that reports leading and serving among live ones. Should two claim it while an old
 * leader has yet to notice it lost its quorum, the one in the higher epoch.
 */
export function leaderAmong(reports: ReadonlyArray<{ id: number; role: RoleReport | undefined }>): number | undefined {
  let best: { id: number; epoch: number } | undefined;
  for (const { id, role } of reports) {
    if (role?.state !== 'leading' || !role.serving) continue;
    if (best === undefined || role.epoch > best.epoch) best = { id, epoch: role.epoch };
  }
  return best?.id;
}
