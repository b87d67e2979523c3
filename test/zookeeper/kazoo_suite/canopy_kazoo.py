"""pytest plugin: Kazoo's own test suite against a 3-server Canopy ensemble instead of Java ZooKeeper.

Load it with `-p canopy_kazoo` (this directory on PYTHONPATH) and point pytest at Kazoo's installed tests:

    CANOPY_SERVER_MAIN=dist/src/server/main.js PYTHONPATH=test/zookeeper/kazoo_suite \\
      python3 -m pytest -p canopy_kazoo /usr/lib/python3/dist-packages/kazoo/tests

It replaces kazoo.testing.harness.get_global_cluster, the one place Kazoo's tests get their servers from,
with a CanopyCluster (canopy_cluster.py), configured as Kazoo's harness configures ZooKeeper 3.5+: the
super user super:test, every four-letter word, no per-IP connection limit, and ZooKeeper's session timeout
bounds for tickTime=2000 ([4 s, 40 s]). Before each test it waits until every member serves again, so that
a test which stopped and restarted a member does not hand a cluster still electing to the next one.

Environment:
  CANOPY_SERVER_MAIN     canopy-server's main.js (required)
  CANOPY_NODE            the node binary (default: node on PATH)
  CANOPY_KAZOO_DIR       where members keep config, data and logs; the caller owns it and it is kept
                         (default: a temporary directory, removed at the end)
  CANOPY_KAZOO_EXCLUDE   a JSON file of [{"test": ..., "reason": ...}]: each test (file, file::Class or
                         file::Class::test, relative to kazoo/tests) is skipped with "excluded: <reason>"
  CANOPY_TICK_TIME_MS    tickTime of the members (default 250: elections in about a second)
"""
import json
import os
import tempfile

import pytest

from canopy_cluster import SUPER_DIGEST, CanopyCluster

EXCLUDED_PREFIX = "excluded: "
DEFAULT_TICK_TIME_MS = "250"
# Kazoo's harness runs ZooKeeper with tickTime=2000, so sessions are clamped to [4 s, 40 s]; Canopy runs
# faster ticks for quicker elections, with the same session bounds written out.
MIN_SESSION_TIMEOUT_MS = "4000"
MAX_SESSION_TIMEOUT_MS = "40000"

_cluster = None
_own_dir = False


def _settings():
    return [
        ("tickTime", os.environ.get("CANOPY_TICK_TIME_MS", DEFAULT_TICK_TIME_MS)),
        ("initLimit", "20"),
        ("syncLimit", "10"),
        ("minSessionTimeout", MIN_SESSION_TIMEOUT_MS),
        ("maxSessionTimeout", MAX_SESSION_TIMEOUT_MS),
        ("maxClientCnxns", "0"),
        ("4lw.commands.whitelist", "*"),
        ("superDigest", SUPER_DIGEST),
        ("admin.enableServer", "false"),
    ]


def _global_cluster():
    global _cluster, _own_dir
    if _cluster is None:
        main = os.environ.get("CANOPY_SERVER_MAIN")
        if not main:
            raise RuntimeError("CANOPY_SERVER_MAIN must name canopy-server's main.js")
        base = os.environ.get("CANOPY_KAZOO_DIR")
        _own_dir = not base
        if _own_dir:
            base = tempfile.mkdtemp(prefix="canopy-kazoo-")
        launcher = [os.environ.get("CANOPY_NODE", "node"), os.path.abspath(main)]
        _cluster = CanopyCluster(launcher, base, size=3, settings=_settings())
    return _cluster


def _exclusions():
    path = os.environ.get("CANOPY_KAZOO_EXCLUDE")
    if not path:
        return []
    with open(path) as f:
        entries = json.load(f)
    if not isinstance(entries, list):
        raise RuntimeError("%s must hold a list of {test, reason}" % path)
    for e in entries:
        if not (isinstance(e, dict) and isinstance(e.get("test"), str) and isinstance(e.get("reason"), str)):
            raise RuntimeError("%s: every exclusion needs a test and a reason" % path)
    return entries


def suite_id(item):
    """A test's name relative to kazoo/tests: test_client.py::TestClient::test_create."""
    parts = item.nodeid.split("::")
    return "::".join([os.path.basename(parts[0])] + parts[1:])


def matches(test, name):
    """A file, class or test name covers itself, what lies below it and its parametrised variants."""
    return name == test or name.startswith(test + "::") or name.startswith(test + "[")


def pytest_configure(config):
    import kazoo.testing.harness as harness
    harness.get_global_cluster = _global_cluster
    config._canopy_exclusions = _exclusions()


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = suite_id(item)
        for e in config._canopy_exclusions:
            if matches(e["test"], name):
                item.add_marker(pytest.mark.skip(reason=EXCLUDED_PREFIX + e["reason"]))
                break


def pytest_runtest_setup(item):
    # Only tests that use servers start them: Kazoo's unit tests (hosts, retry, paths) run without.
    if _cluster is not None:
        for m in _cluster:
            if not m.running:
                m.run()
        _cluster.wait_serving()


def pytest_unconfigure(config):
    global _cluster
    if _cluster is not None:
        if _own_dir:
            _cluster.terminate()
        else:
            _cluster.stop()
    _cluster = None
