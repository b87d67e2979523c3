// Cross-site WebSocket hijacking: a page on any web site can open a WebSocket to a server on the user's
// machine or network (browsers send the page's Origin and let the server decide). The server refuses an
// upgrade whose Origin is not in allowedOrigins with HTTP 403; clients that send no Origin (Node's ws, the SDK
// in Node) are unaffected.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, OpCode } from '../../protocol/index.js';
import { Client } from '../../client/index.js';
import { RawClient } from '../support/raw-client.js';
import { ServerProcess } from '../support/server-process.js';

const EVIL = 'https://evil.example';
const APP = 'https://app.example';
const ADMIN = 'https://admin.example';

/** Opens a WebSocket with an Origin header; resolves with 'open' or the HTTP status that refused it. */
async function tryOrigin(port: number, origin: string | undefined): Promise<'open' | string> {
  try {
    const raw = await RawClient.open(port, origin === undefined ? {} : { headers: { Origin: origin } });
    const hello = await raw.handshake();
    assert.equal(hello.err, ErrorCode.OK);
    const reply = await raw.request({ xid: 1, op: OpCode.exists, path: '/', watch: false });
    assert.equal(reply.err, ErrorCode.OK);
    raw.close();
    return 'open';
  } catch (e) {
    return (e as Error).message;
  }
}

async function sdkWorks(server: ServerProcess): Promise<void> {
  const client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
  try {
    assert.notEqual(await client.exists('/'), null);
  } finally {
    await client.close();
  }
}

describe('abuse: Origin (allowedOrigins empty, the default)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start();
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
  });

  test('an upgrade with a foreign Origin is refused with HTTP 403', async () => {
    assert.match(await tryOrigin(server.port, EVIL), /HTTP 403/);
    assert.match(await tryOrigin(server.port, APP), /HTTP 403/, 'no origin is allowed by default');
    assert.match(await tryOrigin(server.port, 'null'), /HTTP 403/, "a sandboxed page's Origin is 'null'");
  });

  test('clients without an Origin header work: raw ws and the SDK', async () => {
    assert.equal(await tryOrigin(server.port, undefined), 'open');
    await sdkWorks(server);
  });
});

describe('abuse: Origin (allowedOrigins lists two origins)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start({ args: ['--allowedOrigins', `${APP},${ADMIN}`] });
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
  });

  test('the listed origins connect and are served; others get HTTP 403; no Origin still works', async () => {
    assert.equal(await tryOrigin(server.port, APP), 'open');
    assert.equal(await tryOrigin(server.port, ADMIN), 'open');
    assert.match(await tryOrigin(server.port, EVIL), /HTTP 403/);
    // Exact match only: not a prefix, not another scheme or port.
    assert.match(await tryOrigin(server.port, `${APP}.evil.example`), /HTTP 403/);
    assert.match(await tryOrigin(server.port, 'http://app.example'), /HTTP 403/);
    assert.match(await tryOrigin(server.port, `${APP}:8443`), /HTTP 403/);
    assert.equal(await tryOrigin(server.port, undefined), 'open');
    await sdkWorks(server);
  });
});

describe('abuse: Origin (allowedOrigins is *)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start({ args: ['--allowedOrigins', '*'] });
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
  });

  test('any origin connects', async () => {
    assert.equal(await tryOrigin(server.port, EVIL), 'open');
    assert.equal(await tryOrigin(server.port, APP), 'open');
    assert.equal(await tryOrigin(server.port, undefined), 'open');
  });
});
