#!/usr/bin/python3
"""Runs a Canopy ACL-matrix plan against a real ZooKeeper server with kazoo (Debian's python3-kazoo).

Reads one JSON object on stdin: {"server": "host:port", "callers": {name: [[scheme, credential], ...]},
"plan": RunnerPlan, "ttlMs": int} (the shapes are declared in test/support/acl-matrix/actions.ts) and
prints {"results": {cellId: RawResult}} on stdout. It decides nothing about outcomes: it only reports
the error codes, ACLs and watch events ZooKeeper gave.

kazoo 2.8 has no addWatch, removeWatches, getAllChildrenNumber, getEphemerals, multiRead, createTTL or
createContainer, and writes an empty string as a null one; so every request is encoded here (jute, as in
ZooKeeper's zookeeper.jute) and sent with kazoo's connection (KazooClient._call).
"""
import json
import struct
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.protocol import serialization as ser

INT = struct.Struct('!i')
LONG = struct.Struct('!q')
STAT_BYTES = ser.stat_struct.size
REPLY_TIMEOUT_S = 60
IN_FLIGHT = 200
SENTINEL_TIMEOUT_S = 60

OP_CREATE, OP_DELETE, OP_EXISTS, OP_GET_DATA, OP_SET_DATA = 1, 2, 3, 4, 5
OP_GET_ACL, OP_SET_ACL, OP_GET_CHILDREN, OP_SYNC, OP_GET_CHILDREN2 = 6, 7, 8, 9, 12
OP_CHECK, OP_MULTI, OP_CREATE2, OP_REMOVE_WATCHES = 13, 14, 15, 18
OP_CREATE_CONTAINER, OP_CREATE_TTL, OP_MULTI_READ = 19, 21, 22
OP_GET_EPHEMERALS, OP_GET_ALL_CHILDREN_NUMBER, OP_ADD_WATCH = 103, 104, 106
OP_ERROR = -1
MODE_FLAGS = {'persistent': 0, 'container': 4, 'ttl': 5}
ADD_WATCH_MODES = {'persistent': 0, 'persistentRecursive': 1}
WATCHER_TYPE_ANY = 3
EVENT_NODE_DATA_CHANGED = 3


def w_string(s):
    b = s.encode('utf-8')
    return INT.pack(len(b)) + b


def w_buffer(b):
    return INT.pack(len(b)) + b


def w_bool(v):
    return b'\x01' if v else b'\x00'


def w_acl(acl):
    out = bytearray(INT.pack(len(acl)))
    for a in acl:
        out += INT.pack(a['perms']) + w_string(a['id']['scheme']) + w_string(a['id']['id'])
    return bytes(out)


def r_int(b, o):
    return INT.unpack_from(b, o)[0], o + 4


def r_string(b, o):
    n, o = r_int(b, o)
    if n < 0:
        return None, o
    return b[o:o + n].decode('utf-8'), o + n


class Request:
    """A jute request: `type` is the opcode, `body` its serialized record, `parse` reads the answer."""

    def __init__(self, type_, body, parse=None, watch=False):
        self.type = type_
        self._body = body
        self._parse = parse
        # kazoo registers a watcher for requests that carry one; the events are recorded at the socket.
        self.watcher = (lambda event: None) if watch else None
        self.path = None

    def __bool__(self):
        return True

    def serialize(self):
        return self._body

    def deserialize(self, buffer, offset):
        return self._parse(buffer, offset) if self._parse else True


def create_body(path, acl, flags, ttl_ms=None):
    body = w_string(path) + w_buffer(b'') + w_acl(acl) + INT.pack(flags)
    return body + (LONG.pack(ttl_ms) if ttl_ms is not None else b'')


def parse_acl(b, o):
    n, o = r_int(b, o)
    acl = []
    for _ in range(max(n, 0)):
        perms, o = r_int(b, o)
        scheme, o = r_string(b, o)
        ident, o = r_string(b, o)
        acl.append({'perms': perms, 'id': {'scheme': scheme, 'id': ident}})
    return acl


