// Runs the Kazoo script against the proxy, cutting the link when it asks.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { execFileSync } from 'node:child_process';
import type { RecordingProxy } from './recording-proxy.js';

/** Debian's python with python3-kazoo; not the pyenv python on PATH. */
const PYTHON = '/usr/bin/python3';

/** The script sits beside the TypeScript sources (tsc does not copy it into dist/). */
function scriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', '..', 'tools', 'jute-capture', 'kazoo-script.py');
}

export function kazooVersion(): string {
  return execFileSync(PYTHON, ['-c', 'import kazoo.version; print(kazoo.version.__version__)']).toString().trim();
}

export async function driveKazoo(proxy: RecordingProxy): Promise<void> {
  const child = spawn(PYTHON, [scriptPath(), `127.0.0.1:${proxy.port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
    process.stderr.write(d);
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line === 'DROP') {
      proxy.dropAll();
      child.stdin.write('\n');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the Kazoo script exited with ${String(code)}:\n${stderr}`);
}
