// ServiceProvider (Curator's ServiceProvider): picks one instance of a service from a live view of its
// instances, by strategy — round-robin, random, or sticky (the same instance for as long as it is there).
import type { ServiceDiscovery, ServiceInstance, ServiceWatch } from './service-discovery.js';

/**
 * Chooses one of the current instances (given sorted by id, never empty).
 */
export interface ProviderStrategy {
  pick(instances: readonly ServiceInstance[]): ServiceInstance;
}

/**
 * Each instance in turn.
 */
export class RoundRobinStrategy implements ProviderStrategy {
  private next = 0;
  pick(instances: readonly ServiceInstance[]): ServiceInstance {
    const chosen = instances[this.next % instances.length]!;
    this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER;
    return chosen;
  }
}

/**
 * Any instance, uniformly.
 */
export class RandomStrategy implements ProviderStrategy {
  /** `random` is uniform in [0, 1) (default Math.random); inject a seeded one in tests. */
  constructor(private readonly random: () => number = Math.random) {}
  pick(instances: readonly ServiceInstance[]): ServiceInstance {
    return instances[Math.min(instances.length - 1, Math.floor(this.random() * instances.length))]!;
  }
}

/** Keeps returning the same instance while it is registered; picks a new one with `fallback` when it goes. */
export class StickyStrategy implements ProviderStrategy {
  private chosenId: string | undefined;
  constructor(private readonly fallback: ProviderStrategy = new RoundRobinStrategy()) {}
  pick(instances: readonly ServiceInstance[]): ServiceInstance {
    const same = instances.find((i) => i.id === this.chosenId);
    if (same !== undefined) return same;
    const chosen = this.fallback.pick(instances);
    this.chosenId = chosen.id;
    return chosen;
  }
}

export type StrategyName = 'round-robin' | 'random' | 'sticky';

export interface ServiceProviderOptions {
  /** A strategy by name or an object (default 'round-robin'). */
  strategy?: StrategyName | ProviderStrategy;
}

export function strategyFor(strategy: StrategyName | ProviderStrategy | undefined): ProviderStrategy {
  if (strategy === undefined || strategy === 'round-robin') return new RoundRobinStrategy();
  if (strategy === 'random') return new RandomStrategy();
  if (strategy === 'sticky') return new StickyStrategy();
  return strategy;
}

/**
 * Picks one instance of a service (Curator's ServiceProvider) from a live view, by strategy: round-robin
 * (default), random, sticky or your own.
 */
export class ServiceProvider {
  private watch: ServiceWatch | undefined;
  private readonly strategy: ProviderStrategy;

  /**
   * A provider of the service `name`. Nothing is read before start.
   */
  constructor(private readonly discovery: ServiceDiscovery, readonly name: string, opts: ServiceProviderOptions = {}) {
    this.strategy = strategyFor(opts.strategy);
  }

  /**
   * Loads the instances and keeps watching them.
   * @returns once loaded.
   * @throws {Error} when already started.
   * @throws as ServiceDiscovery.watchService.
   */
  async start(): Promise<void> {
    if (this.watch !== undefined) throw new Error(`provider for ${this.name} already started`);
    this.watch = await this.discovery.watchService(this.name, () => undefined);
  }

  /**
   * One instance by the strategy.
   * @returns it, or undefined when none is registered.
   * @throws {Error} before start.
   */
  getInstance(): ServiceInstance | undefined {
    const all = this.getAllInstances();
    return all.length === 0 ? undefined : this.strategy.pick(all);
  }

  /**
   * Every instance in the view.
   * @returns them, sorted by id.
   * @throws {Error} before start.
   */
  getAllInstances(): ServiceInstance[] {
    if (this.watch === undefined) throw new Error(`provider for ${this.name} not started`);
    return this.watch.current();
  }

  /**
   * Stops watching.
   */
  close(): void {
    this.watch?.close();
    this.watch = undefined;
  }
}
