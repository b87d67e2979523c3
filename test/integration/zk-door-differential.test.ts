// Differential test of the ZooKeeper door: the same seeded op sequences (test/support/zk-diff-ops.ts) go
// through node-zookeeper-client, three sessions interleaved, to Apache ZooKeeper (Debian's, standalone), to a
// standalone Canopy and to a 3-server Canopy ensemble with each session on its own member. Every op's answer
// (error code or result, Stats with zxids compared by order, sequential names), every notification each
// session received and the final tree must be the same. A failing seed names the op and how to replay it.
//
// CANOPY_DIFF_SEEDS=N runs seeds 1..N (default 20), CANOPY_DIFF_OPS=M ops per seed (default 60), and
// CANOPY_DIFF_SEED=S runs seed S alone (`npm run test:differential` runs many more seeds).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { diffOps } from '../support/zk-diff-ops.js';
import type { DiffOp } from '../support/zk-diff-ops.js';
import { runDiff } from '../support/zk-diff-run.js';
import type { DiffTarget, RunRecord } from '../support/zk-diff-run.js';
import { zkPortOf } from '../support/zk-door.js';
import { ZooKeeperServer, ensureZooKeeper } from '../support/zookeeper-server.js';

const SEEDS_DEFAULT = 20;
const OPS_DEFAULT = 60;
const SEEDS_MAX = 100_000;
const OPS_MAX = 10_000;
/**
 * Empty containers are deleted by a timer on both systems (60 s by default): a run must not depend on when it
 * fires, so it never does during the test. The ops' answers about containers are compared, not the reaper.
 */
const CONTAINER_CHECK_INTERVAL_MS = 86_400_000;
const RECORD_CHARS_MAX = 4_000;

/** A positive integer from the environment (at most max), or fallback when unset. */
function envCount(name: string, fallback: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > max) throw new RangeError(`${name} must be an integer in [1, ${max}]`);
  return Number(text);
}

function seedsToRun(): number[] {
  if (process.env.CANOPY_DIFF_SEED !== undefined && process.env.CANOPY_DIFF_SEED !== '') return [envCount('CANOPY_DIFF_SEED', 1, 2 ** 31 - 1)];
  return Array.from({ length: envCount('CANOPY_DIFF_SEEDS', SEEDS_DEFAULT, SEEDS_MAX) }, (_, i) => i + 1);
}

const seeds = seedsToRun();
const opCount = envCount('CANOPY_DIFF_OPS', OPS_DEFAULT, OPS_MAX);
const installed = await ensureZooKeeper();
const skip = installed.ok ? false : `Apache ZooKeeper is not available: ${installed.reason}`;

function clip(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= RECORD_CHARS_MAX ? text : `${text.slice(0, RECORD_CHARS_MAX)}…`;
}

/** Undefined when the records are equal; otherwise where they first differ, with both sides and the op. */
function difference(seed: number, ops: readonly DiffOp[], zookeeper: RunRecord, canopy: RunRecord, target: string): string | undefined {
  const replay = `replay: CANOPY_DIFF_SEED=${seed} CANOPY_DIFF_OPS=${ops.length} node --test dist/test/integration/zk-door-differential.test.js`;
  for (let i = 0; i < Math.max(zookeeper.steps.length, canopy.steps.length); i++) {
    if (isDeepStrictEqual(zookeeper.steps[i], canopy.steps[i])) continue;
    return [
      `seed ${seed}, op ${i} differs on ${target}: ${clip(ops[i])}`,
      `  ZooKeeper: ${clip(zookeeper.steps[i])}`,
      `  Canopy:    ${clip(canopy.steps[i])}`,
      `  ops before it: ${clip(ops.slice(Math.max(0, i - 5), i))}`,
      `  ${replay}`,
    ].join('\n');
  }
  if (isDeepStrictEqual(zookeeper.tree, canopy.tree)) return undefined;
  return [
    `seed ${seed}: the final tree differs on ${target}`,
    `  ZooKeeper: ${clip(zookeeper.tree)}`,
    `  Canopy:    ${clip(canopy.tree)}`,
    `  ${replay}`,
  ].join('\n');
}

describe(`node-zookeeper-client: ${seeds.length} seeded sequences of ${opCount} ops on Apache ZooKeeper and on Canopy's ZooKeeper door`, { skip }, () => {
  let zookeeper: ZooKeeperServer;
  let standalone: ServerProcess;
  let ensemble: Ensemble;
  let secretDir: string | undefined;
  const targets: { zookeeper?: DiffTarget; standalone?: DiffTarget; ensemble?: DiffTarget } = {};
  const canopyArgs = ['--zkClientPort', '0', '--containerCheckIntervalMs', String(CONTAINER_CHECK_INTERVAL_MS)];

  before(async () => {
    zookeeper = await ZooKeeperServer.start({ containerCheckIntervalMs: CONTAINER_CHECK_INTERVAL_MS });
    standalone = await ServerProcess.start({ args: canopyArgs });
    // Peers authenticate (shared secret): only then does the leader judge a write a follower forwards by the
    // client's identities (its ip id here), as ZooKeeper does; without it such writes count as anonymous
    // (README, "Threat model and defaults") and every ip ACL would refuse them.
    secretDir = mkdtempSync(join(tmpdir(), 'canopy-differential-secret-'));
    const secretFile = join(secretDir, 'peer.secret');
    writeFileSync(secretFile, `${randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
    ensemble = await Ensemble.start({ size: 3, args: canopyArgs, extraConfig: { 'quorum.auth.secretFile': secretFile } });
    const zkHost = zookeeper.connectString;
    const standaloneHost = `127.0.0.1:${await zkPortOf(standalone)}`;
    const memberHosts = await Promise.all(ensemble.servers.map(async (s) => `127.0.0.1:${await zkPortOf(s.process!)}`));
    targets.zookeeper = { name: 'Apache ZooKeeper', hostOf: () => zkHost };
    targets.standalone = { name: 'a standalone Canopy', hostOf: () => standaloneHost };
    // Each session on its own member: one session's writes reach the others' members through ZAB.
    targets.ensemble = { name: 'a 3-server Canopy ensemble', hostOf: (session) => memberHosts[session % memberHosts.length]! };
  });

  after(async () => {
    await zookeeper?.stop();
    await standalone?.stop();
    standalone?.removeDataDir();
    await ensemble?.stopAll();
    await ensemble?.removeAll();
    if (secretDir !== undefined) rmSync(secretDir, { recursive: true, force: true });
  });

  for (const seed of seeds) {
    test(`seed ${seed}: the standalone server and the ensemble answer as ZooKeeper does`, async () => {
      const ops = diffOps(seed, opCount);
      const expected = await runDiff(targets.zookeeper!, seed, ops);
      const differences: string[] = [];
      for (const target of [targets.standalone!, targets.ensemble!]) {
        const found = difference(seed, ops, expected, await runDiff(target, seed, ops), target.name);
        if (found !== undefined) differences.push(found);
      }
      if (differences.length > 0) assert.fail(differences.join('\n\n'));
    });
  }
});
