import type {
  Application,
  ApplicationListResponse,
} from '@mooring/plugin-gitops-common';
import type { GitopsApi } from '../api';

/** What a component sees of one cached request. */
export interface Snapshot<T> {
  value?: T;
  error?: Error;
  /** True while a request is in flight (the last value stays visible meanwhile). */
  loading: boolean;
}

/** Polling delays in milliseconds. */
export interface PollingOptions {
  /** Between polls when nothing is happening. */
  idleMs: number;
  /** Between polls while an operation runs, to show its progress. */
  activeMs: number;
  /** Upper bound of the back-off after failed polls. */
  maxBackoffMs: number;
  /**
   * Between polls when nothing is happening and signals push changes: a safety net for
   * a lost connection, not the way news arrives.
   */
  signalsIdleMs?: number;
}

export const DEFAULT_POLLING: PollingOptions = {
  idleMs: 15_000,
  activeMs: 2_000,
  maxBackoffMs: 120_000,
  signalsIdleMs: 60_000,
};

/** What the backend publishes on the `gitops` signals channel. */
export type GitopsSignal = {
  applicationId: string;
};

interface Entry {
  snapshot: Snapshot<unknown>;
  version?: string;
  inFlight?: Promise<void>;
  /** The last loader, to fetch again when a signal says the data changed. */
  loader?: () => Promise<unknown>;
  listeners: Set<() => void>;
}

interface Poller {
  watchers: number;
  timer?: ReturnType<typeof setTimeout>;
  failures: number;
  /** When the last poll ended (ms since epoch). */
  polledAt: number;
}

const EMPTY: Snapshot<never> = { loading: true };

/** The cache key of an entity's applications. */
export const applicationsKey = (entityRef: string) => `apps:${entityRef}`;

/** Changes whenever what an application shows may have changed. */
export function applicationVersion(app: Application): string {
  const s = app.status;
  return [
    s.sync,
    s.health,
    s.syncedRevision,
    s.targetRevision,
    s.reconciledAt,
    s.operation?.id,
    s.operation?.phase,
  ].join('|');
}

function toError(error: unknown): Error {
  // Errors may come from another realm (a test DOM, an iframe): duck-type them.
  if (error && typeof (error as Error).message === 'string')
    return error as Error;
  return new Error(String(error));
}

function isDocumentHidden(): boolean {
  return (
    typeof document !== 'undefined' && document.visibilityState === 'hidden'
  );
}

/**
 * One cache per app for everything the card and the tab read, so both share one request
 * per entity and per application, and one poller per entity page however many
 * components watch it. Polls pause while the browser tab is hidden, back off after
 * failures, and speed up while an operation runs.
 */
export class GitopsStore {
  private readonly entries = new Map<string, Entry>();
  private readonly pollers = new Map<string, Poller>();
  private signalsAvailable = false;
  /** Signals already acted on: the card and the tab each hear the same message. */
  private readonly handledSignals = new WeakSet<object>();

