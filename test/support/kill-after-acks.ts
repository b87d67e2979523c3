// For storage crash tests: a child process (the test file itself, run with `child <dir>`) appends txns and
// prints each acknowledged zxid on a line; it is killed with SIGKILL once it has acknowledged enough.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Starts testFileUrl as the child, kills it with SIGKILL once it has acknowledged `ackTarget` txns, returns what it acknowledged. */
export function killAfterAcks(testFileUrl: string, dir: string, ackTarget: number, timeoutMs: number): Promise<number[]> {
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const child = spawn(process.execPath, [fileURLToPath(testFileUrl), 'child', dir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: number[] = [];
  let partial = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child acknowledged only ${acked.length} txns in ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) acked.push(Number(line));
      if (acked.length >= ackTarget) child.kill('SIGKILL');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(acked);
    });
    child.on('error', reject);
  });
}
