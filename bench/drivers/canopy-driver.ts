// BenchDriver for Canopy, through our own SDK exactly as an application would use it.
import { Client, CreateMode, ErrorCode, EventType, KeeperError } from '../../client/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { BenchCreateMode, BenchDriver, BenchSession } from '../types.js';
import { ensurePathWith } from './ensure-path.js';

/** Time to establish a session before Client.connect gives up. */
const CONNECT_TIMEOUT_MS = 15_000;

function createMode(mode: BenchCreateMode): CreateMode {
  switch (mode) {
    case 'persistent': return CreateMode.PERSISTENT;
    case 'persistent_sequential': return CreateMode.PERSISTENT_SEQUENTIAL;
    case 'ephemeral': return CreateMode.EPHEMERAL;
    case 'ephemeral_sequential': return CreateMode.EPHEMERAL_SEQUENTIAL;
    default: return assertNever(mode, 'create mode');
  }
}

class CanopySession implements BenchSession {
  constructor(private readonly client: Client) {}

  create(path: string, data: Uint8Array, mode: BenchCreateMode): Promise<string> {
    return this.client.create(path, data, { mode: createMode(mode) });
  }

  async setData(path: string, data: Uint8Array): Promise<void> {
    await this.client.setData(path, data);
  }

  async getData(path: string): Promise<Uint8Array> {
    return (await this.client.getData(path)).data;
  }

  async getDataWatched(path: string, onChange: () => void): Promise<Uint8Array> {
    // Only a change of the node counts: a session event (expiry) is not the notification being timed.
    const watch = (event: { type: number }): void => {
      if (event.type === EventType.NodeDataChanged || event.type === EventType.NodeDeleted) onChange();
    };
    return (await this.client.getData(path, { watch })).data;
  }

  delete(path: string): Promise<void> {
    return this.client.delete(path);
  }

  ensurePath(path: string): Promise<void> {
    return ensurePathWith(path, async (p) => {
      try {
        await this.client.create(p, new Uint8Array(0));
        return true;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NODEEXISTS)) return false;
        throw e;
      }
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export const canopyDriver: BenchDriver = {
  protocol: 'canopy',
  async connect(connectString: string, sessionTimeoutMs: number): Promise<BenchSession> {
    const client = await Client.connect(connectString, { sessionTimeoutMs, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    // A watcher that throws is a bench bug; say so once per session rather than through console noise.
    client.on('listenerError', (error) => process.emitWarning(`canopy-bench watcher threw: ${String(error)}`));
    return new CanopySession(client);
  },
};