  constructor(
    private readonly api: GitopsApi,
    private readonly polling: PollingOptions = DEFAULT_POLLING,
  ) {
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', this.onVisibilityChange);
    }
  }

  getSnapshot<T>(key: string): Snapshot<T> {
    return (this.entries.get(key)?.snapshot ?? EMPTY) as Snapshot<T>;
  }

  subscribe(key: string, listener: () => void): () => void {
    const entry = this.entry(key);
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /**
   * Loads `key` unless it already holds (or is fetching) the given version.
   * `force` fetches again regardless.
   */
  load<T>(
    key: string,
    version: string,
    loader: () => Promise<T>,
    force = false,
  ): Promise<void> {
    const entry = this.entry(key);
    if (!force && entry.version === version) {
      if (entry.inFlight) return entry.inFlight;
      if (entry.snapshot.value !== undefined || entry.snapshot.error) {
        return Promise.resolve();
      }
    }
    entry.version = version;
    entry.loader = loader;
    this.set(entry, { ...entry.snapshot, loading: true });
    const request = loader().then(
      value => {
        if (entry.inFlight !== request) return;
        entry.inFlight = undefined;
        this.set(entry, { value, loading: false });
      },
      error => {
        if (entry.inFlight !== request) return;
        entry.inFlight = undefined;
        // Keep the last value: a failed poll should not blank the page.
        this.set(entry, {
          value: entry.snapshot.value,
          error: toError(error),
          loading: false,
        });
      },
    );
    entry.inFlight = request;
    return request;
  }

  /** Starts polling an entity's applications; returns the function that stops watching. */
  watchApplications(entityRef: string): () => void {
    let poller = this.pollers.get(entityRef);
    if (!poller) {
      poller = { watchers: 0, failures: 0, polledAt: 0 };
      this.pollers.set(entityRef, poller);
    }
    poller.watchers += 1;
    if (poller.watchers === 1) {
      // Coming back to a page (e.g. from the card to the tab) reuses fresh data and
      // fetches only when it is older than one polling interval.
      if (Date.now() - poller.polledAt >= this.polling.idleMs) {
        this.poll(entityRef);
      } else {
        this.schedule(entityRef);
      }
    }
    return () => {
      poller!.watchers -= 1;
      if (poller!.watchers === 0) {
        clearTimeout(poller!.timer);
        poller!.timer = undefined;
      }
    };
  }

  /** Fetches an entity's applications now (after a sync, or when the user asks). */
  refreshApplications(entityRef: string): Promise<void> {
    return this.poll(entityRef);
  }

  /**
   * Whether changes are pushed through Backstage signals. While they are, idle polling
   * slows to a safety net; without them the page polls as before.
   */
  setSignalsAvailable(available: boolean) {
    if (this.signalsAvailable === available) return;
    this.signalsAvailable = available;
    for (const [entityRef, poller] of this.pollers) {
      if (poller.watchers === 0) continue;
      clearTimeout(poller.timer);
      poller.timer = undefined;
      this.schedule(entityRef);
    }
  }

  /**
   * A signal says an application changed: fetch at once the entity lists that hold it
   * and the data of it that is on screen (resources, history, diff).
   */
  applicationChanged(signal: GitopsSignal) {
    if (this.handledSignals.has(signal)) return;
    this.handledSignals.add(signal);
    const id = signal.applicationId;
    for (const [entityRef, poller] of this.pollers) {
      const list = this.getSnapshot<ApplicationListResponse>(
        applicationsKey(entityRef),
      ).value;
      if (poller.watchers > 0 && list?.items.some(a => a.id === id)) {
        this.poll(entityRef);
      }
    }
    for (const [key, entry] of this.entries) {
      if (
        key.endsWith(`:${id}`) &&
        !key.startsWith('apps:') &&
        entry.loader &&
        entry.listeners.size > 0
      ) {
        this.load(key, entry.version ?? '', entry.loader, true);
      }
    }
  }

  /** Stops every timer; the store is unusable afterwards. */
  dispose() {
    for (const poller of this.pollers.values()) clearTimeout(poller.timer);
    this.pollers.clear();
    if (typeof document !== 'undefined') {
      document.removeEventListener('visibilitychange', this.onVisibilityChange);
    }
  }

  private poll(entityRef: string): Promise<void> {
    const poller = this.pollers.get(entityRef);
    if (poller) {
      clearTimeout(poller.timer);
      poller.timer = undefined;
    }
    const key = applicationsKey(entityRef);
    return this.load(
      key,
      String(Date.now()),
      () => this.api.getApplications(entityRef),
      true,
    ).then(() => {
      if (!poller) return;
      poller.polledAt = Date.now();
      poller.failures = this.getSnapshot(key).error ? poller.failures + 1 : 0;
      this.schedule(entityRef);
    });
  }

  private schedule(entityRef: string) {
    const poller = this.pollers.get(entityRef);
    if (!poller || poller.watchers === 0 || poller.timer) return;
    // A hidden tab does not poll at all; it catches up when shown again.
    if (isDocumentHidden()) return;
    const list = this.getSnapshot<ApplicationListResponse>(
      applicationsKey(entityRef),
    ).value;
    const running = list?.items.some(
      a => a.status.operation?.phase === 'Running',
    );
    const idleMs = this.signalsAvailable
      ? this.polling.signalsIdleMs ?? this.polling.idleMs
      : this.polling.idleMs;
    let delay = running ? this.polling.activeMs : idleMs;
    if (poller.failures > 0) {
      delay = Math.min(
        this.polling.idleMs * 2 ** poller.failures,
        this.polling.maxBackoffMs,
      );
    }
    // Jitter keeps many open pages from polling in lockstep.
    const jittered = Math.round(delay * (0.9 + Math.random() * 0.2));
    poller.timer = setTimeout(() => {
      poller.timer = undefined;
      this.poll(entityRef);
    }, jittered);
  }

  private readonly onVisibilityChange = () => {
    if (isDocumentHidden()) {
      for (const poller of this.pollers.values()) {
        clearTimeout(poller.timer);
        poller.timer = undefined;
      }
      return;
    }
    for (const [entityRef, poller] of this.pollers) {
      if (poller.watchers > 0) this.poll(entityRef);
    }
  };

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { snapshot: EMPTY, listeners: new Set() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private set(entry: Entry, snapshot: Snapshot<unknown>) {
    entry.snapshot = snapshot;
    for (const listener of entry.listeners) listener();
  }
}