def parse_multi(b, o):
    """Per-op error codes of a multi or multiRead answer (0 for an op that succeeded)."""
    codes = []
    while True:
        type_, done, err = ser.multiheader_struct.unpack_from(b, o)
        o += ser.multiheader_struct.size
        if done:
            return codes
        if type_ == OP_ERROR:
            code, o = r_int(b, o)
            codes.append(code)
            continue
        codes.append(0)
        if type_ == OP_CREATE:
            _, o = r_string(b, o)
        elif type_ in (OP_CREATE2, OP_CREATE_CONTAINER, OP_CREATE_TTL):
            _, o = r_string(b, o)
            o += STAT_BYTES
        elif type_ == OP_SET_DATA:
            o += STAT_BYTES
        elif type_ == OP_GET_DATA:
            n, o = r_int(b, o)
            o += max(n, 0) + STAT_BYTES
        elif type_ == OP_GET_CHILDREN:
            n, o = r_int(b, o)
            for _ in range(max(n, 0)):
                _, o = r_string(b, o)


def multi_body(ops):
    out = bytearray()
    for op in ops:
        out += ser.MultiHeader(op.type, False, -1).serialize() + op.serialize()
    return bytes(out + ser.multiheader_struct.pack(-1, True, -1))


def create_request(path, acl, mode='persistent', ttl_ms=None):
    if mode == 'container':
        return Request(OP_CREATE_CONTAINER, create_body(path, acl, MODE_FLAGS[mode]))
    if mode == 'ttl':
        return Request(OP_CREATE_TTL, create_body(path, acl, MODE_FLAGS[mode], ttl_ms))
    return Request(OP_CREATE2, create_body(path, acl, MODE_FLAGS[mode]))


def path_request(op, path, watch=None):
    body = w_string(path) + (w_bool(watch) if watch is not None else b'')
    request = Request(op, body, watch=bool(watch))
    request.path = path
    return request


def sub_op(op):
    """One op of a multi (create is opcode 1 here: kazoo reads a create2 result only outside multi)."""
    kind = op['kind']
    if kind == 'check':
        return Request(OP_CHECK, w_string(op['path']) + INT.pack(-1))
    if kind == 'create':
        return Request(OP_CREATE, create_body(op['path'], op['acl'], 0))
    if kind == 'delete':
        return Request(OP_DELETE, w_string(op['path']) + INT.pack(-1))
    if kind == 'setData':
        return Request(OP_SET_DATA, w_string(op['path']) + w_buffer(b'changed') + INT.pack(-1))
    raise ValueError('unknown multi op ' + kind)


def read_op(op):
    kind = op['kind']
    if kind == 'getData':
        return Request(OP_GET_DATA, w_string(op['path']) + w_bool(False))
    if kind == 'getChildren':
        return Request(OP_GET_CHILDREN, w_string(op['path']) + w_bool(False))
    raise ValueError('unknown read op ' + kind)


def requests_for(action, ttl_ms):
    """The requests of one action, and how to turn their answers into a RawResult."""
    kind = action['kind']
    path = action.get('path')
    if kind == 'create':
        return [create_request(path, action['acl'], action['mode'], ttl_ms)], None
    if kind == 'delete':
        return [Request(OP_DELETE, w_string(path) + INT.pack(-1))], None
    if kind == 'setData':
        return [Request(OP_SET_DATA, w_string(path) + w_buffer(b'changed') + INT.pack(-1))], None
    if kind == 'getData':
        return [path_request(OP_GET_DATA, path, False)], None
    if kind == 'exists':
        req = path_request(OP_EXISTS, path, False)
        # kazoo answers an exists on a missing node with None (no error): record it as isNull.
        req._parse = lambda b, o: 'stat'
        return [req], lambda answers: {'err': 0, 'isNull': answers[0] is None}
    if kind == 'getChildren':
        return [path_request(OP_GET_CHILDREN2, path, False)], None
    if kind == 'getAllChildrenNumber':
        return [Request(OP_GET_ALL_CHILDREN_NUMBER, w_string(path))], None
    if kind == 'getEphemerals':
        return [Request(OP_GET_EPHEMERALS, w_string(path))], None
    if kind == 'getACL':
        req = Request(OP_GET_ACL, w_string(path), parse_acl)
        return [req], lambda answers: {'err': 0, 'acl': answers[0]}
    if kind == 'setACL':
        return [Request(OP_SET_ACL, w_string(path) + w_acl(action['acl']) + INT.pack(-1))], None
    if kind == 'sync':
        return [Request(OP_SYNC, w_string(path))], None
    if kind == 'addWatch':
        return [Request(OP_ADD_WATCH, w_string(path) + INT.pack(ADD_WATCH_MODES[action['mode']]))], None
    if kind == 'removeWatches':
        return [Request(OP_REMOVE_WATCHES, w_string(path) + INT.pack(WATCHER_TYPE_ANY))], None
    if kind == 'multi':
        req = Request(OP_MULTI, multi_body([sub_op(op) for op in action['ops']]), parse_multi)
        return [req], lambda answers: {'err': 0, 'results': answers[0]}
    if kind == 'multiRead':
        req = Request(OP_MULTI_READ, multi_body([read_op(op) for op in action['ops']]), parse_multi)
        return [req], lambda answers: {'err': 0, 'results': answers[0]}
    raise ValueError('unknown action ' + kind)


