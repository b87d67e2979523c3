// enforceQuota: on by default (a hard limit is set to refuse), ZooKeeper's zookeeper.enforceQuota accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, buildConfig, parseZooCfg } from '../../src/server/config.js';

test('enforceQuota defaults to true and takes its zoo.cfg, ZooKeeper and flag spellings', () => {
  assert.equal(buildConfig({}).enforceQuota, true);
  assert.equal(buildConfig(parseZooCfg('enforceQuota=false\n')).enforceQuota, false);
  assert.equal(buildConfig(parseZooCfg('zookeeper.enforceQuota=false\n')).enforceQuota, false);
  assert.equal(buildConfig({ enforceQuota: false }).enforceQuota, false);
  assert.equal(buildConfig({ enforceQuota: 'TRUE' }).enforceQuota, true);
  for (const bad of ['yes', '1', '']) {
    assert.throws(() => buildConfig({ enforceQuota: bad }), (e: unknown) => e instanceof ConfigError && /enforceQuota must be true or false/.test(e.message), bad);
  }
});
