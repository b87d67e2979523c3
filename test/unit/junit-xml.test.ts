// The JUnit reader the Kazoo suite test judges pytest's run by: outcomes, entities, and what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JUNIT_REPORT_BYTES_MAX, JunitFormatError, parseJunitCases } from '../support/junit-xml.js';
import { covers, suiteId } from '../support/kazoo-suite.js';

// The shapes pytest 7 writes (abridged bodies), one case per outcome.
const REPORT = '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="2" tests="5">'
  + '<testcase classname="test_barrier.KazooBarrierTests" name="test_barrier_exists" time="3.513" />'
  + '<testcase classname="test_build.TestBuildEnvironment" name="test_zookeeper_version" time="0.136"><skipped type="pytest.skip" message="Only run build config tests on Travis.">test_build.py:12: Only run build config tests on Travis.</skipped></testcase>'
  + '<testcase classname="test_client.TestClient" name="test_create_null_data" time="0.001"><skipped type="pytest.skip" message="excluded: get answers b&quot;&quot; &amp; not None">excluded</skipped></testcase>'
  + '<testcase classname="test_client.TestClient" name="test_set_null_data" time="0.2"><failure message="AssertionError: assert b&apos;&apos; is None &#x2192; &#65;">long traceback &lt;here&gt;</failure></testcase>'
  + '<testcase classname="test_lock.KazooLockTests" name="test_lock" time="1.0"><skipped type="pytest.skip" message="x">x</skipped><error message="failed on teardown with &quot;boom&quot;">tb</error></testcase>'
  + '</testsuite></testsuites>';

test('each testcase reads as passed, skipped, failed or error, with its message decoded', () => {
  const cases = parseJunitCases(REPORT);
  assert.deepEqual(cases.map((c) => [suiteId(c), c.outcome]), [
    ['test_barrier.py::KazooBarrierTests::test_barrier_exists', { kind: 'passed' }],
    ['test_build.py::TestBuildEnvironment::test_zookeeper_version', { kind: 'skipped', message: 'Only run build config tests on Travis.' }],
    ['test_client.py::TestClient::test_create_null_data', { kind: 'skipped', message: 'excluded: get answers b"" & not None' }],
    ['test_client.py::TestClient::test_set_null_data', { kind: 'failed', message: "AssertionError: assert b'' is None → A" }],
    // A teardown error after a skip (or a failure) is what the case comes to.
    ['test_lock.py::KazooLockTests::test_lock', { kind: 'error', message: 'failed on teardown with "boom"' }],
  ]);
  assert.equal(cases[0]!.timeSeconds, 3.513);
});

test('exclusions cover a file, a class, a test and its parametrised variants, nothing that merely shares a prefix', () => {
  const id = 'test_client.py::TestClient::test_create_null_data';
  for (const test of ['test_client.py', 'test_client.py::TestClient', id]) assert.ok(covers({ test, reason: '' }, id), test);
  assert.ok(covers({ test: id, reason: '' }, `${id}[gevent]`));
  for (const test of ['test_client', 'test_client.py::TestClie', `${id}2`]) assert.ok(!covers({ test, reason: '' }, id), test);
});

test('a report that is not pytest\'s JUnit shape is refused, not guessed at', () => {
  assert.throws(() => parseJunitCases('<html></html>'), JunitFormatError);
  assert.throws(() => parseJunitCases('<testsuite><testcase name="x" time="1" /></testsuite>'), JunitFormatError);
  assert.throws(() => parseJunitCases('<testsuite><testcase classname="a.B" name="x" time="soon" /></testsuite>'), JunitFormatError);
  assert.throws(() => parseJunitCases(`<testsuite>${' '.repeat(JUNIT_REPORT_BYTES_MAX)}</testsuite>`), JunitFormatError);
  assert.deepEqual(parseJunitCases('<testsuites><testsuite name="pytest" tests="0"></testsuite></testsuites>'), []);
});
