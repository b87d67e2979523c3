// The two ways the coordinator reaches a client: a forked worker process (bench/worker.ts) over IPC, or a
// ClientRunner in the coordinator's own process (--processes 1), with the same messages handed over on
// the next turn of the event loop so that neither side re-enters the other.
import { fork } from 'node:child_process';
import type { ClientEndpoint, ClientGroup } from './client-group.js';
import { ClientRunner } from './client-runner.js';
import { asFromClient } from './messages.js';

export function inProcessEndpoint(group: ClientGroup, index: number): ClientEndpoint {
  const runner = new ClientRunner((message) => setImmediate(() => group.clientOnMessage(index, message)));
  return {
    send: (message) => setImmediate(() => runner.receive(message)),
    // Nothing to end: the client part finishes or fails on its own, and the process exits after the run.
    stop: () => undefined,
  };
}

/** Forks the worker; resolves once it runs (a failure to start rejects). */
export async function forkedEndpoint(group: ClientGroup, index: number, workerPath: string): Promise<ClientEndpoint> {
  // The worker's stdout goes to our stderr: stdout carries only the result (--json).
  const child = fork(workerPath, [], { stdio: ['ignore', 2, 2, 'ipc'], execArgv: [], serialization: 'json' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  child.on('error', (error) => group.clientOnExit(index, error.message));
  child.on('message', (raw: unknown) => {
    const message = asFromClient(raw);
    if (message) group.clientOnMessage(index, message);
    else group.clientOnBadMessage(index);
  });
  child.on('exit', (code, signal) => group.clientOnExit(index, signal ?? `exit code ${String(code)}`));
  return {
    send: (message) => {
      if (child.connected) child.send(message);
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
