"""A cluster of real canopy-server processes shaped like Kazoo's test cluster.

Kazoo's tests reach their servers through kazoo.testing.common.ZookeeperCluster: iterable and indexable,
start/stop/terminate/reset, and members with address, client_port, running, run, stop, reset and destroy.
This module offers the same shape over Canopy: each member is a canopy-server process whose ZooKeeper door
(zkClientPort, jute over TCP) is the client port Kazoo connects to. Stopping a member really ends its
process (SIGTERM, as the Java harness does) and running it again starts a new process on the same ports,
config and data directory, so tests that stop and restart servers exercise a real ensemble.

Readiness is read through the `srvr` four-letter word on the ZooKeeper door, as ZooKeeper's own tools do:
a member listens once srvr answers at all, and serves once srvr names a mode.
"""
import base64
import os
import shutil
import socket
import subprocess
import time

# Kazoo's harness runs ZooKeeper with this super user (password "test") and every four-letter word.
SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
LISTEN_TIMEOUT_S = 60.0
SERVE_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
PROBE_TIMEOUT_S = 2.0
PROBE_INTERVAL_S = 0.1
REPLY_BYTES_MAX = 4096
LOG_TAIL_CHARS = 4000
PORT_RACE_ATTEMPTS = 3
# How canopy-server says a port it was told to listen on is taken (src/server/start-errors.ts).
PORT_IN_USE_TEXT = "is already in use"
SERVING_MODES = ("leader", "follower", "standalone")
PEER_SECRET_BYTES = 48


class CanopyStartError(Exception):
    """A member did not come up; the message carries the tail of its log."""


class PortTakenError(CanopyStartError):
    """Another process bound a picked port between the pick and the start."""


def free_ports(count):
    """Ports the OS hands out for port 0 on loopback; free when picked, all distinct."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def srvr(port):
    """The answer to `srvr` on a port, or None when nothing answers."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT_S) as s:
            s.sendall(b"srvr")
            reply = b""
            while len(reply) < REPLY_BYTES_MAX:
                chunk = s.recv(REPLY_BYTES_MAX - len(reply))
                if not chunk:
                    break
                reply += chunk
            return reply.decode("utf-8", "replace")
    except OSError:
        return None


def mode_of(reply):
    """The Mode: line of a srvr answer; None while the server does not serve."""
    for line in (reply or "").splitlines():
        if line.startswith("Mode: "):
            mode = line[len("Mode: "):].strip()
            return mode if mode in SERVING_MODES else None
    return None


