// Where Debian's ZooKeeper lives and how to get it: bench:compare and the tests that check Canopy against
// ZooKeeper install the `zookeeper` package when missing (if this machine may), else say why not.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { ensureDebianPackages, onPath, type Availability } from './debian-packages.js';

const run = promisify(execFile);

/** Debian's zookeeper jar; its manifest's Class-Path names every dependency jar. */
export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
/** Optional: without it ZooKeeper logs nothing (slf4j falls back to its no-op logger). */
export const SLF4J_SIMPLE_JAR = '/usr/share/java/slf4j-simple.jar';

/** Installs Debian's zookeeper (and more packages, e.g. kazoo for the runners) if needed; says why not when it cannot. */
export async function ensureZooKeeper(extraPackages: readonly string[] = []): Promise<Availability> {
  const packages = await ensureDebianPackages(['zookeeper', ...extraPackages]);
  if (!packages.ok) return packages;
  if (!existsSync(ZOOKEEPER_JAR)) return { ok: false, reason: `${ZOOKEEPER_JAR} is missing although the zookeeper package is installed` };
  if (!(await onPath('java'))) return { ok: false, reason: 'there is no java on PATH to run ZooKeeper with' };
  return { ok: true };
}

/** The classpath for ZooKeeper's server mains: the jar (which pulls in its dependencies) and a logger. */
export function zookeeperClasspath(): string {
  return [ZOOKEEPER_JAR, ...(existsSync(SLF4J_SIMPLE_JAR) ? [SLF4J_SIMPLE_JAR] : [])].join(':');
}

/** The installed package's version (e.g. 3.8.0-11+deb12u2), or undefined. */
export async function zookeeperPackageVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Version}', 'zookeeper']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `java -version`'s first line, or undefined without java. */
export async function javaVersion(): Promise<string | undefined> {
  try {
    const { stderr, stdout } = await run('java', ['-version']);
    return (stderr || stdout).split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}
