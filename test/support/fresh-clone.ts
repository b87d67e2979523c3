// A fresh clone of the checkout the tests run from, as a newcomer gets it: `git clone`, the same commit
// as HEAD, then `npm ci`. Tests that need one skip (with the reason) when they do not run from a git
// checkout or git is missing; npm needs the registry (or a warm cache) for `npm ci`.
import { execFile } from 'node:child_process';
import { after, before, type TestContext } from 'node:test';
import { lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Output kept from one git or npm command (npm ci lists every package it adds). */
const COMMAND_OUTPUT_BYTES_MAX = 32 * 1024 * 1024;
/** npm ci on a cold cache fetches every package; a loaded CI machine is slow. */
export const NPM_CI_TIMEOUT_MS = 10 * 60_000;
const GIT_TIMEOUT_MS = 2 * 60_000;

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion; rejects with its output when it fails or outlives the deadline. */
export async function runCommand(file: string, args: readonly string[], opts: CommandOptions): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: COMMAND_OUTPUT_BYTES_MAX, encoding: 'utf8',
    });
    return { stdout, stderr };
  } catch (e) {
    const failed = e as { code?: unknown; signal?: unknown; stdout?: unknown; stderr?: unknown; message?: unknown };
    throw new Error(`${file} ${args.join(' ')} (in ${opts.cwd}) failed (code ${String(failed.code)}, signal ${String(failed.signal)}):\n`
      + `${String(failed.stdout ?? '')}\n${String(failed.stderr ?? failed.message ?? '')}`);
  }
}

/** The repository the running test file was built from: the git work tree holding it, or why there is none. */
export async function checkoutRoot(): Promise<{ root: string } | { skip: string }> {
  const here = dirname(fileURLToPath(import.meta.url));
  try {
    const { stdout } = await run('git', ['rev-parse', '--show-toplevel'], { cwd: here, encoding: 'utf8', timeout: GIT_TIMEOUT_MS });
    return { root: stdout.trim() };
  } catch (e) {
    return { skip: `not run from a git checkout (git rev-parse in ${here}: ${(e as Error).message.split('\n')[0]})` };
  }
}

export interface FreshClone {
  /** The clone's work tree. */
  dir: string;
  /** The commit it has checked out: the checkout's HEAD. */
  commit: string;
  /** A scratch directory beside the clone, removed with it. */
  scratch: string;
  remove(): void;
}

/** `git clone` of `root` into a temp directory, at the commit `root` has checked out (its HEAD). */
export async function cloneHead(root: string): Promise<FreshClone> {
  const base = mkdtempSync(join(tmpdir(), 'canopy-newcomer-'));
  const dir = join(base, 'canopy');
  const scratch = join(base, 'scratch');
  const remove = (): void => rmSync(base, { recursive: true, force: true });
  try {
    const commit = (await runCommand('git', ['rev-parse', 'HEAD'], { cwd: root, timeoutMs: GIT_TIMEOUT_MS })).stdout.trim();
    // A linked worktree's HEAD is not the cloned repository's HEAD: check the commit out by id.
    await runCommand('git', ['clone', '--quiet', '--no-checkout', root, dir], { cwd: base, timeoutMs: GIT_TIMEOUT_MS });
    await runCommand('git', ['checkout', '--quiet', '--detach', commit], { cwd: dir, timeoutMs: GIT_TIMEOUT_MS });
    // npm ci empties node_modules first: were a symlink to another checkout's committed, it would empty that one.
    if (lstatSync(join(dir, 'node_modules'), { throwIfNoEntry: false }) !== undefined) {
      throw new Error(`commit ${commit} tracks node_modules: a fresh clone must not hold one`);
    }
    mkdirSync(scratch);
    return { dir, commit, scratch, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/** `npm ci` in `dir`, as the README says to install. */
export async function npmCi(dir: string): Promise<CommandResult> {
  return runCommand('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, timeoutMs: NPM_CI_TIMEOUT_MS });
}

/** `git status --porcelain` of `dir`: empty when the work tree holds only committed or ignored files. */
export async function gitStatus(dir: string): Promise<string> {
  return (await runCommand('git', ['status', '--porcelain'], { cwd: dir, timeoutMs: GIT_TIMEOUT_MS })).stdout;
}

/**
 * For a describe block whose tests share one fresh clone with its dependencies installed: registers the
 * before (clone HEAD, npm ci) and after (remove) hooks, and returns what a test calls to get the clone,
 * skipping the test with the reason when this is not a git checkout.
 */
export function freshCloneForSuite(): (t: TestContext) => FreshClone | undefined {
  let clone: FreshClone | undefined;
  let skip: string | undefined;
  before(async () => {
    const checkout = await checkoutRoot();
    if ('skip' in checkout) {
      skip = checkout.skip;
      return;
    }
    clone = await cloneHead(checkout.root);
    await npmCi(clone.dir);
  });
  after(() => clone?.remove());
  return (t) => {
    if (skip !== undefined) t.skip(skip);
    return clone;
  };
}
