// Creates a path's missing ancestors and itself as persistent nodes, tolerating concurrent creators.
import type { Client } from '../../client.js';
import { KeeperError } from '../../errors.js';
import { ErrorCode } from '../../../protocol/index.js';
import { isConnectionLoss, whenConnected } from './connected.js';

export async function ensurePath(client: Client, path: string): Promise<void> {
  if (path === '/' || path === '') return;
  const parts = path.split('/').filter((p) => p !== '');
  let current = '';
  for (const part of parts) {
    current += `/${part}`;
    for (;;) {
      try {
        await client.create(current, '');
        break;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NODEEXISTS)) break;
        if (!isConnectionLoss(e)) throw e;
        await whenConnected(client);
      }
    }
  }
}
