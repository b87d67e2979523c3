#!/usr/bin/env node
// npm run jute:capture — records the jute frames real ZooKeeper clients exchange with a real ZooKeeper
// (Debian's package, through a recording proxy) into test/fixtures/jute/<client>.json. Each client gets a
// fresh server: ZooKeeper's first session id has its low 16 bits clear, so it is an exact double, while
// later ones (id + 1, ...) are not (see protocol/README.md on 64-bit values).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZooKeeperServer, ensureZooKeeper } from '../../test/support/zookeeper-server.js';
import { zookeeperPackageVersion } from '../../bench/launch/zookeeper-install.js';
import { RecordingProxy } from './recording-proxy.js';
import { toFixtureFrames } from './fixture.js';
import type { JuteFixture } from './fixture.js';
import { driveKazoo, kazooVersion } from './drive-kazoo.js';
import { driveNodeZookeeperClient, loadNzc } from './drive-node-zookeeper-client.js';
import { driveRaw } from './drive-raw.js';

const FIXTURE_DIR = join('test', 'fixtures', 'jute');

interface Capture {
  file: string;
  client: () => string;
  note: string;
  drive: (proxy: RecordingProxy) => Promise<void>;
}

const CAPTURES: readonly Capture[] = [
  { file: 'kazoo.json', client: () => `kazoo ${kazooVersion()} (Debian python3-kazoo)`, note: 'Both directions are real: Kazoo and ZooKeeper.', drive: driveKazoo },
  { file: 'node-zookeeper-client.json', client: () => `node-zookeeper-client ${loadNzc().version}`, note: 'Both directions are real: node-zookeeper-client and ZooKeeper.', drive: driveNodeZookeeperClient },
  { file: 'zookeeper-answers.json', client: () => 'canopy protocol/jute encoder', note: 'Requests from this codec (ops the real clients cannot send); every response is real ZooKeeper bytes.', drive: driveRaw },
];

async function capture(c: Capture, serverName: string): Promise<void> {
  const zk = await ZooKeeperServer.start({ extendedTypes: true });
  const proxy = await RecordingProxy.start(zk.port);
  try {
    await c.drive(proxy);
    const fixture: JuteFixture = { client: c.client(), server: serverName, note: c.note, frames: toFixtureFrames(proxy.frames) };
    writeFileSync(join(FIXTURE_DIR, c.file), `${JSON.stringify(fixture, null, 1)}\n`);
    process.stdout.write(`${c.file}: ${fixture.frames.length} frames\n`);
  } finally {
    await proxy.close();
    await zk.stop();
  }
}

async function main(): Promise<void> {
  const available = await ensureZooKeeper(['python3-kazoo']);
  if (!available.ok) throw new Error(`cannot capture: ${available.reason}`);
  const serverName = `ZooKeeper ${(await zookeeperPackageVersion()) ?? '(unknown version)'} (Debian package)`;
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const only = process.argv[2];
  for (const c of CAPTURES) if (only === undefined || c.file.startsWith(only)) await capture(c, serverName);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
