#!/usr/bin/env node
// The image's HEALTHCHECK: GET /health on the admin endpoint inside the container (loopback, so the
// endpoint never needs to be published). Exit 0 when the server answers 200 (serving, synced, leader
// known), 1 otherwise: a 503, no answer, or none within the deadline. Node's fetch: no curl in the image.
const DEFAULT_ADMIN_PORT = 8080;
const DEADLINE_MS = 4000;

function adminPort() {
  const text = process.env.CANOPY_ADMIN_PORT ?? String(DEFAULT_ADMIN_PORT);
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    process.stderr.write('canopy-healthcheck: CANOPY_ADMIN_PORT must be a port number\n');
    process.exit(1);
  }
  return port;
}

try {
  const response = await fetch(`http://127.0.0.1:${adminPort()}/health`, { signal: AbortSignal.timeout(DEADLINE_MS) });
  await response.body?.cancel();
  process.exit(response.status === 200 ? 0 : 1);
} catch (e) {
  process.stderr.write(`canopy-healthcheck: ${e instanceof Error ? e.message : 'no answer'}\n`);
  process.exit(1);
}
