// The recipe library ('canopy/client/recipes'): ZooKeeper's and Curator's recipes over the public SDK,
// correct under connection loss and session expiry. See README.md in this folder for an example of each.

// Locks and fencing
export { Mutex } from './mutex.js';
export type { MutexEvents, MutexOptions, InterProcessLock } from './mutex.js';
export { ReadWriteLock } from './read-write-lock.js';
export type { ReadWriteLockOptions } from './read-write-lock.js';
export { Semaphore, MAX_LEASES_MAX } from './semaphore.js';
export type { Lease, SemaphoreEvents, SemaphoreOptions } from './semaphore.js';
export { MultiLock, MULTI_LOCK_SIZE_MAX } from './multi-lock.js';
export { FencingGate } from './fencing.js';
export type { LockLease } from './fencing.js';
export type { LockDecision, LockDriver, LockOptions } from './lock-internals.js';

// Leader election
export { LeaderLatch } from './leader-latch.js';
export type { LeaderLatchEvents, LeaderLatchOptions } from './leader-latch.js';
export { LeaderSelector } from './leader-selector.js';
export type { LeaderSelectorEvents, LeaderSelectorOptions, LeadershipCallback } from './leader-selector.js';
export type { Participant } from './participants.js';

// Barriers, queues, counters
export { Barrier } from './barrier.js';
export { DoubleBarrier } from './double-barrier.js';
export type { DoubleBarrierOptions } from './double-barrier.js';
export { DistributedQueue } from './queue.js';
export { PriorityQueue, PRIORITY_MIN, PRIORITY_MAX } from './priority-queue.js';
export { DelayQueue } from './delay-queue.js';
export { SharedCount } from './shared-counter.js';
export type { SharedCountEvents, VersionedValue } from './shared-counter.js';
export { DistributedAtomicLong } from './atomic-long.js';
export type { AtomicLongOptions, AtomicResult } from './atomic-long.js';
export { RecipeClosedError } from './recipe-wait.js';
export type { WaitOptions } from './recipe-wait.js';

// Caches
export { CacheBase, CacheLimitError, CACHE_NODES_MAX } from './cache-core.js';
export type { CachedNode, CacheEvents } from './cache-core.js';
export { NodeCache } from './node-cache.js';
export { ChildrenCache } from './children-cache.js';
export type { ChildrenCacheOptions } from './children-cache.js';
export { TreeCache } from './tree-cache.js';
export type { TreeCacheOptions } from './tree-cache.js';

// Service discovery, configuration, membership
export { ServiceDiscovery, SERVICE_REGISTRATIONS_MAX } from './service-discovery.js';
export type { ServiceDiscoveryEvents, ServiceDiscoveryOptions, ServiceInstance, ServiceRegistration, ServiceWatch } from './service-discovery.js';
export { ServiceProvider, RoundRobinStrategy, RandomStrategy, StickyStrategy } from './service-provider.js';
export type { ProviderStrategy, ServiceProviderOptions, StrategyName } from './service-provider.js';
export { ConfigHandle, CONFIG_HISTORY_MAX } from './config-handle.js';
export type { ConfigHandleEvents, ConfigHandleOptions, ConfigVersion } from './config-handle.js';
export { ConfigFormatError, parseConfigText, serializeConfig } from './config-formats.js';
export type { ConfigFormat } from './config-formats.js';
export { parseProperties, stringifyProperties, PropertiesSyntaxError } from './properties.js';
export { GroupMember } from './group-member.js';
export type { GroupMemberEvents } from './group-member.js';
export { PersistentEphemeralNode } from './persistent-node.js';
export type { PersistentNodeEvents } from './persistent-node.js';
