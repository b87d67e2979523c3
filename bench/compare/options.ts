// bench:compare's command line, parsed into one validated object; a bad value is a UsageError (exit 2).
import { UsageError } from '../errors.js';
import { serverSettings, settingsForTick, type ServerSettings } from '../launch/server-settings.js';
import type { SystemName } from '../types.js';
import { FULL_SCALE, PLAN_NAMES, QUICK_SCALE, SHAPES, planCases, type CompareCase, type PlanName, type PlanScale, type Shape } from './plan.js';

export interface CompareOptions {
  /** Which client drives each system, and which cases may run. */
  plan: PlanName;
  shapes: Shape[];
  cases: CompareCase[];
  systems: SystemName[];
  rounds: number;
  scale: PlanScale;
  settings: ServerSettings;
  out: string | undefined;
  writeDoc: boolean;
  docsDir: string;
  /** Where the clusters' temporary directories go; undefined: the OS's. */
  dataDir: string | undefined;
}

/** What yargs hands over: strings and numbers as typed, not yet checked. */
export interface CompareArgs {
  plan?: string;
  shapes?: string;
  workloads?: string;
  systems?: string;
  rounds?: number;
  duration?: number;
  warmup?: number;
  znodes?: number;
  quick?: boolean;
  tickTime?: number;
  out?: string;
  writeDoc?: boolean;
  docsDir: string;
  dataDir?: string;
}

export const LIMITS = {
  rounds: [1, 100],
  duration: [0.1, 3_600],
  warmup: [0, 600],
  znodes: [1, 10_000_000],
  'tick-time': [10, 60_000],
} as const;

const SYSTEMS: readonly SystemName[] = ['canopy', 'zookeeper'];
const LIST_ITEMS_MAX = 64;

function inRange(name: keyof typeof LIMITS, value: number | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const [min, max] = LIMITS[name];
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${String(value)}`);
  }
  return value;
}

function list(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0 || items.length > LIST_ITEMS_MAX) throw new UsageError(`--${flag} must list 1 to ${LIST_ITEMS_MAX} names`);
  return items;
}

/** A name picks the case of that id, or every case in its family (latency, watch-fanout, sessions). */
export function selectCases(all: readonly CompareCase[], text: string | undefined): CompareCase[] {
  if (text === undefined) return [...all];
  const picked = new Set<CompareCase>();
  for (const name of list('workloads', text)) {
    const matches = all.filter((c) => c.id === name || c.id.startsWith(`${name}-`));
    if (matches.length === 0) throw new UsageError(`--workloads: '${name.slice(0, 40)}' is none of ${all.map((c) => c.id).join(', ')} (or latency, watch-fanout, sessions)`);
    for (const c of matches) picked.add(c);
  }
  return all.filter((c) => picked.has(c));
}

function resolvePlan(text: string | undefined): PlanName {
  if (text === undefined) return 'own-clients';
  if (typeof text !== 'string' || !(PLAN_NAMES as readonly string[]).includes(text)) {
    throw new UsageError(`--plan must be one of ${PLAN_NAMES.join(', ')}, not '${String(text).slice(0, 40)}'`);
  }
  return text as PlanName;
}

export function resolveCompareOptions(args: CompareArgs): CompareOptions {
  const plan = resolvePlan(args.plan);
  const base = args.quick === true ? QUICK_SCALE : FULL_SCALE;
  const scale: PlanScale = {
    ...base,
    durationSeconds: inRange('duration', args.duration, false) ?? base.durationSeconds,
    warmupSeconds: inRange('warmup', args.warmup, false) ?? base.warmupSeconds,
    znodes: inRange('znodes', args.znodes, true) ?? base.znodes,
  };
  const shapes = args.shapes === undefined ? [...SHAPES] : list('shapes', args.shapes).map((name) => {
    const shape = SHAPES.find((s) => s.name === name);
    if (shape === undefined) throw new UsageError(`--shapes: '${name.slice(0, 40)}' is none of ${SHAPES.map((s) => s.name).join(', ')}`);
    return shape;
  });
  const systems = args.systems === undefined ? [...SYSTEMS] : list('systems', args.systems).map((name) => {
    if (!SYSTEMS.includes(name as SystemName)) throw new UsageError(`--systems: '${name.slice(0, 40)}' is none of ${SYSTEMS.join(', ')}`);
    return name as SystemName;
  });
  const tickTimeMs = inRange('tick-time', args.tickTime, true);
  let settings: ServerSettings;
  try {
    settings = tickTimeMs === undefined ? serverSettings() : settingsForTick(tickTimeMs);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return {
    plan,
    shapes: shapes.filter((s, i) => shapes.indexOf(s) === i),
    cases: selectCases(planCases(plan, scale), args.workloads),
    systems: systems.filter((s, i) => systems.indexOf(s) === i),
    rounds: inRange('rounds', args.rounds, true) ?? (args.quick === true ? 1 : 3),
    scale,
    settings,
    out: args.out,
    writeDoc: args.writeDoc === true,
    docsDir: args.docsDir,
    dataDir: args.dataDir,
  };
}

/** How the run was asked for, for the page: a zk-client run reads as its npm script, as the page tells people to run it. */
export function commandLine(args: readonly string[]): string {
  const at = args.findIndex((a, i) => (a === '--plan' && args[i + 1] === 'zk-client') || a === '--plan=zk-client');
  const planArgs = at === -1 ? 0 : args[at] === '--plan' ? 2 : 1;
  const rest = args.filter((_, i) => at === -1 || i < at || i >= at + planArgs);
  const script = at === -1 ? 'bench:compare' : 'bench:compare:zk-client';
  return `npm run ${script}${rest.length > 0 ? ` -- ${rest.join(' ')}` : ''}`;
}
