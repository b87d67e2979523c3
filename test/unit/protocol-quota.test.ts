// The StatsTrack text of zookeeper_limits and zookeeper_stats nodes: what ZooKeeper's server and zkCli write
// reads back the same, and what a hostile client writes is refused rather than half understood.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatQuotaUsage,
  formatStatsTrack,
  isBelowQuotaRoot,
  isQuotablePath,
  parseQuotaLimits,
  parseStatsTrack,
  quotaLimitPath,
  quotaStatPath,
  quotaSubjectOf,
} from '../../protocol/index.js';

describe('StatsTrack text', () => {
  test('reads what ZooKeeper 3.8 writes, the stray "=" after bytes included', () => {
    assert.deepEqual(parseQuotaLimits('count=3,bytes=-1=;byteHardLimit=-1;countHardLimit=10'), { count: 3, bytes: -1, countHardLimit: 10, byteHardLimit: -1 });
    assert.deepEqual(parseQuotaLimits('count=-1,bytes=100'), { count: -1, bytes: 100, countHardLimit: -1, byteHardLimit: -1 });
    assert.deepEqual(parseQuotaLimits(''), { count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1 });
    assert.deepEqual(parseQuotaLimits('countHardLimit=2;;,'), { count: -1, bytes: -1, countHardLimit: 2, byteHardLimit: -1 });
  });

  test('writes what ZooKeeper writes: count and bytes first, then "=" and the other keys sorted', () => {
    const pairs = new Map([['countHardLimit', 10], ['count', 3], ['byteHardLimit', -1], ['bytes', -1]]);
    assert.equal(formatStatsTrack(pairs), 'count=3,bytes=-1=;byteHardLimit=-1;countHardLimit=10');
    assert.equal(formatStatsTrack(new Map([['count', 2]])), 'count=2,bytes=-1');
    assert.equal(formatQuotaUsage({ count: 2, bytes: 6 }), 'count=2,bytes=6');
    const text = 'count=3,bytes=-1=;byteHardLimit=-1;countHardLimit=10;somethingNew=4';
    assert.equal(formatStatsTrack(parseStatsTrack(text)!), text, 'unknown keys survive a rewrite');
  });

  test('refuses what is not StatsTrack text', () => {
    for (const bad of ['garbage', 'count=', 'count=abc', 'count=1.5', '=3', 'count', ' count=1', 'count=1 ', 'count=+1', 'count=1=2', 'a b=1', '__proto__=1', `count=${'9'.repeat(20)}`, 'count=0x10', 'c\u0000=1', `${'k'.repeat(65)}=1`]) {
      assert.equal(parseStatsTrack(bad), undefined, bad);
      assert.equal(parseQuotaLimits(bad), undefined, bad);
    }
  });

  test('keeps huge values as numbers past any real tree, and a later key wins', () => {
    assert.equal(parseQuotaLimits('bytes=9223372036854775807')!.bytes, Number.MAX_SAFE_INTEGER);
    assert.equal(parseQuotaLimits('count=-9223372036854775808')!.count, -Number.MAX_SAFE_INTEGER);
    assert.equal(parseQuotaLimits('count=1,count=5')!.count, 5);
    const keys = parseStatsTrack('constructor=1,toString=2,hasOwnProperty=3')!;
    assert.equal(keys.get('constructor'), 1);
    assert.equal(parseQuotaLimits('constructor=1')!.count, -1);
  });
});

describe('quota paths', () => {
  test('limit and stat nodes of a path, and back', () => {
    assert.equal(quotaLimitPath('/a/b'), '/zookeeper/quota/a/b/zookeeper_limits');
    assert.equal(quotaStatPath('/a/b'), '/zookeeper/quota/a/b/zookeeper_stats');
    assert.equal(quotaSubjectOf('/zookeeper/quota/a/b/zookeeper_limits', 'limit'), '/a/b');
    assert.equal(quotaSubjectOf('/zookeeper/quota/a/b/zookeeper_stats', 'stat'), '/a/b');
    assert.equal(quotaSubjectOf('/zookeeper/quota/a/b/zookeeper_stats', 'limit'), undefined);
  });

  test('no quota directly under /zookeeper/quota, inside /zookeeper, or outside /zookeeper/quota', () => {
    assert.equal(quotaSubjectOf('/zookeeper/quota/zookeeper_limits', 'limit'), undefined);
    assert.equal(quotaSubjectOf('/zookeeper/quota/zookeeper/zookeeper_limits', 'limit'), undefined);
    assert.equal(quotaSubjectOf('/zookeeper/quota/zookeeper/config/zookeeper_limits', 'limit'), undefined);
    assert.equal(quotaSubjectOf('/zookeeper/config/zookeeper_limits', 'limit'), undefined);
    assert.equal(quotaSubjectOf('/a/zookeeper_limits', 'limit'), undefined);
    assert.equal(quotaSubjectOf('/zookeeper/quotax/a/zookeeper_limits', 'limit'), undefined);
    assert.equal(isQuotablePath('/'), false);
    assert.equal(isQuotablePath('/zookeeper'), false);
    assert.equal(isQuotablePath('/zookeeperx'), true);
  });

  test('clients may change only the nodes strictly below /zookeeper/quota', () => {
    assert.equal(isBelowQuotaRoot('/zookeeper/quota/a'), true);
    assert.equal(isBelowQuotaRoot('/zookeeper/quota'), false);
    assert.equal(isBelowQuotaRoot('/zookeeper/quotax'), false);
    assert.equal(isBelowQuotaRoot('/zookeeper/config'), false);
  });
});
