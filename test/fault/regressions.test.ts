// Bugs the fault campaigns found, each pinned by a targeted fault test on a real ensemble.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, CreateMode, KeeperError } from '../../client/index.js';
import { ErrorCode } from '../../protocol/index.js';
import { Ensemble } from '../support/ensemble.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

const WAIT_MS = 60_000;

describe('fault regressions', () => {
  let ensemble: Ensemble | undefined;
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await ensemble?.removeAll();
  });

  // Found by `test:faults` (seed 11, 5 servers): a leader frozen (SIGSTOP) for longer than a session's
  // timeout woke up, took its own silence for the client's, proposed the session's expiry and at once told
  // the client, reconnecting to it, that its session had expired. The expiry never committed (the frozen
  // leader had been replaced) and the session was alive on the new leader, its ephemeral node with it.
  test('a leader frozen past a session timeout neither expires the session nor tells its client it expired', async () => {
    ensemble = await Ensemble.start({ size: 3, tickTime: 100 });
    const e = ensemble;
    const leader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    const follower = e.servers.find((s) => s.id !== leader)!;
    const owner = await Client.connect(`127.0.0.1:${follower.clientPort}`, { sessionTimeoutMs: 1_000 });
    clients.push(owner);
    await owner.create('/stall', '');
    await owner.create('/stall/owner', '', { mode: CreateMode.EPHEMERAL });

    // A control session with the same timeout, to be cut off once the leader is frozen.
    const controlProxy = await TcpProxy.start(follower.clientPort);
    const control = await Client.connect(controlProxy.connectString, { sessionTimeoutMs: 1_000 });
    clients.push(control);
    await control.create('/stall/control', '', { mode: CreateMode.EPHEMERAL });

    e.pause(leader);
    await e.waitForLeader({ exclude: [leader], timeoutMs: WAIT_MS });
    // The freeze must outlast the session timeout: it does once the cut-off control session has expired on
    // the new leader. The owner keeps its session alive through its own server meanwhile.
    controlProxy.refuse(true);
    controlProxy.dropAll();
    await until(async () => (await owner.exists('/stall/control')) === null, { timeoutMs: WAIT_MS, message: 'the cut-off control session to expire' });
    await controlProxy.close();
    e.resume(leader);

    // The same session, reconnecting to the server that was frozen, right after it wakes up.
    let told: unknown;
    const again = await Client.connect(`127.0.0.1:${e.server(leader).clientPort}`, {
      sessionTimeoutMs: 1_000, sessionId: owner.sessionId, sessionPasswd: owner.sessionPasswd, connectTimeoutMs: 30_000,
    }).catch((err: unknown) => { told = err; return undefined; });
    if (again !== undefined) clients.push(again);
    assert.ok(!(told instanceof KeeperError && told.code === ErrorCode.SESSIONEXPIRED), `the live session was reported expired: ${String(told)}`);
    assert.ok(again !== undefined, `the session could not reconnect to the woken server: ${String(told)}`);

    await until(async () => (await again.exists('/stall/owner')) !== null, { timeoutMs: WAIT_MS, message: 'the ephemeral node still there' });
    const stat = await again.exists('/stall/owner');
    assert.equal(stat?.ephemeralOwner, owner.sessionId);
  });
});
