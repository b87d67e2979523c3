// A tiny typed event emitter (the SDK must not import node:events to stay browser-safe).
// A listener that throws never stops the others nor the emitter's caller: its error goes to onListenerError.

export type Listener<Args extends unknown[]> = (...args: Args) => void;

/** Listeners are stored untyped; the public methods keep each event's arguments typed. */
type StoredListener = (...args: unknown[]) => void;

/** Most listeners per event: a leak guard, like node's maxListeners but enforced. */
export const MAX_LISTENERS_PER_EVENT = 1000;

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<StoredListener>>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    if (set.size >= MAX_LISTENERS_PER_EVENT) throw new Error(`more than ${MAX_LISTENERS_PER_EVENT} listeners for '${String(event)}'`);
    set.add(listener as unknown as StoredListener);
    return this;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    this.listeners.get(event)?.delete(listener as unknown as StoredListener);
    return this;
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const wrapper: Listener<Events[K]> = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    // A copy, so that listeners may add or remove listeners while we iterate.
    for (const listener of [...set]) {
      try {
        (listener as unknown as Listener<Events[K]>)(...args);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