def watch_request(watch):
    kind, path = watch['kind'], watch['path']
    if kind == 'data':
        return path_request(OP_GET_DATA, path, True)
    if kind == 'exists':
        req = path_request(OP_EXISTS, path, True)
        req._parse = lambda b, o: 'stat'
        return req
    if kind == 'children':
        return path_request(OP_GET_CHILDREN2, path, True)
    if kind in ADD_WATCH_MODES:
        return Request(OP_ADD_WATCH, w_string(path) + INT.pack(ADD_WATCH_MODES[kind]))
    raise ValueError('unknown watch ' + kind)


class Conn:
    """One kazoo connection with the caller's auth infos, and every watch event it receives."""

    def __init__(self, server, auth):
        self.events = []
        self.lock = threading.Lock()
        self.zk = KazooClient(hosts=server, timeout=30)
        handler = self.zk._connection
        original = handler._read_watch_event

        def record(buffer, offset):
            watch, _ = ser.Watch.deserialize(buffer, offset)
            with self.lock:
                self.events.append((watch.type, watch.path))
            return original(buffer, offset)

        handler._read_watch_event = record
        self.zk.start(timeout=30)
        for scheme, credential in auth:
            self.zk.add_auth(scheme, credential)

    def submit(self, request):
        result = self.zk.handler.async_result()
        self.zk._call(request, result)
        return result

    def call(self, request):
        return self.submit(request).get(timeout=REPLY_TIMEOUT_S)

    def events_for(self, path):
        with self.lock:
            return [t for (t, p) in self.events if p == path]

    def close(self):
        try:
            self.zk.stop()
            self.zk.close()
        except Exception:  # noqa: BLE001 - best effort at the end of a run
            pass


def failure(exc):
    code = getattr(exc, 'code', None)
    if isinstance(code, int):
        return {'err': code}
    return {'error': '%s: %s' % (type(exc).__name__, exc)}


def wait_all(pending):
    """pending: list of (cell, [async results], finish). Returns {cellId: RawResult}."""
    out = {}
    for cell, results, finish in pending:
        answers = []
        raw = None
        for r in results:
            try:
                answers.append(r.get(timeout=REPLY_TIMEOUT_S))
            except Exception as exc:  # noqa: BLE001 - every failure is reported as the cell's outcome
                raw = failure(exc)
                break
        if raw is None:
            raw = finish(answers) if finish else {'err': 0}
        out[cell['id']] = (cell, raw)
    return out


def create_nodes(nodes, setup):
    batch, batch_as = [], None

    def flush():
        if batch:
            codes = setup[batch_as].call(Request(OP_MULTI, multi_body(batch), parse_multi))
            if any(c != 0 for c in codes):
                raise RuntimeError('setup multi failed: %r' % codes)

    for node in nodes:
        if node['as'] != batch_as or len(batch) >= 250:
            flush()
            batch, batch_as = [], node['as']
        batch.append(Request(OP_CREATE, create_body(node['path'], node['acl'], 0)))
    flush()


def prepare(cells, conns, setup):
    """Prepare steps: persistent watches while the nodes are open, then the ACL changes."""
    results = {}
    todo = [c for c in cells if 'prepare' in c]
    pending = [(c, [conns[c['caller']].submit(Request(
        OP_ADD_WATCH, w_string(c['prepare']['watchPath']) + INT.pack(ADD_WATCH_MODES['persistent'])))], None) for c in todo]
    for cell_id, (cell, raw) in wait_all(pending).items():
        if raw.get('err') != 0:
            results[cell_id] = {'error': 'watch not set: %s' % (raw.get('error') or raw.get('err'))}
    changes = []
    for c in todo:
        change = c['prepare']['aclChange']
        changes.append(setup[change['as']].submit(Request(OP_SET_ACL, w_string(change['path']) + w_acl(change['acl']) + INT.pack(-1))))
    for r in changes:
        r.get(timeout=REPLY_TIMEOUT_S)
    return results


