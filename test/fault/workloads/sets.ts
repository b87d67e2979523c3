// Sets: clients add sequential children under one parent, each carrying a unique element. At the end every
// acknowledged element must be present exactly once, under the name its create returned; an element whose
// create had no answer may be present at most once; nothing else may be present.
import type { Client } from '../../../client/index.js';
import { CreateMode } from '../../../protocol/index.js';
import { attempt, ClientSlot } from './client-slot.js';
import { ClientLoops } from './context.js';
import type { WorkloadContext } from './context.js';

const PARENT = '/set';
const PREFIX = `${PARENT}/e-`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface SetAdd {
  element: string;
  client: number;
  invokedAt: number;
  completedAt: number | null;
  outcome: 'ok' | 'unknown';
  /** The created path, when acknowledged. */
  path?: string;
  error?: string;
}

export interface SetFinal {
  /** Child name → element it holds. */
  children: Record<string, string>;
}

export interface SetVerdict {
  ok: boolean;
  acknowledged: number;
  unknown: number;
  present: number;
  problems: string[];
}

export class SetWorkload {
  private readonly adds: SetAdd[] = [];
  private readonly loops = new ClientLoops();

  constructor(private readonly ctx: WorkloadContext, private readonly clients: number) {}

  async setup(admin: Client): Promise<void> {
    await admin.create(PARENT);
  }

  start(): void {
    this.loops.start(this.clients, (i) => this.clientLoop(i));
  }

  stop(): Promise<void> {
    return this.loops.stop();
  }

  get records(): readonly SetAdd[] {
    return this.adds;
  }

  private async clientLoop(index: number): Promise<void> {
    const { ctx } = this;
    const rng = ctx.rng(index);
    const slot = new ClientSlot(ctx.connectString(index), ctx.clientOptions, ctx.nextClientId);
    let n = 0;
    while (this.loops.running) {
      const client = await slot.ensure();
      if (client === undefined) continue;
      const add: SetAdd = { element: `s${slot.logicalId}-${++n}`, client: slot.logicalId, invokedAt: ctx.clock(), completedAt: null, outcome: 'unknown' };
      this.adds.push(add);
      const result = await attempt(() => client.create(PREFIX, encoder.encode(add.element), { mode: CreateMode.PERSISTENT_SEQUENTIAL }), ctx.opDeadlineMs);
      if (result.kind === 'ok') {
        add.outcome = 'ok';
        add.completedAt = ctx.clock();
        add.path = result.value;
      } else {
        add.error = result.kind === 'timeout' ? 'DEADLINE' : result.name;
        if (result.kind === 'timeout' || result.name === 'SESSIONEXPIRED') slot.retire();
      }
      await ctx.pause(rng.int(0, 10));
    }
    await slot.close();
  }

  /** Reads the set back (after a sync, so from the latest committed state). */
  static async readFinal(client: Client): Promise<SetFinal> {
    await client.sync(PARENT);
    const { children } = await client.getChildren(PARENT);
    const out: Record<string, string> = {};
    for (const name of children) out[name] = decoder.decode((await client.getData(`${PARENT}/${name}`)).data);
    return { children: out };
  }

  check(final: SetFinal): SetVerdict {
    return checkSet(this.adds, final);
  }
}

export function checkSet(adds: readonly SetAdd[], final: SetFinal): SetVerdict {
  const problems: string[] = [];
  const byElement = new Map<string, string[]>();
  for (const [name, element] of Object.entries(final.children)) {
    const names = byElement.get(element) ?? [];
    names.push(name);
    byElement.set(element, names);
  }
  const attempted = new Map(adds.map((a) => [a.element, a]));
  for (const [element, names] of byElement) {
    if (names.length > 1) problems.push(`duplicate: element ${element} is present ${names.length} times (${names.sort().join(', ')})`);
    if (!attempted.has(element)) problems.push(`phantom: element ${element} (${names.join(', ')}) was never added`);
  }
  let acknowledged = 0;
  for (const a of adds) {
    if (a.outcome !== 'ok') continue;
    acknowledged++;
    const names = byElement.get(a.element);
    if (names === undefined) problems.push(`lost: element ${a.element} was acknowledged as ${a.path} at ${a.completedAt?.toFixed(1)} ms but is missing`);
    else if (a.path !== undefined && !names.some((n) => `${PARENT}/${n}` === a.path)) {
      problems.push(`moved: element ${a.element} was acknowledged as ${a.path} but is at ${names.join(', ')}`);
    }
  }
  problems.push(...checkSequenceOrder(adds));
  return { ok: problems.length === 0, acknowledged, unknown: adds.length - acknowledged, present: Object.keys(final.children).length, problems };
}

/** Sequence numbers follow commit order: an add acknowledged before another began has the smaller one. */
function checkSequenceOrder(adds: readonly SetAdd[]): string[] {
  const acked = adds.filter((a) => a.outcome === 'ok' && a.path !== undefined && a.completedAt !== null)
    .map((a) => ({ a, seq: Number(a.path!.slice(-10)) }));
  const byCompletion = [...acked].sort((x, y) => x.a.completedAt! - y.a.completedAt!);
  const byInvocation = [...acked].sort((x, y) => x.a.invokedAt - y.a.invokedAt);
  const problems: string[] = [];
  let done = 0;
  let highest: (typeof acked)[number] | undefined;
  for (const b of byInvocation) {
    while (done < byCompletion.length && byCompletion[done]!.a.completedAt! < b.a.invokedAt) {
      const c = byCompletion[done++]!;
      if (highest === undefined || c.seq > highest.seq) highest = c;
    }
    if (highest !== undefined && highest.seq >= b.seq) {
      problems.push(`reordered: ${highest.a.path} (${highest.a.element}) was acknowledged before ${b.a.element} began, yet ${b.a.path} does not come after it`);
      if (problems.length >= 20) break;
    }
  }
  return problems;
}
