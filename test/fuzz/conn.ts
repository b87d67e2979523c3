// Runs one fuzz connection. A WebSocket script opens the socket (a peer script with its hello in a header
// of the upgrade request, as the peer protocol has it: src/transport/handshake.ts), sends the opening frame (a
// valid ConnectRequest, awaited) if it has one, then its frames, pipelined without waiting for answers.
// A raw script writes its bytes on a plain TCP connection instead (garbage, mangled HTTP). Sending is
// throttled on bufferedAmount so a server that stops reading backs the fuzzer up instead of filling its
// memory. Every frame a server sends on a client connection must decode as one msgpack map.
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, decode, encode } from '../../protocol/index.js';
import { HELLO_HEADER, HELLO_IN_HEADER } from './peer-frames.js';
import type { Frame, MutationNote } from './mutate.js';

export type Channel = 'client' | 'peer';

/** One connection's plan. */
export interface Script {
  channel: Channel;
  /** Which server: the standalone one (client scripts), or the ensemble's leader or follower (peer scripts). */
  role: 'standalone' | 'leader' | 'follower';
  /** Client: a valid ConnectRequest sent first and awaited; undefined for pre-handshake fuzzing. */
  opening: Uint8Array | undefined;
  /** More headers of the upgrade request (an Origin). */
  headers?: Record<string, string>;
  /**
   * Peer: the hello header's value (undefined: no header), what was done to it, and whether it is the
   * valid hello in the forged member's name.
   */
  hello?: { value: string | undefined; valid: boolean; notes: MutationNote[] };
  /** The upgrade must be refused; if it is accepted, this says what went wrong. */
  mustRefuse?: string;
  /**
   * Client: before frame `resumeAt` the connection is dropped (terminated, no close handshake) and a new
   * one resumes the session (sessionId, passwd, lastZxidSeen from the first) to send the rest.
   */
  resumeAt?: number;
  /**
   * Scripts of one lane run one after another. The peer acceptor holds one link per member: scripts that
   * open a link in the forged member's name take turns on each server.
   */
  lane?: string;
  /** The frames are raw bytes written on a plain TCP connection, not WebSocket frames. */
  raw?: boolean;
  frames: Frame[];
}

export interface ConnResult {
  opened: boolean;
  /** The opening was accepted (client: ConnectResponse with err OK; peer: the upgrade, then a welcome). */
  admitted: boolean;
  sent: number;
  /** Frames not sent because the server had closed the connection already. */
  dropped: number;
  responses: number;
  /** Client answers by their err code (the ConnectResponse included). */
  errs: Record<string, number>;
  /** The WebSocket close code, `http-<status>` for a refused upgrade, `tcp` for a raw connection. */
  closeCode: string | undefined;
  closeReason: string;
  /** A frame from the server that is not one msgpack map (client channel). */
  badResponse: string | undefined;
  error: string | undefined;
  /** The server stopped reading for longer than the stall bound, or never finished the close. */
  stalled: string | undefined;
  /** A connection the server had to refuse was accepted (Script.mustRefuse). */
  violation: string | undefined;
}

const BUFFERED_HIGH = 1024 * 1024;
const HANDSHAKE_WAIT_MS = 15_000;
const STALL_MS = 30_000;
const ANSWER_WAIT_MS = 15_000;

function newResult(): ConnResult {
  return { opened: false, admitted: false, sent: 0, dropped: 0, responses: 0, errs: {}, closeCode: undefined, closeReason: '', badResponse: undefined, error: undefined, stalled: undefined, violation: undefined };
}

/** A one-shot wake-up: wait() resolves at the next poke() or after ms. */
class Waker {
  private wake: (() => void) | undefined;

  poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, Math.max(0, ms));
      this.wake = () => { clearTimeout(timer); resolve(); };
    });
  }
}

const LANE_RETRY_MS = 10_000;

/**
 * Runs a script. A lane script refused with 503 (the server has not yet let go of the previous link in
 * the same member's name) tries again, backing off, until LANE_RETRY_MS have passed.
 */
