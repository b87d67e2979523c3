// Reading a server's CPU and memory from /proc, and finding the server behind a port, on texts and on a
// fake /proc tree (so that the parsing of hostile-looking names is tested without such processes).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  UsageMeter, clockTicksPerSecond, listeningInodes, parseNetTcpRow, parseProcStat, parseStatusKib, pidsListeningOn,
} from '../../bench/proc-usage.js';

/** A /proc/<pid>/stat line with the given comm, utime and stime (fields 14 and 15). */
function statLine(pid: number, comm: string, utime: number, stime: number): string {
  const after = ['S', '1', '1', '1', '0', '-1', '4194560', '100', '0', '0', '0', String(utime), String(stime), '0', '0', '20', '0', '11', '0', '12345'];
  return `${pid} (${comm}) ${after.join(' ')}\n`;
}

const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:56A5 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1206640 1 00000000ed43d133 100 0 0 10 0',
  '   1: 0100007F:56A5 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 1206999 1 00000000ed43d133 100 0 0 10 0',
  '   2: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 585 1 000000003d839701 100 0 0 10 0',
].join('\n');
const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0000000000000000FFFF00000100007F:5709 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1182714 1 00000000c062f542 100 0 0 10 0',
  '   1: 0000000000000000FFFF00000100007F:5709 0000000000000000FFFF00000100007F:9FA6 06 00000000:00000000 03:0000062F 00000000     0        0 0 3 000000006da7ba3e',
].join('\n');

describe('parseProcStat', () => {
  test('reads utime and stime after a plain comm', () => {
    assert.deepEqual(parseProcStat(statLine(42, 'node', 1234, 56)), { utimeTicks: 1234, stimeTicks: 56 });
  });

  test('a comm with spaces and parentheses does not shift the fields', () => {
    for (const comm of ['my server', 'a) b (c', ') 1 2 3 (', 'x)', '((']) {
      assert.deepEqual(parseProcStat(statLine(7, comm, 900, 100)), { utimeTicks: 900, stimeTicks: 100 }, comm);
    }
  });

  test('truncated or garbled text gives nothing', () => {
    assert.equal(parseProcStat(''), undefined);
    assert.equal(parseProcStat('42 node S 1 1'), undefined);
    assert.equal(parseProcStat('42 (node) S 1 1 1'), undefined);
    assert.equal(parseProcStat(statLine(1, 'n', 1, 2).replace(' 1 2 0 0 20', ' x 2 0 0 20')), undefined);
  });
});

describe('parseStatusKib', () => {
  test('reads VmHWM in KiB', () => {
    const status = 'Name:\tnode\nVmPeak:\t  900000 kB\nVmHWM:\t   65432 kB\nVmRSS:\t   60000 kB\n';
    assert.equal(parseStatusKib(status, 'VmHWM'), 65_432);
    assert.equal(parseStatusKib(status, 'VmSwap'), undefined);
  });
});

describe('/proc/net/tcp rows', () => {
  test('parses port, state and inode of IPv4 and IPv6 rows; headers and junk give nothing', () => {
    assert.deepEqual(parseNetTcpRow(TCP.split('\n')[1]!), { localPort: 0x56a5, state: '0A', inode: '1206640' });
    assert.deepEqual(parseNetTcpRow(TCP6.split('\n')[1]!), { localPort: 0x5709, state: '0A', inode: '1182714' });
    assert.equal(parseNetTcpRow(TCP.split('\n')[0]!), undefined);
    assert.equal(parseNetTcpRow(''), undefined);
    assert.equal(parseNetTcpRow('   0: zz:56A5 00000000:0000 0A 0 0 0 0 0 1'), undefined);
  });

  test('only LISTEN rows on the port count, and never inode 0', () => {
    assert.deepEqual([...listeningInodes([TCP, TCP6], 0x56a5)], ['1206640']);
    assert.deepEqual([...listeningInodes([TCP, TCP6], 0x5709)], ['1182714']);
    assert.deepEqual([...listeningInodes([TCP, TCP6], 1)], []);
  });
});

describe('a fake /proc tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'canopy-bench-proc-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'net', 'tcp'), TCP);
  writeFileSync(join(root, 'net', 'tcp6'), TCP6);
  const process = (pid: number, comm: string, sockets: readonly string[]): void => {
    mkdirSync(join(root, String(pid), 'fd'), { recursive: true });
    writeFileSync(join(root, String(pid), 'stat'), statLine(pid, comm, 100, 50));
    writeFileSync(join(root, String(pid), 'status'), 'Name:\tx\nVmHWM:\t  2048 kB\n');
    sockets.forEach((target, fd) => symlinkSync(target, join(root, String(pid), 'fd', String(fd))));
  };
  process(101, 'java (zk)', ['/dev/null', 'socket:[1182714]']);
  process(202, 'node', ['socket:[1206640]', 'pipe:[77]']);
  process(303, 'other', ['socket:[1206999]']);
  mkdirSync(join(root, 'self'));

  test('finds the process that holds the listening socket of a port', () => {
    assert.deepEqual(pidsListeningOn(0x5709, root), [101]);
    assert.deepEqual(pidsListeningOn(0x56a5, root), [202]);
    assert.deepEqual(pidsListeningOn(9, root), []);
    assert.deepEqual(UsageMeter.discover([0x5709, 0x56a5, 0x5709], root).sort(), [101, 202]);
  });

  test('CPU seconds are the difference between the two samples; peak RSS is VmHWM', () => {
    const meter = new UsageMeter([101, 999], root);
    meter.start();
    writeFileSync(join(root, '101', 'stat'), statLine(101, 'java (zk)', 350, 100));
    const [usage, ...others] = meter.stop();
    assert.equal(others.length, 0, 'a pid with no /proc entry is left out');
    assert.equal(usage!.pid, 101);
    assert.equal(usage!.cpuSeconds, 300 / clockTicksPerSecond());
    assert.equal(usage!.peakRssMiB, 2);
  });

  test('without /proc there is no usage and no error', () => {
    const missing = join(root, 'nowhere');
    assert.deepEqual(pidsListeningOn(0x5709, missing), []);
    const meter = new UsageMeter([101], missing);
    meter.start();
    assert.deepEqual(meter.stop(), []);
  });
});
