// Quotas through the SDK against a real server process: soft limits let writes through and show in the log
// and in the counters (SIGUSR2 diagnostics); hard limits refuse with QUOTAEXCEEDED and change nothing;
// stats follow deletes; everything holds after a restart from the log and from a snapshot.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ErrorCode, KeeperError, Op } from '../../client/index.js';
import { quotaLimitPath, quotaPath, quotaStatPath } from '../../protocol/index.js';
import type { QuotaCounters } from '../../src/replica/quota-check.js';
import { ServerProcess } from '../support/server-process.js';

const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** Sets a quota the way zkCli's setquota does: quota directories, then limits and stats. */
async function setQuota(client: Client, path: string, limits: string): Promise<void> {
  let dir = '';
  for (const seg of path.split('/').slice(1)) {
    dir += `/${seg}`;
    if ((await client.exists(quotaPath(dir))) === null) await client.create(quotaPath(dir));
  }
  await client.multi([Op.create(quotaLimitPath(path), limits), Op.create(quotaStatPath(path), 'count=0,bytes=0')]);
}

async function stats(client: Client, path: string): Promise<string> {
  return text((await client.getData(quotaStatPath(path))).data);
}

function isQuotaExceeded(e: unknown): boolean {
  return KeeperError.is(e, ErrorCode.QUOTAEXCEEDED);
}

/** The quota counters of the server's diagnostics, as `kill -USR2` logs them. */
async function counters(server: ServerProcess): Promise<QuotaCounters> {
  const mark = server.lineCount;
  server.signal('SIGUSR2');
  const m = await server.waitForLine(/ diagnostics (\{.*\})$/, { afterLine: mark });
  return (JSON.parse(m[1]!) as { replica: { quota: QuotaCounters } }).replica.quota;
}

describe('quotas on a standalone server', () => {
  let server: ServerProcess;
  let client: Client;

  before(async () => {
    server = await ServerProcess.start();
    client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
  });
  after(async () => {
    await client?.close();
    await server?.stop();
    server?.removeDataDir();
  });

  test('soft count limit: the create goes through, the stats show it, the log and the counter tell', async () => {
    await client.create('/soft-n');
    await setQuota(client, '/soft-n', 'count=2,bytes=-1');
    await client.create('/soft-n/a');
    const mark = server.lineCount;
    await client.create('/soft-n/b');
    assert.ok((await client.exists('/soft-n/b')) !== null);
    assert.equal(await stats(client, '/soft-n'), 'count=3,bytes=0');
    const line = await server.waitForLine(/WARN quota exceeded: soft limit (\{.*\})$/, { afterLine: mark });
    assert.deepEqual({ ...JSON.parse(line[1]!), server: undefined }, { quota: '/soft-n', path: '/soft-n/b', what: 'count', value: 3, limit: 2, server: undefined });
    assert.ok((await counters(server)).softLimitExceeded >= 1);
  });

  test('soft bytes limit: creates and setData go through past it and are counted', async () => {
    await client.create('/soft-b', 'abc');
    await setQuota(client, '/soft-b', 'count=-1,bytes=5');
    const before = (await counters(server)).softLimitExceeded;
    await client.create('/soft-b/x', '12');
    assert.equal((await counters(server)).softLimitExceeded, before, 'at the limit is not past it');
    await client.setData('/soft-b/x', '123');
    await client.create('/soft-b/y', '1');
    assert.equal(text((await client.getData('/soft-b/x')).data), '123');
    assert.equal(await stats(client, '/soft-b'), 'count=3,bytes=7');
    assert.equal((await counters(server)).softLimitExceeded, before + 2);
  });

  test('hard count limit: QUOTAEXCEEDED and nothing changes, alone, in a multi and pipelined', async () => {
    await client.create('/hard-n');
    await setQuota(client, '/hard-n', 'count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3');
    await client.create('/hard-n/1');
    const refusedBefore = (await counters(server)).hardLimitRefused;
    await assert.rejects(client.multi([Op.create('/hard-n/2'), Op.create('/hard-n/3')]), (e: unknown) => {
      assert.ok(e instanceof KeeperError && e.code === ErrorCode.QUOTAEXCEEDED, String(e));
      return true;
    });
    assert.equal(await client.exists('/hard-n/2'), null, 'the multi changed nothing');
    // Five creates at once for the one place left: exactly one gets it, whatever is still in flight.
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((n) => client.create(`/hard-n/${n}`)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isQuotaExceeded(r.reason), String(r.reason));
    await assert.rejects(client.create('/hard-n/1/deeper'), isQuotaExceeded);
    assert.equal(await stats(client, '/hard-n'), 'count=3,bytes=0');
    assert.equal((await client.getChildren('/hard-n')).children.length, 2);
    assert.equal((await counters(server)).hardLimitRefused, refusedBefore + 1 + 4 + 1);
    await client.create('/outside-hard-n', 'not counted');
  });

  test('hard bytes limit: creates and setData past it are refused, data and stats unchanged', async () => {
    await client.create('/hard-b', '1234');
    await setQuota(client, '/hard-b', 'byteHardLimit=10');
    await assert.rejects(client.create('/hard-b/big', '1234567'), isQuotaExceeded);
    assert.equal(await client.exists('/hard-b/big'), null);
    await client.create('/hard-b/x', '123456');
    await assert.rejects(client.setData('/hard-b/x', '1234567'), isQuotaExceeded);
    const { data, stat } = await client.getData('/hard-b/x');
    assert.equal(text(data), '123456');
    assert.equal(stat.version, 0);
    await client.setData('/hard-b/x', '12', stat.version);
    assert.equal(await stats(client, '/hard-b'), 'count=2,bytes=6');
    await client.create('/hard-b/y', '1234');
  });

  test('stats follow deletes, down to an empty subtree and a removed quota path', async () => {
    await client.create('/del', 'root');
    await client.create('/del/a', 'aa');
    await client.create('/del/a/b', 'bbb');
    await setQuota(client, '/del', 'count=100');
    assert.equal(await stats(client, '/del'), 'count=3,bytes=9');
    await client.delete('/del/a/b');
    assert.equal(await stats(client, '/del'), 'count=2,bytes=6');
    await client.multi([Op.delete('/del/a'), Op.delete('/del')]);
    assert.equal(await stats(client, '/del'), 'count=0,bytes=0');
    const stat = (await client.exists(quotaStatPath('/del')))!;
    assert.equal(stat.version, 0, 'the server updates the stats in place');
    await client.create('/del', 'again');
    assert.equal(await stats(client, '/del'), 'count=1,bytes=5');
  });

  test('malformed limits are refused with BADARGUMENTS; the rest of /zookeeper stays closed', async () => {
    await client.create('/bad');
    await client.create(quotaPath('/bad'));
    for (const bad of ['garbage', 'count=', 'countHardLimit=1;bytes=x']) {
      await assert.rejects(client.create(quotaLimitPath('/bad'), bad), (e: unknown) => KeeperError.is(e, ErrorCode.BADARGUMENTS));
    }
    await assert.rejects(client.create('/zookeeper/mine'), (e: unknown) => KeeperError.is(e, ErrorCode.BADARGUMENTS));
    await assert.rejects(client.delete('/zookeeper/quota'), (e: unknown) => KeeperError.is(e, ErrorCode.BADARGUMENTS));
    await client.create('/bad/still-serving');
  });
});

