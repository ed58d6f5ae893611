import { KubeObject } from './types';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as the event log keeps it for watches. */
export type StoreEvent = {
  type: WatchEventType;
  /** `group/resource` */
  resourceKey: string;
  rv: number;
  object: KubeObject;
  /** The object before a modification (for selector transitions). */
  previous?: KubeObject;
};

type EventLog = {
  /** Watches from any version at or after this one can be served without loss. */
  startRv: number;
  events: StoreEvent[];
};

/**
 * The in-memory store: objects keyed by (group/resource, namespace/name), one
 * global resourceVersion counter and, per resource, a bounded log of recent
 * events so watches can resume from a version without losing an event.
 */
export class Store {
  private rv: number;
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  /** Sorted keys per resource, rebuilt lazily after an insert or removal. */
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly logs = new Map<string, EventLog>();
  private readonly listeners = new Map<
    string,
    Set<(event: StoreEvent) => void>
  >();

  constructor(private readonly logCapacity = 10_000, initialRv = 0) {
    this.rv = initialRv;
  }

  get currentRv(): number {
    return this.rv;
  }

  /** Reserves the next resourceVersion. */
  nextRv(): number {
    this.rv += 1;
    return this.rv;
  }

  get(
    resourceKey: string,
    namespace: string,
    name: string,
  ): KubeObject | undefined {
    return this.buckets.get(resourceKey)?.get(`${namespace}/${name}`);
  }

  /** Objects of a resource, in one namespace or all, sorted by namespace and name. */
  list(resourceKey: string, namespace?: string): KubeObject[] {
    const bucket = this.buckets.get(resourceKey);
    if (!bucket) return [];
    let keys = this.sortedKeys.get(resourceKey);
    if (!keys) {
      keys = [...bucket.keys()].sort();
      this.sortedKeys.set(resourceKey, keys);
    }
    let start = 0;
    let end = keys.length;
    if (namespace !== undefined) {
      // Keys are "namespace/name": one namespace is a contiguous range.
      start = lowerBound(keys, `${namespace}/`);
      end = lowerBound(keys, `${namespace}0`); // '0' sorts right after '/'
    }
    const result: KubeObject[] = [];
    for (let i = start; i < end; i++) result.push(bucket.get(keys[i])!);
    return result;
  }

  count(resourceKey: string): number {
    return this.buckets.get(resourceKey)?.size ?? 0;
  }

  resourceKeys(): string[] {
    return [...this.buckets.keys()];
  }

  /** Stores an object whose resourceVersion the caller already set, and emits the event. */
  put(resourceKey: string, object: KubeObject, previous?: KubeObject): void {
    let bucket = this.buckets.get(resourceKey);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(resourceKey, bucket);
    }
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (!bucket.has(key)) this.sortedKeys.delete(resourceKey);
    bucket.set(key, object);
    this.emit({
      type: previous ? 'MODIFIED' : 'ADDED',
      resourceKey,
      rv: Number(object.metadata.resourceVersion),
      object,
      previous,
    });
  }

  /** Removes an object; `object` carries the deletion's resourceVersion. */
  remove(resourceKey: string, object: KubeObject): void {
    this.buckets
      .get(resourceKey)
      ?.delete(`${object.metadata.namespace ?? ''}/${object.metadata.name}`);
    this.sortedKeys.delete(resourceKey);
    this.emit({
      type: 'DELETED',
      resourceKey,
      rv: Number(object.metadata.resourceVersion),
      object,
    });
  }

  /** Loads objects without events (restoring state). */
  load(resourceKey: string, objects: KubeObject[]): void {
    for (const object of objects) {
      let bucket = this.buckets.get(resourceKey);
      if (!bucket) {
        bucket = new Map();
        this.buckets.set(resourceKey, bucket);
      }
      bucket.set(
        `${object.metadata.namespace ?? ''}/${object.metadata.name}`,
        object,
      );
    }
    this.sortedKeys.delete(resourceKey);
  }

  /** Drops a whole resource (a deleted CRD's objects are removed one by one first). */
  drop(resourceKey: string): void {
    this.buckets.delete(resourceKey);
    this.sortedKeys.delete(resourceKey);
  }

  /**
   * Events of a resource after `rv`, or `undefined` when the log no longer
   * reaches back that far (the watch must answer 410 Gone).
   */
  eventsSince(resourceKey: string, rv: number): StoreEvent[] | undefined {
    const log = this.logs.get(resourceKey);
    if (!log) return rv >= this.oldestServable(resourceKey) ? [] : undefined;
    if (rv < log.startRv) return undefined;
    // Binary search for the first event after rv.
    let lo = 0;
    let hi = log.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (log.events[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return log.events.slice(lo);
  }

  /** The oldest resourceVersion a watch on this resource can start from. */
  oldestServable(resourceKey: string): number {
    return this.logs.get(resourceKey)?.startRv ?? this.initialFloor;
  }

  private initialFloor = 0;

  /** After restoring state, history before now is unknown. */
  setHistoryFloor(rv: number): void {
    this.initialFloor = rv;
    this.logs.clear();
  }

  subscribe(
    resourceKey: string,
    listener: (event: StoreEvent) => void,
  ): () => void {
    let set = this.listeners.get(resourceKey);
    if (!set) {
      set = new Set();
      this.listeners.set(resourceKey, set);
    }
    set.add(listener);
    return () => set!.delete(listener);
  }

  /** Listeners on every resource (controllers, garbage collection). */
  private readonly global = new Set<(event: StoreEvent) => void>();

  subscribeAll(listener: (event: StoreEvent) => void): () => void {
    this.global.add(listener);
    return () => this.global.delete(listener);
  }

  private emit(event: StoreEvent): void {
    let log = this.logs.get(event.resourceKey);
    if (!log) {
      log = { startRv: this.initialFloor, events: [] };
      this.logs.set(event.resourceKey, log);
    }
    log.events.push(event);
    if (log.events.length > this.logCapacity) {
      const dropped = log.events.splice(
        0,
        log.events.length - this.logCapacity,
      );
      log.startRv = dropped[dropped.length - 1].rv;
    }
    for (const listener of this.listeners.get(event.resourceKey) ?? [])
      listener(event);
    for (const listener of this.global) listener(event);
  }
}

function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
