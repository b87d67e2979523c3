// canopy-admin snapshot save: a live server's tree, streamed from its admin endpoint (/commands/snapshot: a
// reference copy taken at one zxid, so consistent however many writes go on meanwhile), written to FILE.tmp,
// fsynced, read back and verified frame by frame, then renamed to FILE and the directory fsynced. A file at
// FILE is therefore always a whole archive that verified; a failed save leaves no FILE behind.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readSnapshotArchiveWithFacts } from '../storage/snapshot-archive-read.js';
import { DEFAULT_ADMIN_PORT, adminGet, endpointError, parseAdminEndpoint, readTokenFile, timeoutArg, type GetOptions } from './admin-endpoint-client.js';
import { type AdminIo, EXIT, defineSubcommand, printable } from './subcommand.js';

export interface SavedSnapshot {
  file: string;
  zxid: number;
  nodeCount: number;
  sessionCount: number;
  bytes: number;
  createdAtMs: number;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function finish(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** Streams the server's snapshot into `file`; resolves with what the verified archive holds. */
export async function saveSnapshot(server: string, file: string, opts: GetOptions): Promise<SavedSnapshot> {
  const endpoint = parseAdminEndpoint(server);
  const res = await adminGet(endpoint, '/commands/snapshot', opts);
  const status = res.statusCode ?? 0;
  if (status !== 200) {
    res.resume();
    if (status === 401) throw endpointError(`${endpoint.label}: the admin endpoint wants a bearer token (--token-file)`);
    if (status === 503) throw endpointError(`${endpoint.label}: the server is not serving (electing or syncing); try again or ask another server`);
    if (status === 429) throw endpointError(`${endpoint.label}: a snapshot is already streaming from this server; try again when it is done`);
    throw endpointError(`${endpoint.label}/commands/snapshot: HTTP ${status}`);
  }
  const announced = typeof res.headers.last_zxid === 'string' ? res.headers.last_zxid : undefined;
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp, { flags: 'w', mode: 0o600 });
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
    }
    await finish(out);
    await fsyncPath(tmp);
    // Read back what is on disk: a stream cut short, or bytes damaged on the way, fail here and not at restore.
    const { snapshot, facts } = await readSnapshotArchiveWithFacts(createReadStream(tmp), { reviveSnapshotNode: () => 0 });
    if (announced !== undefined && announced !== `0x${snapshot.zxid.toString(16)}`) {
      throw endpointError(`the archive is at zxid 0x${snapshot.zxid.toString(16)} but the server announced ${announced.slice(0, 20)}`);
    }
    await rename(tmp, file);
    await fsyncPath(dirname(file));
    return { file, zxid: snapshot.zxid, nodeCount: snapshot.nodes.length, sessionCount: snapshot.sessions.length, bytes: facts.bytes, createdAtMs: facts.createdAtMs };
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}

export const snapshotSaveCommand = defineSubcommand({
  group: 'snapshot',
  command: 'save <file>',
  describe: 'stream a live server\'s state at one zxid into FILE (written whole and verified, or not at all)',
  builder: (y) => y
    .positional('file', { type: 'string', demandOption: true, describe: 'where the archive goes' })
    .option('server', { type: 'string', default: `127.0.0.1:${DEFAULT_ADMIN_PORT}`, describe: 'the server\'s admin endpoint (host:port)' })
    .option('token-file', { type: 'string', describe: 'file holding the bearer token of the server\'s admin.tokenFile' })
    .option('timeout', { type: 'number', default: 60_000, describe: 'ms the server may stay silent before the save is given up' }),
  run: async (args, io: AdminIo) => {
    const token = args.tokenFile === undefined ? undefined : readTokenFile(args.tokenFile);
    const saved = await saveSnapshot(args.server, args.file, { token, timeoutMs: timeoutArg(args.timeout) });
    await io.out(`saved the snapshot at zxid 0x${saved.zxid.toString(16)} (${saved.nodeCount} znodes, ${saved.sessionCount} sessions, ${saved.bytes} bytes) to ${printable(saved.file)}\n`);
    return EXIT.ok;
  },
});
