# Drives Kazoo (Debian's python3-kazoo) through the recording proxy: one session, every op Kazoo can send.
# The capture tool runs it with /usr/bin/python3; argv[1] is host:port. "DROP" on stdout asks the tool to
# cut the link; the tool answers with a line on stdin once it has.
import sys, threading
from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError
from kazoo.security import make_digest_acl, OPEN_ACL_UNSAFE

zk = KazooClient(hosts=sys.argv[1], timeout=4.0)
zk.start()
fired = threading.Event()
zk.create('/k', b'v0')
zk.create('/k/seq-', b'', sequence=True)
zk.create('/k/eph', b'e', ephemeral=True)
zk.create('/k/c2', b'x', include_data=True)
zk.exists('/k')
zk.exists('/k/missing')
zk.get('/k', watch=lambda e: fired.set())
zk.set('/k', b'v1', version=0)
fired.wait(10)
try:
    zk.set('/k', b'v2', version=7)
except BadVersionError:
    pass
try:
    zk.get('/k/missing')
except NoNodeError:
    pass
zk.get_acls('/k')
zk.set_acls('/k', OPEN_ACL_UNSAFE)
zk.get_children('/k')
zk.get_children('/k', include_data=True)
zk.sync('/k')
t = zk.transaction()
t.check('/k', 1)
t.create('/k/t1', b't')
t.set_data('/k/t1', b't2')
t.delete('/k/t1')
t.commit()
t = zk.transaction()
t.create('/k/t2', b't')
t.check('/k', 99)
t.commit()
zk.add_auth('digest', 'alice:secret')
zk.create('/k/private', b'p', acl=[make_digest_acl('alice', 'secret', all=True)])
# No reconfig: ZooKeeper answers it with an error code Kazoo 2.8 does not know, which kills its connection thread.
# A watch that has not fired yet, so that the reconnect re-sends it (setWatches).
zk.exists('/k/later', watch=lambda e: None)
zk.get_children('/k', watch=lambda e: None)
sys.stdout.write('DROP\n')
sys.stdout.flush()
sys.stdin.readline()
# Idle long enough for Kazoo to ping (it pings after a third of the session timeout without traffic).
import time
deadline = time.time() + 30
while not zk.connected and time.time() < deadline:
    time.sleep(0.1)
time.sleep(3)
zk.delete('/k/private')
zk.delete('/k/eph')
zk.stop()
zk.close()
sys.stdout.write('DONE\n')
