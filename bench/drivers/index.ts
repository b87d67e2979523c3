// The driver for each client protocol; ZooKeeper's client library is loaded only when it is asked for.
import { assertNever } from '../../protocol/assert-never.js';
import type { BenchDriver, ClientProtocol } from '../types.js';
import { canopyDriver } from './canopy-driver.js';
import { zooKeeperDriver } from './zookeeper-driver.js';

export async function driverFor(protocol: ClientProtocol): Promise<BenchDriver> {
  switch (protocol) {
    case 'canopy': return canopyDriver;
    case 'zookeeper': return zooKeeperDriver();
    default: return assertNever(protocol, 'protocol');
  }
}