class CanopyMember(object):
    """One canopy-server process of the cluster, with Kazoo's ManagedZooKeeper interface."""

    def __init__(self, launcher, server_id, working_path):
        self.launcher = launcher
        self.server_id = server_id
        self.host = "127.0.0.1"
        self.working_path = working_path
        self.data_path = os.path.join(working_path, "data")
        self.config_path = os.path.join(working_path, "zoo.cfg")
        self.log_path = os.path.join(working_path, "server.log")
        self.zk_port = 0
        self.ws_port = 0
        self.peer_port = 0
        self.process = None
        os.makedirs(working_path, exist_ok=True)
        self._write_myid()

    def _write_myid(self):
        os.makedirs(self.data_path, exist_ok=True)
        with open(os.path.join(self.data_path, "myid"), "w") as f:
            f.write("%d\n" % self.server_id)

    def configure(self, zk_port, ws_port, peer_port, peer_lines, settings):
        """Writes zoo.cfg: this member's ports, every member's server.N line and the shared settings."""
        self.zk_port, self.ws_port, self.peer_port = zk_port, ws_port, peer_port
        lines = [
            "# Canopy member %d of Kazoo's test cluster (test/zookeeper/kazoo_suite)." % self.server_id,
            "dataDir=%s" % self.data_path,
            "clientPortAddress=127.0.0.1",
            "clientPort=%d" % ws_port,
            "zkClientPort=%d" % zk_port,
        ]
        lines += ["%s=%s" % kv for kv in settings]
        lines += peer_lines
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    @property
    def address(self):
        return "%s:%s" % (self.host, self.zk_port)

    @property
    def client_port(self):
        return self.zk_port

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()[-LOG_TAIL_CHARS:]
        except OSError:
            return ""

    def spawn(self):
        """Starts the process without waiting (the members of a fresh cluster start together)."""
        if self.running:
            return
        with open(self.log_path, "a") as log:
            log.write("---- start of server %d ----\n" % self.server_id)
            log.flush()
            self.process = subprocess.Popen(
                self.launcher + [self.config_path],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.working_path)

    def wait_listening(self, timeout_s=LISTEN_TIMEOUT_S):
        self._wait(lambda reply: reply is not None, timeout_s, "listen on its ZooKeeper port")

    def wait_serving(self, timeout_s=SERVE_TIMEOUT_S):
        self._wait(lambda reply: mode_of(reply) is not None, timeout_s, "serve clients")

    def _wait(self, ready, timeout_s, what):
        deadline = time.monotonic() + timeout_s
        while True:
            if not self.running:
                tail = self.log_tail()
                error = PortTakenError if PORT_IN_USE_TEXT in tail else CanopyStartError
                raise error("canopy server %d exited before it could %s:\n%s" % (self.server_id, what, tail))
            if ready(srvr(self.zk_port)):
                return
            if time.monotonic() > deadline:
                raise CanopyStartError("canopy server %d did not %s within %ss:\n%s" % (
                    self.server_id, what, timeout_s, self.log_tail()))
            time.sleep(PROBE_INTERVAL_S)

    def run(self):
        """Starts the member again on its ports and data, and returns once its ZooKeeper port answers.

        It may not serve yet: alone (its peers stopped) it never will, as a member of ZooKeeper would not.
        """
        if self.running:
            return
        self.spawn()
        self.wait_listening()

    def stop(self):
        """Ends the process (SIGTERM, SIGKILL if it hangs), keeping its data."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def reset(self):
        """Stops the member and wipes its data (its myid stays), as ManagedZooKeeper.reset does."""
        self.stop()
        shutil.rmtree(self.data_path, True)
        self._write_myid()

    def destroy(self):
        self.stop()
        shutil.rmtree(self.working_path, True)


def write_peer_secret(path):
    """A fresh shared peer secret (quorum.auth.secretFile), readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(os.urandom(PEER_SECRET_BYTES)).decode("ascii") + "\n")


class CanopyCluster(object):
    """Members of one Canopy ensemble, with Kazoo's ZookeeperCluster interface.

    Members authenticate each other with a shared secret: only then does a leader count the identities a
    follower forwards with a client's write (README, Security), as a ZooKeeper ensemble always does. Without
    it, a digest-authenticated client connected to a follower would be judged as anyone on every write.
    """

    def __init__(self, launcher, base_path, size=3, settings=()):
        self._base_path = base_path
        os.makedirs(base_path, exist_ok=True)
        secret_path = os.path.join(base_path, "peer.secret")
        write_peer_secret(secret_path)
        self._settings = list(settings) + [("quorum.auth.secretFile", secret_path)]
        self._servers = [
            CanopyMember(launcher, i + 1, os.path.join(base_path, "server%d" % (i + 1))) for i in range(size)]
        self._configure()

    def _configure(self):
        """Picks free ports for every member and writes every zoo.cfg."""
        size = len(self._servers)
        ports = free_ports(3 * size)
        peer_ports = ports[2 * size:]
        peer_lines = ["server.%d=127.0.0.1:%d" % (m.server_id, peer_ports[i]) for i, m in enumerate(self._servers)]
        for i, m in enumerate(self._servers):
            m.configure(ports[i], ports[size + i], peer_ports[i], peer_lines, self._settings)

    def __getitem__(self, k):
        return self._servers[k]

    def __iter__(self):
        return iter(self._servers)

    def start(self):
        """Starts every member that is not running and returns once all serve.

        A member that finds a picked port taken (a process beside this one bound it first) fails the start;
        the cluster is then configured on fresh ports and started again, which only a fresh cluster may do.
        """
        for attempt in range(1, PORT_RACE_ATTEMPTS + 1):
            fresh = not any(m.running for m in self)
            for m in reversed(self._servers):
                m.spawn()
            try:
                self.wait_serving()
                return
            except PortTakenError:
                if not fresh or attempt == PORT_RACE_ATTEMPTS:
                    raise
                self.stop()
                self._configure()

    def wait_serving(self):
        for m in self:
            m.wait_serving()

    def stop(self):
        # ZookeeperCluster.stop also forgets its servers, which leaves nothing to start again; keep them.
        for m in self:
            m.stop()

    def terminate(self):
        for m in self:
            m.destroy()
        shutil.rmtree(self._base_path, True)

    def reset(self):
        for m in self:
            m.reset()
