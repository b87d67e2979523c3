#!/usr/bin/python3
# Null znode data through a ZooKeeper port, as Kazoo's own test_create_null_data and test_set_null_data
# use it: create or set with None makes the node's data null, get answers None (a -1 length buffer), and
# b"" stays b"". Input on stdin: {"hosts": "...", "root": "/path", "write": bool, "fill": n}. With write,
# the nodes below are created under root (and "fill" more setData txns go to root/fill, so that snapshots
# are taken or a lagging follower needs a SNAP); then, write or not, every node is read after a sync and
# printed as JSON: {name: {"value": null or latin-1 text, "dataLength", "version", "mzxid"}}.
import json
import sys

from kazoo.client import KazooClient

DEADLINE_S = 30
# name -> (data at create, data set afterwards or "keep")
NODES = {
    "null": (None, "keep"),
    "empty": (b"", "keep"),
    "set-null": (b"x", None),
    "null-then-bytes": (None, b"v"),
    "null-then-empty": (None, b""),
}


def write(zk, root, fill):
    zk.ensure_path(root)
    for name, (first, then) in NODES.items():
        zk.create(root + "/" + name, first)
        if then != "keep":
            zk.set(root + "/" + name, then)
    zk.create(root + "/fill", b"0")
    for i in range(fill):
        zk.set(root + "/fill", str(i).encode())


def read(zk, root):
    zk.sync(root)
    out = {}
    for name in NODES:
        value, stat = zk.get(root + "/" + name)
        out[name] = {"value": None if value is None else value.decode("latin-1"), "dataLength": stat.dataLength,
                     "version": stat.version, "mzxid": stat.mzxid}
    return out


def main():
    args = json.load(sys.stdin)
    zk = KazooClient(hosts=args["hosts"], timeout=15)
    zk.start(timeout=DEADLINE_S)
    try:
        if args.get("write"):
            write(zk, args["root"], args.get("fill", 0))
        out = read(zk, args["root"])
    finally:
        zk.stop()
        zk.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
