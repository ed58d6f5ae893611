import { hrtime } from 'node:process';
import { Cluster, timestamp } from '../cluster';
import { ApiError } from '../errors';
import { ResourceType } from '../resources';
import { StoreEvent } from '../store';
import { KubeObject } from '../types';

export type EventKind = 'Normal' | 'Warning';

/** Who reports an event: `source` of a core Event (`kubelet` on host `kube-sim`). */
export type EventSource = { component: string; host?: string };

export type EventRecorderOptions = {
  /** How long an event lives after its last write (Kubernetes' --event-ttl, 1 hour). */
  ttlMs?: number;
  /** The most events a namespace keeps; the oldest go first. */
  maxPerNamespace?: number;
  /** The field manager the writes are recorded under, per component. */
  managerOf?: (component: string) => string;
};

/** client-go's EventCorrelator: similar events within 10 minutes, more than 10 distinct messages, are combined. */
const AGGREGATE_WINDOW_MS = 10 * 60 * 1000;
const AGGREGATE_MAX_MESSAGES = 10;
/** client-go keeps this many keys of events it may still aggregate. */
const CACHE_SIZE = 4096;
const COMBINED = '(combined from similar events)';

type Seen = { namespace: string; name: string; count: number; first: string };

/**
 * Records Events as Kubernetes' components do. `record` is client-go's
 * legacy recorder (the controllers and the kubelet): an event identical to
 * one recorded before (same source, object, type, reason and message) adds
 * one to its `count` and moves its `lastTimestamp`, and more than ten
 * similar ones (same reason, other messages) within ten minutes are
 * combined into one. `recordSeries` is the events.k8s.io recorder (the
 * scheduler): `eventTime`, `action`, `reportingController`, and a `series`
 * when it repeats. Events expire `ttlMs` after their last write, and each
 * namespace keeps at most `maxPerNamespace` of them.
 */
export class EventRecorder {
  private readonly type: ResourceType;
  private readonly ttlMs: number;
  private readonly maxPerNamespace: number;
  private readonly managerOf: (component: string) => string;
  /** Events by namespace, oldest write first: name → last write (ms). */
  private readonly byNamespace = new Map<string, Map<string, number>>();
  /** Aggregation: event key → the event it was recorded as. */
  private readonly seen = new Map<string, Seen>();
  /** Aggregation: key without the message → messages seen and since when. */
  private readonly similar = new Map<
    string,
    { since: number; messages: Set<string> }
  >();
  private readonly unsubscribe: () => void;
  private readonly sweeper: NodeJS.Timeout;
  private lastNanos = 0n;

  constructor(
    private readonly cluster: Cluster,
    options: EventRecorderOptions = {},
  ) {
    this.type = cluster.registry.get('', 'events')!;
    this.ttlMs = options.ttlMs ?? 60 * 60 * 1000;
    this.maxPerNamespace = options.maxPerNamespace ?? 1000;
    this.managerOf = options.managerOf ?? (component => component);
    for (const event of cluster.store.list('/events')) {
      this.track(event, lastWrite(event));
    }
    this.unsubscribe = cluster.store.subscribe('/events', e =>
      this.onStoreEvent(e),
    );
    this.sweeper = setInterval(
      () => this.sweep(),
      Math.min(60_000, Math.max(1000, this.ttlMs / 10)),
    );
    this.sweeper.unref();
  }

  stop(): void {
    this.unsubscribe();
    clearInterval(this.sweeper);
  }

  /** Records an event about `obj` (a container of it when `fieldPath` is set), as client-go's recorder does. */
  record(
    source: EventSource,
    obj: KubeObject,
    kind: EventKind,
    reason: string,
    message: string,
    fieldPath?: string,
  ): void {
    const involved = reference(obj, fieldPath);
    const namespace = obj.metadata.namespace || 'default';
    const identity = [
      source.component,
      source.host ?? '',
      involved.kind,
      involved.namespace ?? '',
      involved.name,
      involved.uid,
      involved.apiVersion,
      kind,
      reason,
    ].join('\u0000');
    const shown = this.aggregate(identity, message);
    // Combined events count on one event whatever their message.
    const key = `${identity}\u0000${fieldPath ?? ''}\u0000${
      shown === message ? message : COMBINED
    }`;
    const now = timestamp();
    const previous = this.seen.get(key);
    if (previous && this.increment(source.component, previous, now, shown))
      return;
    const name = this.eventName(involved.name);
    const created = this.write(source.component, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message: shown,
      source: source.host
        ? { component: source.component, host: source.host }
        : { component: source.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: kind,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    });
    if (created) this.remember(key, { namespace, name, count: 1, first: now });
  }

