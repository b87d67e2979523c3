// Installs Debian packages a test or a benchmark needs (ZooKeeper, kazoo) when they are missing and this
// machine can: apt-get is there and we are root. Otherwise it says why not, so that a test skips (and
// bench:compare runs Canopy alone) with that reason instead of failing. Nothing here downloads but through apt.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const OUTPUT_CHARS_MAX = 2_000;

export type Availability = { ok: true } | { ok: false; reason: string };

async function installed(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', pkg]);
    return stdout.trim() === 'install ok installed';
  } catch {
    return false;
  }
}

/** Whether `command` is on PATH. */
export async function onPath(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', 'command -v "$0"', command]);
    return true;
  } catch {
    return false;
  }
}

function tail(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr || err.message || String(e)).trim().slice(-OUTPUT_CHARS_MAX);
}

async function aptGet(args: string[]): Promise<void> {
  await run('apt-get', args, { timeout: INSTALL_TIMEOUT_MS, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024 });
}

/** Ensures every package is installed; installs the missing ones with apt-get when it may. */
export async function ensureDebianPackages(packages: readonly string[]): Promise<Availability> {
  const missing: string[] = [];
  for (const p of packages) if (!(await installed(p))) missing.push(p);
  if (missing.length === 0) return { ok: true };
  const what = `Debian packages ${missing.join(', ')} are not installed`;
  if (!(await onPath('apt-get'))) return { ok: false, reason: `${what} and there is no apt-get on this machine` };
  if (process.getuid?.() !== 0) return { ok: false, reason: `${what} and installing them needs root` };
  const install = ['install', '-y', '--no-install-recommends', ...missing];
  try {
    await aptGet(install);
  } catch {
    // A fresh machine may have no package lists yet.
    try {
      await aptGet(['update']);
      await aptGet(install);
    } catch (e) {
      return { ok: false, reason: `${what} and apt-get install failed: ${tail(e)}` };
    }
  }
  for (const p of missing) if (!(await installed(p))) return { ok: false, reason: `apt-get did not install ${p}` };
  return { ok: true };
}