describe('quotas across restarts', () => {
  const fill = async (client: Client): Promise<void> => {
    await client.create('/r', 'r');
    await setQuota(client, '/r', 'count=2,bytes=-1=;byteHardLimit=20;countHardLimit=4');
    for (const n of ['a', 'b']) await client.create(`/r/${n}`, `data-${n}`);
    await client.delete('/r/a');
    await client.create('/r/c', 'c');
  };
  const check = async (client: Client): Promise<void> => {
    assert.equal(await stats(client, '/r'), 'count=3,bytes=8');
    await client.create('/r/d');
    await assert.rejects(client.create('/r/e'), isQuotaExceeded);
    await assert.rejects(client.setData('/r/c', '123456789012345'), isQuotaExceeded);
    assert.equal(await stats(client, '/r'), 'count=4,bytes=8');
  };

  for (const [name, snapCount] of [['from the log alone', 100_000], ['from a snapshot and the log after it', 4]] as const) {
    test(`stats and limits come back ${name}`, async () => {
      let server = await ServerProcess.start({ args: ['--snapCount', String(snapCount)] });
      try {
        let client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
        await fill(client);
        await client.close();
        await server.stop();
        server = await server.restart({ args: ['--snapCount', String(snapCount)] });
        client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
        await check(client);
        await client.close();
      } finally {
        await server.stop();
        server.removeDataDir();
      }
    });
  }
});

describe('quotas with enforceQuota=false', () => {
  test('a hard limit only logs and counts, as in ZooKeeper by default', async () => {
    const server = await ServerProcess.start({ args: ['--enforceQuota', 'false'] });
    try {
      const client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
      await client.create('/lax');
      await setQuota(client, '/lax', 'countHardLimit=1');
      await client.create('/lax/over');
      assert.equal(await stats(client, '/lax'), 'count=2,bytes=0');
      await server.waitForLine(/WARN quota exceeded: hard limit not enforced/);
      assert.deepEqual(await counters(server), { softLimitExceeded: 0, hardLimitRefused: 0, hardLimitNotEnforced: 1 });
      await client.close();
    } finally {
      await server.stop();
      server.removeDataDir();
    }
  });
});
