// Bytes for plain TCP connections to a WebSocket port: random bytes, plain HTTP requests, upgrade requests
// that are mangled, truncated, oversized or followed by garbage instead of WebSocket frames. They reach
// the HTTP parser and the upgrade checks in front of every frame (the peer port checks the hello there).
import type { Prng } from '../sim/prng.js';
import { mutateBytes, type Frame, type MutationNote } from './mutate.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function upgradeRequest(extraHeaders: string[]): string {
  return ['GET / HTTP/1.1', 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', ...extraHeaders, '', ''].join('\r\n');
}

function randomBytes(prng: Prng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = prng.int(0, 255);
  return b;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * One or two raw writes. `helloHeader` is a header line to put in upgrade requests (the peer port's
 * hello, possibly valid), or undefined (the client port).
 */
export function rawRequest(prng: Prng, helloHeader: string | undefined): Frame[] {
  const hello = helloHeader === undefined ? [] : [helloHeader];
  const note = (what: string): MutationNote[] => [{ path: '(tcp)', what }];
  switch (prng.int(0, 8)) {
    case 0:
      return [{ data: randomBytes(prng, prng.int(1, 2048)), notes: note('random bytes') }];
    case 1:
      return [{ data: text('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), notes: note('plain HTTP GET') }];
    case 2:
      return [{ data: text(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`), notes: note('plain HTTP POST') }];
    case 3: {
      const bytes = text(upgradeRequest(hello));
      const notes: MutationNote[] = [];
      return [{ data: mutateBytes(prng, bytes, notes), notes: [{ path: '(tcp)', what: 'mangled upgrade request' }, ...notes] }];
    }
    case 4: {
      const big = `X-Fuzz: ${'a'.repeat(prng.pick([5_000, 20_000, 100_000]))}`;
      return [{ data: text(upgradeRequest([...hello, big])), notes: note('upgrade request with an oversized header') }];
    }
    case 5: {
      const full = text(upgradeRequest(hello));
      const cut = prng.int(1, full.length - 1);
      return [{ data: full.slice(0, cut), notes: note(`upgrade request cut at ${cut} of ${full.length} bytes`) }];
    }
    case 6:
      return [
        { data: text(upgradeRequest(hello)), notes: note('upgrade request') },
        { data: randomBytes(prng, prng.int(1, 512)), notes: note('random bytes where WebSocket frames belong') },
      ];
    case 7: {
      // An unmasked client frame, or one claiming a 2^63-byte payload.
      const frame = prng.chance(0.5) ? Uint8Array.from([0x82, 0x05, 1, 2, 3, 4, 5]) : Uint8Array.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
      return [{ data: text(upgradeRequest(hello)), notes: note('upgrade request') }, { data: frame, notes: note('broken WebSocket frame header') }];
    }
    default:
      return [{ data: text(upgradeRequest([...hello, 'Origin: https://evil.example'])), notes: note('upgrade request from a browser origin') }];
  }
}
