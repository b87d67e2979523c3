// Kazoo's own test suite (Debian's python3-kazoo ships it as kazoo.tests) run by pytest against a 3-server
// Canopy ensemble: the plugin in test/zookeeper/kazoo_suite/ replaces Kazoo's Java ZooKeeper cluster with real
// canopy-server processes on the ZooKeeper door. Here: the packages it needs, the run itself (pytest in its
// own process group, so that a run over its deadline is killed together with the servers it started), and
// the mapping from the JUnit report back to the names exclusions are written in.
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureDebianPackages, type Availability } from './debian-packages.js';
import { parseJunitCases, type JunitCase } from './junit-xml.js';
import { SERVER_MAIN } from './server-process.js';
import { SYSTEM_PYTHON } from './zk-door.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The plugin stays in the source tree: <build dir>/test/support → <repo>/test/zookeeper/kazoo_suite. */
export const KAZOO_SUITE_PLUGIN_DIR = join(here, '..', '..', '..', 'test', 'zookeeper', 'kazoo_suite');
/**
 * Kazoo, pytest, and what Kazoo's test modules import: mock and objgraph everywhere, gevent and eventlet for
 * the tests of those handlers, pytest-timeout so that one hung test cannot hold the whole run.
 */
export const KAZOO_SUITE_PACKAGES = [
  'python3-kazoo', 'python3-pytest', 'python3-pytest-timeout', 'python3-mock', 'python3-objgraph', 'python3-gevent', 'python3-eventlet',
] as const;
const KAZOO_SUITE_MODULES = ['kazoo.tests', 'pytest', 'pytest_timeout', 'mock', 'objgraph', 'gevent', 'eventlet'];
/** Kazoo's slowest tests on ZooKeeper take about 10 s; one that takes 2 minutes hangs. */
const PER_TEST_TIMEOUT_S = 120;
const OUTPUT_TAIL_CHARS = 20_000;

/** A test, class or file of Kazoo's suite (relative to kazoo/tests, as pytest names it) left out, and why. */
export interface SuiteExclusion {
  test: string;
  reason: string;
}

/** What the plugin prefixes an exclusion's reason with when it skips the test. */
export const EXCLUDED_PREFIX = 'excluded: ';

/** The directory of Kazoo's installed tests, installing what the suite needs when missing and this machine can. */
export async function kazooSuiteAvailable(): Promise<{ ok: true; testsDir: string } | Extract<Availability, { ok: false }>> {
  const installed = await ensureDebianPackages(KAZOO_SUITE_PACKAGES);
  if (!installed.ok) return installed;
  const probe = `import os, ${KAZOO_SUITE_MODULES.join(', ')}; print(os.path.dirname(kazoo.tests.__file__))`;
  try {
    const { stdout } = await promisify(execFile)(SYSTEM_PYTHON, ['-c', probe]);
    return { ok: true, testsDir: stdout.trim() };
  } catch (e) {
    return { ok: false, reason: `${SYSTEM_PYTHON} cannot import what Kazoo's test suite needs: ${(e as Error).message.slice(0, 500)}` };
  }
}

/** The name pytest gives a case, relative to kazoo/tests: classname test_client.TestClient → test_client.py::TestClient::name. */
export function suiteId(c: Pick<JunitCase, 'classname' | 'name'>): string {
  const [module, ...classes] = c.classname.split('.');
  return [`${module}.py`, ...classes, c.name].join('::');
}

/** The plugin's rule (canopy_kazoo.matches): a file, class or test covers itself, what is below it and its parametrised variants. */
export function covers(exclusion: SuiteExclusion, id: string): boolean {
  return id === exclusion.test || id.startsWith(`${exclusion.test}::`) || id.startsWith(`${exclusion.test}[`);
}

export interface SuiteRun {
  cases: JunitCase[];
  /** pytest's exit status (0: every test that ran passed), or null when it was killed at the deadline. */
  exitCode: number | null;
  elapsedMs: number;
  /** The end of pytest's output, for a failure message. */
  outputTail: string;
}

export interface SuiteRunOptions {
  testsDir: string;
  exclusions: readonly SuiteExclusion[];
  /** Holds the exclusion file, the report, pytest's output and the members' config, data and logs. */
  workDir: string;
  deadlineMs: number;
}

/** Runs pytest on Kazoo's tests with the Canopy plugin and reads its JUnit report. */
export async function runKazooSuite(opts: SuiteRunOptions): Promise<SuiteRun> {
  const exclusionsFile = join(opts.workDir, 'exclusions.json');
  const reportFile = join(opts.workDir, 'junit.xml');
  const outputFile = join(opts.workDir, 'pytest.out');
  writeFileSync(exclusionsFile, JSON.stringify(opts.exclusions));
  const args = [
    '-m', 'pytest', '-p', 'canopy_kazoo', '-p', 'no:cacheprovider', `--timeout=${PER_TEST_TIMEOUT_S}`,
    `--rootdir=${opts.testsDir}`, '-q', '-rfE', `--junitxml=${reportFile}`, opts.testsDir,
  ];
  const env = {
    ...process.env,
    PYTHONPATH: KAZOO_SUITE_PLUGIN_DIR,
    PYTHONDONTWRITEBYTECODE: '1',
    CANOPY_SERVER_MAIN: SERVER_MAIN,
    CANOPY_NODE: process.execPath,
    CANOPY_KAZOO_DIR: join(opts.workDir, 'cluster'),
    CANOPY_KAZOO_EXCLUDE: exclusionsFile,
  };
  const output = openSync(outputFile, 'w');
  const started = performance.now();
  // Its own process group: at the deadline the group is killed, pytest and the servers it started alike.
  const child = spawn(SYSTEM_PYTHON, args, { cwd: opts.workDir, env, detached: true, stdio: ['ignore', output, output] });
  closeSync(output);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => killGroup(child.pid), opts.deadlineMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  // Whatever the plugin did not stop (it stops every member at exit) goes with the group.
  killGroup(child.pid);
  const elapsedMs = performance.now() - started;
  const outputTail = readFileSync(outputFile, 'utf8').slice(-OUTPUT_TAIL_CHARS);
  let cases: JunitCase[] = [];
  try {
    cases = parseJunitCases(readFileSync(reportFile, 'utf8'));
  } catch (e) {
    throw new Error(`no readable JUnit report from pytest (exit ${String(exitCode)}): ${(e as Error).message}\n${outputTail}`);
  }
  return { cases, exitCode, elapsedMs, outputTail };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}
