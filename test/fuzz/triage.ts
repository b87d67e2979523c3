// Finds which input of a failing batch is to blame by replaying the batch's connections one at a time
// against a fresh target (each followed by a well-behaved round trip through the server's whole
// pipeline), then, on another fresh target, each frame of the culprit connection alone (after its
// opening, if any). For a crash the culprit is what kills a server; for a stall, what costs the server
// the most CPU time (measured from /proc), if that is over the threshold.
import { runScript, type Script } from './conn.js';
import { describeFrame, helloFrame } from './report.js';
import { cpuMsOf, startTarget, type Target } from './targets.js';

const PROBE_BOUND_MS = 5_000;

export interface TriageResult {
  /** One line (plus the frame description) naming the culprit, or saying none was found alone. */
  summary: string;
  reproduced: boolean;
}

export type TriageMode = { kind: 'crash' } | { kind: 'cpu'; thresholdMs: number };

/** Runs a script and a well-behaved round after it; returns whether a server died and the CPU ms the servers spent. */
export async function probe(target: Target, script: Script): Promise<{ died: boolean; cpuMs: number }> {
  const cpu = (): number => target.watched.reduce((sum, w) => sum + cpuMsOf(w.proc.child.pid), 0);
  const before = cpu();
  await runScript('127.0.0.1', target.portFor(script.role), script);
  const w = target.watched.find((x) => x.role === script.role) ?? target.watched[0]!;
  const good = target.good[target.watched.indexOf(w)] ?? target.good[0]!;
  const exited = w.proc.waitExit().then(() => 'exited' as const);
  await Promise.race([good.round(PROBE_BOUND_MS).catch(() => 'late'), exited]);
  return { died: target.watched.some((x) => !x.proc.alive), cpuMs: cpu() - before };
}

/** Index of the script that fails (crash: kills a server; cpu: costs the most, over the threshold), with its cost. */
async function find(target: Target, scripts: readonly Script[], mode: TriageMode): Promise<{ index: number; cpuMs: number } | undefined> {
  let worst: { index: number; cpuMs: number } | undefined;
  for (let i = 0; i < scripts.length; i++) {
    const { died, cpuMs } = await probe(target, scripts[i]!);
    if (mode.kind === 'crash' && died) return { index: i, cpuMs };
    if (mode.kind === 'cpu' && cpuMs > (worst?.cpuMs ?? mode.thresholdMs)) worst = { index: i, cpuMs };
  }
  return worst;
}

/** Starts a fresh target of the same kind, letting `prepare` adapt the scripts to it (peer: the ensemble id). */
export async function triage(
  kind: 'client' | 'peer', prepare: (t: Target) => readonly Script[], log: (line: string) => void, mode: TriageMode = { kind: 'crash' },
): Promise<TriageResult> {
  const what = mode.kind === 'crash' ? 'kills the server' : `costs the servers over ${mode.thresholdMs} ms of CPU`;
  let target = await startTarget(kind);
  let culprit: { index: number; cpuMs: number } | undefined;
  try {
    const scripts = prepare(target);
    log(`triage: replaying ${scripts.length} connections one at a time against a fresh ${kind} target`);
    culprit = await find(target, scripts, mode);
  } finally {
    await target.stop().catch(() => undefined);
  }
  if (culprit === undefined) return { summary: `no single connection of the batch ${what} when replayed alone (it needs the concurrency or earlier state)`, reproduced: false };

  target = await startTarget(kind);
  try {
    const script = prepare(target)[culprit.index]!;
    const where = `connection ${culprit.index} (${script.channel} port of the ${script.role}, ${script.opening !== undefined || script.hello?.valid === true ? 'after a valid handshake' : 'before the handshake'})`;
    const cost = mode.kind === 'cpu' ? ` (${culprit.cpuMs} ms of CPU)` : '';
    const candidates: Script[] = [
      ...(script.hello !== undefined && !script.hello.valid ? [{ ...script, frames: [] }] : []),
      ...script.frames.map((f) => ({ ...script, frames: [f], resumeAt: undefined })),
    ];
    const found = await find(target, candidates, mode);
    if (found === undefined) return { summary: `${where}${cost} ${what}, but none of its frames does alone`, reproduced: true };
    const alone = candidates[found.index]!;
    const frame = alone.frames[0];
    const shown = frame === undefined ? `its hello: ${describeFrame(helloFrame(alone.hello?.value), alone.hello?.notes ?? [])}` : describeFrame(frame.data, frame.notes);
    const frameCost = mode.kind === 'cpu' ? ` (${found.cpuMs} ms of CPU)` : '';
    return { summary: `${where}: ${frame === undefined ? 'its hello' : 'one frame'} alone ${what}${frameCost}:\n    ${shown}`, reproduced: true };
  } finally {
    await target.stop().catch(() => undefined);
  }
}