export async function runScript(host: string, port: number, script: Script): Promise<ConnResult> {
  if (script.raw === true) return runRaw(host, port, script);
  const url = `ws://${host}:${port}/`;
  if (script.resumeAt !== undefined && script.opening !== undefined) return runResuming(url, script, script.resumeAt);
  const until = Date.now() + LANE_RETRY_MS;
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const r = await runWebSocket(url, script);
    if (script.lane === undefined || r.closeCode !== 'http-503' || Date.now() + delay >= until) return r;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** The session a ConnectResponse granted, and the highest zxid seen on the connection. */
interface Session {
  sessionId: number;
  passwd: Uint8Array;
  timeoutMs: number;
  zxid: number;
}

async function runResuming(url: string, script: Script, at: number): Promise<ConnResult> {
  const session: Partial<Session> = {};
  const first = await runWebSocket(url, { ...script, frames: script.frames.slice(0, at) }, session, true);
  if (!first.admitted || session.sessionId === undefined) {
    first.dropped += script.frames.length - at;
    return first;
  }
  const resume = encode({
    protocolVersion: PROTOCOL_VERSION, lastZxidSeen: session.zxid ?? 0, timeoutMs: session.timeoutMs ?? 10_000,
    sessionId: session.sessionId, passwd: session.passwd ?? new Uint8Array(0), readOnly: false,
  });
  const second = await runWebSocket(url, { ...script, opening: resume, frames: script.frames.slice(at) });
  const errs = { ...first.errs };
  for (const [e, n] of Object.entries(second.errs)) errs[e] = (errs[e] ?? 0) + n;
  return {
    ...second,
    opened: first.opened && second.opened,
    sent: first.sent + second.sent,
    dropped: first.dropped + second.dropped,
    responses: first.responses + second.responses,
    errs,
    badResponse: first.badResponse ?? second.badResponse,
    error: first.error ?? second.error,
    stalled: first.stalled ?? second.stalled,
  };
}

async function runRaw(host: string, port: number, script: Script): Promise<ConnResult> {
  const r = newResult();
  const waker = new Waker();
  let closed = false;
  const socket = connect({ host, port });
  socket.on('data', () => { r.responses++; });
  socket.on('error', (e: Error) => { r.error ??= e.message; });
  socket.on('close', () => { closed = true; r.closeCode = 'tcp'; waker.poke(); });
  socket.on('connect', () => { r.opened = true; waker.poke(); });
  const until = Date.now() + STALL_MS;
  while (!r.opened && !closed && Date.now() < until) await waker.wait(until - Date.now());
  if (!r.opened) return r;
  for (const f of script.frames) {
    if (closed) { r.dropped++; continue; }
    socket.write(typeof f.data === 'string' ? f.data : Buffer.from(f.data), () => waker.poke());
    r.sent++;
  }
  // Half-close: the server sees the end of our request and answers or drops it.
  socket.end();
  while (!closed && Date.now() < until) await waker.wait(until - Date.now());
  if (!closed) {
    r.stalled = `a raw connection was still open ${STALL_MS} ms after it ended its request`;
    socket.destroy();
  }
  return r;
}

/**
 * One WebSocket connection. `session` (client) receives the session the ConnectResponse granted and the
 * highest zxid seen; `abrupt` drops the connection at the end instead of closing it.
 */
async function runWebSocket(url: string, script: Script, session?: Partial<Session>, abrupt = false): Promise<ConnResult> {
  const r = newResult();
  const waker = new Waker();
  const helloValue = script.hello?.value;
  const headers = { ...script.headers, ...(helloValue === undefined || !HELLO_IN_HEADER ? {} : { [HELLO_HEADER]: helloValue }) };
  let ws: WebSocket;
  try {
    ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024, handshakeTimeout: HANDSHAKE_WAIT_MS, headers });
  } catch (e) {
    r.error = `not sent: ${(e as Error).message}`;
    return r;
  }
  // A fuzzed hello is a frame of its own, carried by the upgrade request.
  if (script.hello !== undefined && !script.hello.valid) r.sent++;
  let closed = false;
  /** Answers to requests (not notifications), after the ConnectResponse. */
  let answers = 0;
  ws.on('unexpected-response', (_req: unknown, res: IncomingMessage) => {
    r.closeCode = `http-${res.statusCode ?? '?'}`;
    const told = res.headers['canopy-refusal-reason'];
    r.closeReason = typeof told === 'string' ? told : '';
    res.resume();
    ws.terminate();
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    r.responses++;
    if (script.channel === 'client' && r.badResponse === undefined) {
      try {
        const v = decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if (!isBinary || typeof v !== 'object' || v === null || Array.isArray(v)) r.badResponse = `not a msgpack map: ${data.subarray(0, 64).toString('hex')}`;
        else {
          const err = String((v as { err?: unknown }).err);
          r.errs[err] = (r.errs[err] ?? 0) + 1;
          const frame = v as Record<string, unknown>;
          if (session !== undefined && typeof frame.zxid === 'number' && frame.zxid > (session.zxid ?? 0)) session.zxid = frame.zxid;
          if (r.responses === 1 && script.opening !== undefined) {
            r.admitted = err === '0';
            if (session !== undefined && typeof frame.sessionId === 'number' && frame.passwd instanceof Uint8Array) {
              Object.assign(session, { sessionId: frame.sessionId, passwd: new Uint8Array(frame.passwd), timeoutMs: frame.timeoutMs });
            }
          } else if (!Object.hasOwn(v, 'type')) answers++;
        }
      } catch (e) {
        r.badResponse = `undecodable (${(e as Error).message}): ${data.subarray(0, 64).toString('hex')}`;
      }
    } else if (script.channel === 'peer' && r.responses === 1 && !HELLO_IN_HEADER) {
      // Protocol 1: the welcome frame says the hello was accepted.
      r.admitted = true;
      if (script.mustRefuse !== undefined) r.violation = script.mustRefuse;
    }
    waker.poke();
  });
  ws.on('close', (code: number, reason: Buffer) => {
    closed = true;
    r.closeCode ??= String(code);
    r.closeReason ||= reason.toString();
    waker.poke();
  });
  ws.on('error', (e: Error) => {
    r.error ??= e.message;
    waker.poke();
  });
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    ws.once('close', () => resolve());
  });
  if (ws.readyState !== WebSocket.OPEN) {
    r.dropped = script.frames.length;
    return r;
  }
  r.opened = true;
  if (script.channel === 'peer' && HELLO_IN_HEADER) {
    r.admitted = true;
    if (script.mustRefuse !== undefined) r.violation = script.mustRefuse;
  }
  if (helloValue !== undefined && !HELLO_IN_HEADER) {
    // Protocol 1: the hello is the first frame (a value that is not base64url goes as a text frame).
    ws.send(/^[A-Za-z0-9_-]+$/.test(helloValue) ? Buffer.from(helloValue, 'base64url') : helloValue);
  }

  if (script.opening !== undefined) {
    ws.send(script.opening);
    const until = Date.now() + HANDSHAKE_WAIT_MS;
    while (r.responses === 0 && !closed && Date.now() < until) await waker.wait(until - Date.now());
    if (!r.admitted) {
      r.dropped = script.frames.length;
      if (!closed && r.responses === 0) r.stalled = `no ConnectResponse within ${HANDSHAKE_WAIT_MS} ms`;
      return finish(ws, r, () => closed, waker);
    }
  }
  for (let i = 0; i < script.frames.length; i++) {
    if (script.opening !== undefined && i === script.frames.length - 1 && i > 0) {
      // The last frame may close the connection, and a close drops answers still queued: every request
      // before it must be answered first (exactly once), which is itself checked.
      const until = Date.now() + ANSWER_WAIT_MS;
      while (answers < r.sent && !closed && Date.now() < until) await waker.wait(until - Date.now());
      if (answers < r.sent && !closed) r.stalled = `${r.sent - answers} of ${r.sent} requests unanswered after ${ANSWER_WAIT_MS} ms`;
    }
    if (closed || ws.readyState !== WebSocket.OPEN) {
      r.dropped = script.frames.length - i;
      break;
    }
    const { data } = script.frames[i]!;
    ws.send(data, { binary: typeof data !== 'string' }, () => waker.poke());
    r.sent++;
    const until = Date.now() + STALL_MS;
    while (ws.bufferedAmount > BUFFERED_HIGH && !closed) {
      if (Date.now() >= until) {
        r.stalled = `the server read nothing for ${STALL_MS} ms (${ws.bufferedAmount} bytes unsent)`;
        ws.terminate();
        return r;
      }
      await waker.wait(Math.min(200, until - Date.now()));
    }
  }
  if (abrupt) {
    ws.terminate();
    return r;
  }
  return finish(ws, r, () => closed, waker);
}

/** Closes cleanly (the server reads everything before the close frame) and waits for the close. */
async function finish(ws: WebSocket, r: ConnResult, isClosed: () => boolean, waker: Waker): Promise<ConnResult> {
  if (!isClosed()) ws.close(1000);
  const until = Date.now() + STALL_MS;
  while (!isClosed() && Date.now() < until) await waker.wait(until - Date.now());
  if (!isClosed()) {
    r.stalled ??= `the close handshake did not finish within ${STALL_MS} ms`;
    ws.terminate();
  }
  return r;
}
