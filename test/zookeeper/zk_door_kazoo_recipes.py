#!/usr/bin/python3
# Kazoo's own recipes against a ZooKeeper port (Canopy's zkClientPort, or Apache ZooKeeper): election,
# queue (Queue and LockingQueue), counter, party, barrier and double barrier, each with several sessions.
# Input on stdin: {"hosts": "127.0.0.1:port,...", "root": "/path"}. Output on stdout: one JSON object of
# what each recipe did, the same on any correct server. Waits are for events, with generous deadlines.
import json
import sys
import threading

from kazoo.client import KazooClient

DEADLINE_S = 30


def client(hosts):
    zk = KazooClient(hosts=hosts, timeout=15)
    zk.start(timeout=DEADLINE_S)
    return zk


def election(clients, root, out):
    # Three contenders; the first to run leads, stops leading, and the next one takes over.
    led = []
    lock = threading.Lock()
    turns = [threading.Event() for _ in clients]
    elections = [c.Election(root + "/election", "c%d" % i) for i, c in enumerate(clients)]

    def run(i):
        def lead():
            with lock:
                led.append(i)
            turns[i].set()
        elections[i].run(lead)

    threads = []
    for i in range(len(clients)):
        t = threading.Thread(target=run, args=(i,), daemon=True)
        t.start()
        threads.append(t)
        if i == 0:
            turns[0].wait(DEADLINE_S)
    for t in threads:
        t.join(DEADLINE_S)
    out["electionLeaders"] = len(led)
    out["electionAllLed"] = sorted(led) == list(range(len(clients)))
    out["electionFirst"] = led[0] if led else None


def queues(zk, other, root, out):
    q = zk.Queue(root + "/queue")
    for item in [b"a", b"b", b"c"]:
        q.put(item)
    q.put(b"urgent", priority=1)
    out["queueLen"] = len(q)
    # Another session may sit on a server that has not applied those puts yet: sync first, as ZooKeeper asks.
    other.sync(root + "/queue")
    out["queueOrder"] = [other.Queue(root + "/queue").get().decode() for _ in range(4)]
    lq = zk.LockingQueue(root + "/lqueue")
    lq.put_all([b"x", b"y"])
    consumer = other.LockingQueue(root + "/lqueue")
    first = consumer.get(DEADLINE_S)
    out["lockingFirst"] = first.decode()
    out["lockingConsumed"] = consumer.consume()
    zk.sync(root + "/lqueue")
    out["lockingLeft"] = len(lq)


def counter(clients, root, out):
    threads = []

    def add(c):
        cnt = c.Counter(root + "/counter")
        for _ in range(10):
            cnt += 1

    for c in clients:
        t = threading.Thread(target=add, args=(c,), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(DEADLINE_S)
    clients[0].sync(root + "/counter")
    out["counter"] = clients[0].Counter(root + "/counter").value


def party(clients, root, out):
    parties = [c.Party(root + "/party", "member%d" % i) for i, c in enumerate(clients)]
    for p in parties:
        p.join()
    clients[0].sync(root + "/party")
    out["partyMembers"] = sorted(parties[0])
    out["partyLen"] = len(parties[0])
    parties[1].leave()
    clients[0].sync(root + "/party")
    out["partyAfterLeave"] = sorted(parties[0])


def barriers(clients, root, out):
    b = clients[0].Barrier(root + "/barrier")
    b.create()
    released = threading.Event()

    def waiter():
        if clients[1].Barrier(root + "/barrier").wait(DEADLINE_S):
            released.set()

    t = threading.Thread(target=waiter, daemon=True)
    t.start()
    b.remove()
    out["barrierReleased"] = released.wait(DEADLINE_S)
    t.join(DEADLINE_S)

    entered = []
    lock = threading.Lock()

    def member(i):
        db = clients[i].DoubleBarrier(root + "/double", len(clients), "m%d" % i)
        db.enter()
        with lock:
            entered.append(i)
        db.leave()

    threads = [threading.Thread(target=member, args=(i,), daemon=True) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE_S)
    out["doubleBarrierEntered"] = sorted(entered)


def main():
    args = json.load(sys.stdin)
    hosts, root = args["hosts"], args["root"]
    out = {}
    clients = [client(hosts) for _ in range(3)]
    try:
        clients[0].ensure_path(root)
        election(clients, root, out)
        queues(clients[0], clients[1], root, out)
        counter(clients, root, out)
        party(clients, root, out)
        barriers(clients, root, out)
    finally:
        for c in clients:
            c.stop()
            c.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
