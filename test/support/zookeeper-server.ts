// A real Apache ZooKeeper for tests that check Canopy against it: Debian's `zookeeper` package, run as a
// standalone server (ZooKeeperServerMain) with java from PATH, in a temporary directory, on a free
// loopback port. Ready once it answers the `srvr` four-letter word as a standalone server.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../bench/launch/free-ports.js';
import { zookeeperMode } from '../../bench/launch/four-letter-word.js';
import { zookeeperClasspath } from '../../bench/launch/zookeeper-install.js';
import { until } from '../../bench/launch/until.js';

// Shared with canopy-bench; re-exported for the tests that import it from here.
export { ensureZooKeeper } from '../../bench/launch/zookeeper-install.js';

const MAIN_CLASS = 'org.apache.zookeeper.server.ZooKeeperServerMain';
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_CHARS_MAX = 100_000;

export interface ZooKeeperOptions {
  /** `user:base64(sha1(user:password))`: that digest user is a super user. */
  superDigest?: string;
  /** Allow TTL nodes (zookeeper.extendedTypesEnabled). Default true. */
  extendedTypes?: boolean;
  /** How often empty containers are deleted (znode.container.checkIntervalMs; ZooKeeper's default is 60 s). */
  containerCheckIntervalMs?: number;
}

export class ZooKeeperServer {
  private output = '';
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess, readonly dir: string, readonly port: number) {
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-LOG_CHARS_MAX);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The server's output (the last LOG_CHARS_MAX characters). */
  get log(): string {
    return this.output;
  }

  static async start(options: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-zookeeper-'));
    const [port] = await freePorts(1);
    const configFile = join(dir, 'zoo.cfg');
    writeFileSync(configFile, [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr',
      '',
    ].join('\n'));
    const classpath = zookeeperClasspath();
    const props = [`-Dzookeeper.extendedTypesEnabled=${options.extendedTypes ?? true}`];
    if (options.superDigest !== undefined) props.push(`-Dzookeeper.DigestAuthenticationProvider.superDigest=${options.superDigest}`);
    if (options.containerCheckIntervalMs !== undefined) {
      if (!Number.isSafeInteger(options.containerCheckIntervalMs) || options.containerCheckIntervalMs <= 0) throw new RangeError('containerCheckIntervalMs must be a positive integer');
      props.push(`-Dznode.container.checkIntervalMs=${options.containerCheckIntervalMs}`);
    }
    const child = spawn('java', ['-cp', classpath, ...props, MAIN_CLASS, configFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ZooKeeperServer(child, dir, port!);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    let exitCode: number | null | undefined;
    void server.exited.then((code) => {
      exitCode = code;
    });
    let state: 'ready' | 'exited';
    try {
      state = await until(async () => {
        if (exitCode !== undefined) return 'exited' as const;
        return (await zookeeperMode(port!)) === 'standalone' ? 'ready' as const : false;
      }, { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, message: `ZooKeeper to serve on port ${port}` });
    } catch (e) {
      await server.stop();
      throw new Error(`${(e as Error).message}\n${server.log}`);
    }
    if (state === 'exited') {
      await server.stop();
      throw new Error(`ZooKeeper exited with ${String(exitCode)} before serving:\n${server.log}`);
    }
    return server;
  }

  /** SIGTERM, then SIGKILL if it has not exited in time; removes the directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