def run_requests(cells, conns, setup, ttl_ms, done):
    results = {}
    by_caller = {}
    for cell in cells:
        if 'action' in cell and cell['id'] not in done:
            by_caller.setdefault(cell['caller'], []).append(cell)
    for caller, todo in by_caller.items():
        for start in range(0, len(todo), IN_FLIGHT):
            pending = []
            for cell in todo[start:start + IN_FLIGHT]:
                requests, finish = requests_for(cell['action'], ttl_ms)
                pending.append((cell, [conns[caller].submit(r) for r in requests], finish))
            for cell_id, (cell, raw) in wait_all(pending).items():
                if cell.get('readBackAcl') and raw.get('err') == 0:
                    raw['acl'] = setup['super'].call(Request(OP_GET_ACL, w_string(cell['readBackAcl']), parse_acl))
                results[cell_id] = raw
    return results


def run_events(cells, conns, setup, sentinels):
    results = {}
    event_cells = [c for c in cells if 'event' in c]
    if not event_cells:
        return results
    pending = [(c, [conns[c['caller']].submit(watch_request(c['event']['watch']))], None) for c in event_cells]
    failed = set()
    for cell_id, (cell, raw) in wait_all(pending).items():
        if raw.get('err') not in (0, None) or 'error' in raw:
            failed.add(cell_id)
            results[cell_id] = {'error': 'watch not set: %s' % (raw.get('error') or raw.get('err'))}
    waiting = [name for name in conns if name in sentinels]
    for name in waiting:
        conns[name].call(path_request(OP_GET_DATA, sentinels[name], True))
    changes = [(c, setup[c['event']['aclChange']['as']].submit(Request(
        OP_SET_ACL, w_string(c['event']['aclChange']['path']) + w_acl(c['event']['aclChange']['acl']) + INT.pack(-1))))
        for c in event_cells if 'aclChange' in c['event']]
    for _, r in changes:
        r.get(timeout=REPLY_TIMEOUT_S)
    triggers = []
    for c in event_cells:
        t = c['event']['trigger']
        if t['kind'] == 'setData':
            req = Request(OP_SET_DATA, w_string(t['path']) + w_buffer(b'changed') + INT.pack(-1))
        else:
            req = create_request(t['path'], t['acl'])
        triggers.append(setup[t['as']].submit(req))
    for r in triggers:
        r.get(timeout=REPLY_TIMEOUT_S)
    for name in waiting:
        setup['super'].call(Request(OP_SET_DATA, w_string(sentinels[name]) + w_buffer(b'sentinel') + INT.pack(-1)))
    deadline = time.monotonic() + SENTINEL_TIMEOUT_S
    for name in waiting:
        while EVENT_NODE_DATA_CHANGED not in conns[name].events_for(sentinels[name]):
            if time.monotonic() > deadline:
                raise RuntimeError('no sentinel event for ' + name)
            time.sleep(0.02)
    for c in event_cells:
        if c['id'] not in failed:
            results[c['id']] = {'events': conns[c['caller']].events_for(c['event']['eventPath'])}
    return results


def main():
    spec = json.load(sys.stdin)
    server, callers, plan, ttl_ms = spec['server'], spec['callers'], spec['plan'], spec['ttlMs']
    cells = plan['cells']
    setup_names = {'super'} | {n['as'] for n in plan['nodes']}
    for c in cells:
        if 'event' in c:
            setup_names.add(c['event']['trigger']['as'])
            if 'aclChange' in c['event']:
                setup_names.add(c['event']['aclChange']['as'])
    setup, conns = {}, {}
    try:
        for name in sorted(setup_names):
            setup[name] = Conn(server, callers[name])
        create_nodes(plan['nodes'], setup)
        for name in sorted({c['caller'] for c in cells}):
            conns[name] = Conn(server, callers[name])
        results = prepare(cells, conns, setup)
        results.update(run_requests(cells, conns, setup, ttl_ms, results))
        results.update(run_events(cells, conns, setup, plan['sentinels']))
    finally:
        for conn in list(conns.values()) + list(setup.values()):
            conn.close()
    json.dump({'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
