// The driver for each system; ZooKeeper's client library is loaded only when it is asked for.
import { assertNever } from '../../protocol/assert-never.js';
import type { BenchDriver, SystemName } from '../types.js';
import { canopyDriver } from './canopy-driver.js';
import { zooKeeperDriver } from './zookeeper-driver.js';

export async function driverFor(system: SystemName): Promise<BenchDriver> {
  switch (system) {
    case 'canopy': return canopyDriver;
    case 'zookeeper': return zooKeeperDriver();
    default: return assertNever(system, 'system');
  }
}
