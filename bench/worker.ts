// A client process of canopy-bench (forked by the coordinator for --processes N > 1): it runs its share
// of a workload's sessions and exits once its report is sent, or as soon as the coordinator goes away.
import { ClientRunner } from './clients/client-runner.js';
import { asToClient } from './clients/messages.js';
import type { FromClient } from './clients/messages.js';

function sendToCoordinator(message: FromClient): void {
  if (!process.connected) process.exit(1);
  const last = message.type === 'report' || message.type === 'failed';
  // Sessions may leave timers behind; once the last word is delivered, nothing here is needed.
  process.send?.(message, undefined, {}, () => {
    if (last) process.exit(message.type === 'report' ? 0 : 1);
  });
}

if (process.send === undefined) {
  process.stderr.write('canopy-bench worker: start me through canopy-bench --processes N, not directly\n');
  process.exit(2);
}
const runner = new ClientRunner(sendToCoordinator);
process.on('disconnect', () => process.exit(1));
process.on('message', (raw: unknown) => {
  const message = asToClient(raw);
  if (message === undefined) {
    sendToCoordinator({ type: 'failed', message: 'the coordinator sent a message of the wrong shape' });
    return;
  }
  runner.receive(message);
});
