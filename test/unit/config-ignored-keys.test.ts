// ZooKeeper settings without effect in Canopy: a carried-over zoo.cfg starts, each such key is reported
// with its reason (the server logs them), and anything else unknown is still refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, buildConfig, parseZooCfg } from '../../src/server/config.js';

test('ZooKeeper keys without effect are accepted and reported with a reason', () => {
  const config = buildConfig(parseZooCfg([
    'forceSync=no', 'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider', 'metricsProvider.httpPort=7000',
    'standaloneEnabled=false', 'reconfigEnabled=true', 'preAllocSize=65536',
  ].join('\n')));
  const reported = new Map(config.ignoredSettings.map((s) => [s.key, s.reason]));
  assert.deepEqual([...reported.keys()].sort(), ['forceSync', 'metricsProvider.className', 'metricsProvider.httpPort', 'preAllocSize', 'reconfigEnabled', 'standaloneEnabled']);
  assert.match(reported.get('forceSync')!, /always syncs/);
  assert.match(reported.get('metricsProvider.className')!, /\/metrics/);
  assert.deepEqual(buildConfig({}).ignoredSettings, []);
});

test('other unknown keys are still refused, prototype names included', () => {
  for (const key of ['forceSynk', '__proto__', 'constructor', 'toString']) {
    assert.throws(() => buildConfig({ [key]: '1' }), (e: unknown) => e instanceof ConfigError && /unknown configuration key/.test(e.message), key);
  }
});