  /**
   * Records an event as the events.k8s.io recorder does (the scheduler):
   * `eventTime` in microseconds, no `count` or timestamps but a `series`
   * when the same event repeats.
   */
  recordSeries(
    controller: string,
    instance: string,
    obj: KubeObject,
    kind: EventKind,
    reason: string,
    action: string,
    note: string,
  ): void {
    const involved = reference(obj);
    const namespace = obj.metadata.namespace || 'default';
    const key = [
      controller,
      instance,
      involved.uid,
      kind,
      reason,
      action,
      note,
    ].join('\u0000');
    const now = microTime();
    const previous = this.seen.get(key);
    if (previous) {
      const count = previous.count + 1;
      const updated = this.patch(controller, previous, {
        series: { count, lastObservedTime: now },
      });
      if (updated) {
        previous.count = count;
        return;
      }
    }
    const name = this.eventName(involved.name);
    const created = this.write(controller, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message: note,
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: kind,
      eventTime: now,
      action,
      reportingComponent: controller,
      reportingInstance: instance,
    });
    if (created) this.remember(key, { namespace, name, count: 1, first: now });
  }

  /** client-go's EventAggregator: the eleventh distinct message of a kind within 10 minutes is combined. */
  private aggregate(identity: string, message: string): string {
    const nowMs = Date.now();
    let entry = this.similar.get(identity);
    if (!entry || nowMs - entry.since > AGGREGATE_WINDOW_MS) {
      entry = { since: nowMs, messages: new Set() };
      this.similar.delete(identity);
      this.similar.set(identity, entry);
      this.trim(this.similar);
    }
    entry.messages.add(message);
    return entry.messages.size <= AGGREGATE_MAX_MESSAGES
      ? message
      : `${COMBINED}: ${message}`;
  }

  private increment(
    component: string,
    previous: Seen,
    now: string,
    message: string,
  ): boolean {
    const count = previous.count + 1;
    const updated = this.patch(component, previous, {
      count,
      lastTimestamp: now,
      message,
    });
    if (!updated) return false;
    previous.count = count;
    return true;
  }

  private patch(
    component: string,
    target: Seen,
    patch: Record<string, unknown>,
  ): boolean {
    try {
      this.cluster.updateEvent(
        target.namespace,
        target.name,
        patch,
        this.managerOf(component),
      );
      return true;
    } catch (e) {
      if (e instanceof ApiError) return false;
      throw e;
    }
  }

  private write(
    component: string,
    namespace: string,
    event: KubeObject,
  ): boolean {
    try {
      this.cluster.createEvent(namespace, event, this.managerOf(component));
    } catch (e) {
      // Like client-go, an event the server refuses (a namespace going away) is dropped.
      if (e instanceof ApiError) return false;
      throw e;
    }
    this.enforceCap(namespace);
    return true;
  }

  private remember(key: string, seen: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, seen);
    this.trim(this.seen);
  }

  private trim(map: Map<string, unknown>): void {
    while (map.size > CACHE_SIZE) map.delete(map.keys().next().value!);
  }

  /** `<object>.<hex nanoseconds>`, as client-go names events; never twice the same. */
  private eventName(objectName: string): string {
    let nanos =
      BigInt(Date.now()) * 1_000_000n + (hrtime.bigint() % 1_000_000n);
    if (nanos <= this.lastNanos) nanos = this.lastNanos + 1n;
    this.lastNanos = nanos;
    return `${objectName}.${nanos.toString(16)}`;
  }

  private onStoreEvent(event: StoreEvent): void {
    if (event.type === 'DELETED') {
      const ns = event.object.metadata.namespace ?? '';
      const names = this.byNamespace.get(ns);
      names?.delete(event.object.metadata.name!);
      if (names?.size === 0) this.byNamespace.delete(ns);
      return;
    }
    this.track(event.object, Date.now());
  }

  private track(event: KubeObject, at: number): void {
    const ns = event.metadata.namespace ?? '';
    let names = this.byNamespace.get(ns);
    if (!names) {
      names = new Map();
      this.byNamespace.set(ns, names);
    }
    names.delete(event.metadata.name!);
    names.set(event.metadata.name!, at);
  }

  private enforceCap(namespace: string): void {
    const names = this.byNamespace.get(namespace);
    if (!names) return;
    while (names.size > this.maxPerNamespace) {
      const oldest = names.keys().next().value!;
      names.delete(oldest);
      this.remove(namespace, oldest);
    }
  }

  /** Deletes events whose last write is older than the TTL, and any over a namespace's cap. */
  sweep(now = Date.now()): void {
    for (const [namespace, names] of [...this.byNamespace]) {
      for (const [name, at] of [...names]) {
        if (now - at < this.ttlMs) break;
        names.delete(name);
        this.remove(namespace, name);
      }
      this.enforceCap(namespace);
    }
  }

  private remove(namespace: string, name: string): void {
    try {
      this.cluster.delete(this.type, namespace, name, {});
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
}

/** The ObjectReference of an event's involvedObject (regarding). */
function reference(obj: KubeObject, fieldPath?: string) {
  return {
    kind: obj.kind!,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata.name!,
    uid: obj.metadata.uid!,
    apiVersion: obj.apiVersion!,
    resourceVersion: obj.metadata.resourceVersion!,
    ...(fieldPath ? { fieldPath } : {}),
  };
}

/** MicroTime: RFC 3339 with microseconds. */
function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function lastWrite(event: KubeObject): number {
  const time =
    event.series?.lastObservedTime ??
    event.lastTimestamp ??
    event.eventTime ??
    event.metadata.creationTimestamp;
  const ms = Date.parse(time ?? '');
  return Number.isNaN(ms) ? Date.now() : ms;
}
