// The Grafana dashboard in docs/ queries only metrics the server exports, and the metric families are the
// ones docs and dashboards promise: a renamed metric fails here, not on an operator's screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerMetrics } from '../../src/server/metrics.js';
import { FakeView, facts } from '../support/fake-server-view.js';
import { parseExposition } from '../support/prometheus-text.js';

const here = dirname(fileURLToPath(import.meta.url));
/** docs/, three levels up from the compiled test/unit directory. */
const DASHBOARD = join(here, '..', '..', '..', 'docs', 'grafana-dashboard.json');

test('every metric the Grafana dashboard queries is exported, with the right type for its suffix', async () => {
  const metrics = new ServerMetrics();
  metrics.observeState(new FakeView(facts({ mode: 'leader', learners: [{ id: 2, synced: true, ackedZxid: 1 }] })));
  metrics.requestDone('getData', 0.4, 0);
  const families = parseExposition((await metrics.scrape()).text);
  const dashboard = readFileSync(DASHBOARD, 'utf8');
  JSON.parse(dashboard);
  const used = new Set(dashboard.match(/canopy_[a-z_]+/g) ?? []);
  assert.ok(used.size >= 15, 'the dashboard covers the metrics');
  for (const name of used) {
    const histogramBase = name.replace(/_(bucket|sum|count)$/, '');
    const family = families.get(name) ?? families.get(histogramBase);
    assert.ok(family !== undefined, `${name} is exported`);
    if (name !== histogramBase && family.name === histogramBase) assert.equal(family.type, 'histogram', `${name} belongs to a histogram`);
  }
});
