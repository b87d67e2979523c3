// npm run bench:failover: time from killing (kill -9) or pausing (SIGSTOP) the leader of a 3-server
// ensemble to the first write acknowledged afterwards, over several runs. Writers connect to every
// server and keep one create in flight each, so the figure includes client reconnection.
// Options: --runs 5 --tick-time 200 --mode kill|pause|both.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Client } from '../../client/index.js';
import { Ensemble } from '../support/ensemble.js';
import { until } from '../support/until.js';

async function once(mode: 'kill' | 'pause', tickTime: number): Promise<number> {
  const e = await Ensemble.start({ size: 3, tickTime });
  const clients: Client[] = [];
  let stop = false;
  try {
    const leader = await e.waitForLeader();
    const setup = await Client.connect(e.connectString, { sessionTimeoutMs: 30_000 });
    clients.push(setup);
    await setup.create('/f', '');
    let faultAt = 0;
    let firstAck = 0;
    let acked = 0;
    const loads = e.servers.map(async (s, w) => {
      const c = await Client.connect(`127.0.0.1:${s.clientPort},${e.connectString}`, { sessionTimeoutMs: 30_000 });
      clients.push(c);
      for (let i = 0; !stop; i++) {
        // Only a write started after the fault can be committed by the new leader.
        const startedAfterFault = faultAt > 0;
        try {
          await c.create(`/f/w${w}-${i}`, 'x');
          acked++;
          if (startedAfterFault && firstAck === 0) firstAck = Date.now();
        } catch {
          // CONNECTIONLOSS while the ensemble fails over: try the next write.
        }
      }
    });
    await until(() => acked >= 100, { timeoutMs: 60_000 });
    faultAt = Date.now();
    if (mode === 'kill') await e.kill(leader);
    else e.pause(leader);
    await until(() => firstAck > 0, { timeoutMs: 120_000, message: 'a write after the fault' });
    stop = true;
    if (mode === 'pause') e.resume(leader);
    await Promise.all(loads);
    return firstAck - faultAt;
  } finally {
    stop = true;
    for (const c of clients) await c.close().catch(() => {});
    await e.stopAll();
    await e.removeAll();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .options({ runs: { type: 'number', default: 5 }, 'tick-time': { type: 'number', default: 200 }, mode: { choices: ['kill', 'pause', 'both'] as const, default: 'both' as const } })
    .strict().parseAsync();
  const modes: Array<'kill' | 'pause'> = argv.mode === 'both' ? ['kill', 'pause'] : [argv.mode];
  for (const mode of modes) {
    const times: number[] = [];
    for (let r = 0; r < argv.runs; r++) times.push(await once(mode, argv['tick-time']));
    console.log(`leader ${mode === 'kill' ? 'kill -9' : 'SIGSTOP'}, tickTime ${argv['tick-time']} ms, syncLimit 5: first acknowledged write after ${times.map((t) => `${t}`).join(', ')} ms; median ${median(times)} ms`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
