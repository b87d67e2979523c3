#!/usr/bin/python3
# Kazoo against a ZooKeeper port (Canopy's zkClientPort, or Apache ZooKeeper): create/get/set/delete,
# data and child watches, a transaction that commits and one that fails, and the lock recipe with two
# sessions. Input on stdin: {"hosts": "127.0.0.1:port,...", "root": "/path"}. Output on stdout: one JSON
# object of what each step saw, for the test to compare. Waits are for events, with generous deadlines.
import json
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, RolledBackError
from kazoo.protocol.states import EventType

DEADLINE_S = 30


def stat_of(stat):
    return {"version": stat.version, "cversion": stat.cversion, "numChildren": stat.numChildren, "ephemeralOwner": stat.ephemeralOwner,
            "dataLength": stat.dataLength, "czxid_positive": stat.czxid > 0, "mzxid_ge_czxid": stat.mzxid >= stat.czxid}


def basics(zk, root, out):
    created = zk.create(root + "/a", b"v1")
    data, stat = zk.get(created)
    out["created"] = created
    out["get1"] = {"data": data.decode(), "stat": stat_of(stat)}
    set_stat = zk.set(created, b"v2")
    out["set"] = stat_of(set_stat)
    data, stat = zk.get(created)
    out["get2"] = {"data": data.decode(), "version": stat.version}
    seq = zk.create(root + "/s-", b"", sequence=True)
    out["sequential"] = seq[len(root) + 1:]
    eph = zk.create(root + "/e", b"", ephemeral=True)
    out["ephemeralOwnerIsSession"] = zk.exists(eph).ephemeralOwner == zk.client_id[0]


def watches(zk, root, out):
    data_event = threading.Event()
    child_event = threading.Event()
    seen = {}

    def on_data(event):
        seen["data"] = {"type": event.type, "path": event.path}
        data_event.set()

    def on_child(event):
        seen["child"] = {"type": event.type, "path": event.path}
        child_event.set()

    zk.get(root + "/a", watch=on_data)
    zk.get_children(root, watch=on_child)
    zk.set(root + "/a", b"v3")
    zk.create(root + "/w", b"")
    out["dataWatchFired"] = data_event.wait(DEADLINE_S)
    out["childWatchFired"] = child_event.wait(DEADLINE_S)
    out["dataEvent"] = seen.get("data")
    out["childEvent"] = seen.get("child")
    out["expectedTypes"] = {"data": EventType.CHANGED, "child": EventType.CHILD}


def transactions(zk, root, out):
    t = zk.transaction()
    t.create(root + "/t1", b"x")
    t.set_data(root + "/a", b"v4", version=2)
    t.check(root + "/a", 3)
    t.delete(root + "/w")
    results = t.commit()
    out["txnOk"] = [r if isinstance(r, (str, bool)) else ("stat" if hasattr(r, "version") else type(r).__name__) for r in results]
    t = zk.transaction()
    t.create(root + "/t2", b"y")
    t.check(root + "/a", 99)
    results = t.commit()
    out["txnFailed"] = [type(r).__name__ for r in results]
    out["txnFailedKinds"] = [isinstance(results[0], RolledBackError), isinstance(results[1], BadVersionError)]
    out["t2Exists"] = zk.exists(root + "/t2") is not None


def lock(hosts, root, out):
    other = KazooClient(hosts=hosts, timeout=15)
    other.start(timeout=DEADLINE_S)
    try:
        mine = KazooClient(hosts=hosts, timeout=15)
        mine.start(timeout=DEADLINE_S)
        first = mine.Lock(root + "/lock", "first")
        second = other.Lock(root + "/lock", "second")
        out["firstAcquired"] = first.acquire(timeout=DEADLINE_S)
        out["secondWhileHeld"] = second.acquire(blocking=False)
        out["contenders"] = first.contenders()
        first.release()
        out["secondAfterRelease"] = second.acquire(timeout=DEADLINE_S)
        second.release()
        mine.stop()
        mine.close()
    finally:
        other.stop()
        other.close()


def main():
    args = json.load(sys.stdin)
    hosts, root = args["hosts"], args["root"]
    out = {}
    zk = KazooClient(hosts=hosts, timeout=15)
    zk.start(timeout=DEADLINE_S)
    try:
        zk.ensure_path(root)
        basics(zk, root, out)
        watches(zk, root, out)
        transactions(zk, root, out)
        lock(hosts, root, out)
        zk.delete(root + "/a")
        out["deletedExists"] = zk.exists(root + "/a") is not None
        out["children"] = sorted(zk.get_children(root))
    finally:
        zk.stop()
        zk.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
