// How the shell shows things: zkCli's layouts for Stat and ACLs, a hex dump for binary data, the
// text of watch events. Pure functions, so the one-shot and interactive modes print alike.
import type { ACL, Stat, WatchedEvent } from '../index.js';
import { EventType, KeeperState, Perms } from '../index.js';

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

/** Java's Date.toString layout ("Sat Dec 26 16:07:46 MST 2020"), which is what zkCli prints for ctime/mtime. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${two(d.getDate())} ${time} ${zoneName(d)} ${d.getFullYear()}`;
}

export function statLines(stat: Stat): string[] {
  return [
    `cZxid = ${hex(stat.czxid)}`,
    `ctime = ${javaDate(stat.ctime)}`,
    `mZxid = ${hex(stat.mzxid)}`,
    `mtime = ${javaDate(stat.mtime)}`,
    `pZxid = ${hex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = ${hex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ];
}

// zkCli's letter order, not the bit order.
const PERM_LETTERS: ReadonlyArray<[string, number]> = [['c', Perms.CREATE], ['d', Perms.DELETE], ['r', Perms.READ], ['w', Perms.WRITE], ['a', Perms.ADMIN]];

export function permString(perms: number): string {
  return PERM_LETTERS.filter(([, bit]) => (perms & bit) !== 0).map(([letter]) => letter).join('');
}

export function permBits(letters: string): number | undefined {
  let perms = 0;
  for (const ch of letters) {
    const entry = PERM_LETTERS.find(([letter]) => letter === ch);
    if (entry === undefined) return undefined;
    perms |= entry[1];
  }
  return perms;
}

/** zkCli: "'world,'anyone" then ": cdrwa", for each entry. */
export function aclLines(acl: readonly ACL[]): string[] {
  return acl.flatMap((a) => [`'${a.id.scheme},'${a.id.id}`, `: ${permString(a.perms)}`]);
}

const HEX_LINE_BYTES = 16;

/** Offset, 16 hex bytes (split in two groups of 8), and the printable ASCII column: like `hexdump -C`. */
export function hexDump(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += HEX_LINE_BYTES) {
    const chunk = bytes.subarray(offset, offset + HEX_LINE_BYTES);
    const cells: string[] = [];
    for (let i = 0; i < HEX_LINE_BYTES; i++) cells.push(i < chunk.length ? chunk[i]!.toString(16).padStart(2, '0') : '  ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${cells.slice(0, 8).join(' ')}  ${cells.slice(8).join(' ')}  |${ascii}|`);
  }
  return lines;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
// Any C0 control other than \t \n \r, DEL, and the C1 controls.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** The data as text when it is valid UTF-8 without control characters (other than \n \t \r); else undefined. */
export function printableText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
  return CONTROL.test(text) ? undefined : text;
}

/** Lines that show znode data safely on a terminal. */
export function dataLines(bytes: Uint8Array): string[] {
  const text = printableText(bytes);
  return text !== undefined ? [text] : hexDump(bytes);
}

export function toHexString(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function nameOf(table: Record<string, number>, value: number): string {
  return Object.keys(table).find((k) => table[k] === value) ?? String(value);
}

export function eventTypeName(type: number): string {
  return nameOf(EventType, type);
}

export function keeperStateName(state: number): string {
  return nameOf(KeeperState, state);
}

/** ZooKeeper 3.9's WatchedEvent.toString(); a state event has no path ("null"). */
export function eventLine(event: WatchedEvent): string {
  const path = event.path === '' ? 'null' : event.path;
  return `WatchedEvent state:${keeperStateName(event.state)} type:${eventTypeName(event.type)} path:${path} zxid: ${event.zxid}`;
}

/** Java's List.toString: "[a, b, c]". */
export function listText(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}
