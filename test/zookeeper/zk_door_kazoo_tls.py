#!/usr/bin/python3
# Kazoo over TLS (use_ssl) against a ZooKeeper TLS port (Canopy's zkSecureClientPort): with a client
# certificate it works as over plain TCP and its x509 identity guards a node; another certificate is
# another identity; no certificate, when the server demands one, gets no session.
# Input on stdin: {"hosts", "ca", "alice": {"cert","key"}, "bob": {"cert","key"}, "aliceId", "root"}.
# Output on stdout: one JSON object of what each step saw.
import json
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import ACL, Id, Permissions

START_TIMEOUT_S = 30
REFUSED_START_TIMEOUT_S = 5
DEADLINE_S = 30


def client(spec, hosts, ca, **kw):
    return KazooClient(hosts=hosts, use_ssl=True, verify_certs=True, ca=ca,
                       certfile=spec["cert"] if spec else None, keyfile=spec["key"] if spec else None, **kw)


def main():
    spec = json.load(sys.stdin)
    hosts, ca, root = spec["hosts"], spec["ca"], spec["root"]
    out = {}
    alice = client(spec["alice"], hosts, ca)
    alice.start(timeout=START_TIMEOUT_S)
    try:
        alice.ensure_path(root)
        secret = alice.create(root + "/secret", b"for-alice", acl=[ACL(Permissions.ALL, Id("x509", spec["aliceId"]))])
        data, stat = alice.get(secret)
        out["aliceReads"] = data.decode()
        acls, _ = alice.get_acls(secret)
        out["acl"] = [{"perms": a.perms, "scheme": a.id.scheme, "id": a.id.id} for a in acls]
        fired = threading.Event()
        alice.get(secret, watch=lambda e: fired.set())
        alice.set(secret, b"again")
        out["watchFired"] = fired.wait(DEADLINE_S)
        out["sessionId"] = alice.client_id[0]
    finally:
        alice.stop()
        alice.close()
    bob = client(spec["bob"], hosts, ca)
    bob.start(timeout=START_TIMEOUT_S)
    try:
        try:
            bob.get(root + "/secret")
            out["bobReads"] = "allowed"
        except NoAuthError:
            out["bobReads"] = "NoAuthError"
        out["bobListsIt"] = "secret" in bob.get_children(root)
    finally:
        bob.stop()
        bob.close()
    nobody = client(None, hosts, ca)
    try:
        nobody.start(timeout=REFUSED_START_TIMEOUT_S)
        out["withoutCertificate"] = "connected"
        nobody.stop()
    except Exception as e:  # kazoo raises its timeout, or the SSL error of the refused handshake
        out["withoutCertificate"] = type(e).__name__
    finally:
        nobody.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
