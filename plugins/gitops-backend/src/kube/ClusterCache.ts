import { ListWatch, Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { Backoff } from './Backoff';
import type { ClusterClient } from './ClusterClient';
import { KubeObject, splitApiVersion } from './kubeObject';

export type LiveChange = 'add' | 'update' | 'delete';

/**
 * Live objects as the engine reads them: the shared watch cache of a
 * cluster, or an application's view through the service account it
 * impersonates (see ImpersonatedCache).
 */
export interface LiveCache {
  /** Watches a kind (in `namespace`, where the view is per namespace); resolves once listed. */
  watch(apiVersion: string, kind: string, namespace?: string): Promise<void>;
  isSynced(apiVersion: string, kind: string, namespace?: string): boolean;
  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
  list(apiVersion: string, kind: string): readonly KubeObject[];
  objectsIn(namespace: string): KubeObject[];
}

/** A watch that broke (`failed`) or works again after failing (`recovered`). */
export interface WatchTransition {
  state: 'failed' | 'recovered';
  cluster: string;
  apiVersion: string;
  kind: string;
}

/** The longest a dropped watch waits before it reconnects (client-node waits up to 30 s). */
const MAX_RECONNECT_MS = 5_000;

/**
 * A kind whose watch failed and is being retried: what the cache holds of it
 * may be stale. The message says so, with the attempt and when the next one
 * comes, for the application's status.
 */
export class WatchRetrying extends Error {
  constructor(
    readonly cluster: string,
    readonly kind: string,
    /** Failed tries since the watch last worked. */
    readonly attempt: number,
    /** When the next try starts (ms since the epoch); 0 while it runs. */
    readonly nextAt: number,
    /** The last failure, in the API server's words. */
    readonly cause: string,
  ) {
    const next = nextAt - Date.now();
    super(
      `Retrying the watch of ${kind} on cluster ${cluster} (attempt ${attempt}, ${
        next > 0 ? `next in ${Math.ceil(next / 1000)} s` : 'retrying now'
      }): ${cause}`,
    );
    this.name = 'WatchRetrying';
  }
}

type Informer = ListWatch<KubeObject>;

interface KindWatch {
  apiVersion: string;
  kind: string;
  informer?: Informer;
  /** True once listed and watching; false while reconnecting after an error. */
  synced: boolean;
  /** The last failure, in the API server's words. */
  cause?: string;
  lastError?: string;
  /** When the failure is not worth a quick retry (RBAC, a kind not served). */
  permanent?: boolean;
  ready: Promise<void>;
  retryTimer?: NodeJS.Timeout;
  /** When the scheduled retry starts (0 while none is scheduled). */
  nextRetryAt: number;
  retryDelays: Backoff;
}

/**
 * Live objects of one cluster, fed by informers (list once, then watch) for
 * the kinds Mooring manages, so comparing Git with the cluster costs no API
 * call and a live edit is seen within moments.
 */
export class ClusterCache implements LiveCache {
  private readonly kinds = new Map<string, KindWatch>();
  private stopped = false;

  constructor(
    private readonly client: ClusterClient,
    private readonly logger: LoggerService,
    private readonly onChange: (change: LiveChange, object: KubeObject) => void,
    /** Watch namespaced kinds in this namespace only (what a Role allows). */
    private readonly namespace?: string,
    /** A watch broke, or works again: applications on it compare again. */
    private readonly onTransition?: (transition: WatchTransition) => void,
  ) {}

  private static key(apiVersion: string, kind: string) {
    return `${apiVersion}/${kind}`;
  }

  /**
   * Starts watching a kind unless already watched; resolves once its objects
   * are listed. Throws when the kind cannot be listed or watched (e.g. the
   * cluster is down): a `WatchRetrying` while the failure may pass.
   */
  async watch(apiVersion: string, kind: string): Promise<void> {
    const key = ClusterCache.key(apiVersion, kind);
    let entry = this.kinds.get(key);
    if (!entry) {
      entry = {
        apiVersion,
        kind,
        synced: false,
        nextRetryAt: 0,
        // The first retry within a second, then doubling up to 30 s, each
        // drawn at random so watches that failed together spread out.
        retryDelays: new Backoff({
          initialMs: 1_000,
          maxMs: 30_000,
          jitter: true,
        }),
        ready: Promise.resolve(),
      };
      this.kinds.set(key, entry);
      entry.ready = this.start(entry);
    }
    await entry.ready;
    if (entry.synced) return;
    if (entry.permanent || !entry.cause) {
      throw new Error(
        entry.lastError ??
          `Not yet watching ${kind} on cluster ${this.client.name}; retrying`,
      );
    }
    throw new WatchRetrying(
      this.client.name,
      kind,
      Math.max(entry.retryDelays.attempts, 1),
      entry.nextRetryAt,
      entry.cause,
    );
  }

  private async start(entry: KindWatch): Promise<void> {
    if (this.stopped) return;
    try {
      if (!entry.informer) {
        const { plural, namespaced } = await this.client.resourceOf(
          entry.apiVersion,
          entry.kind,
        );
        const { group, version } = splitApiVersion(entry.apiVersion);
        const namespace = namespaced ? this.namespace : undefined;
        const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
        const path = namespace
          ? `${prefix}/namespaces/${namespace}/${plural}`
          : `${prefix}/${plural}`;
        // A list, then a watch from its resourceVersion; a dropped watch
        // resumes from the last version seen (a 410 Gone lists again), after
        // client-node's doubling delay, here capped at a few seconds and
        // jittered. A watch that cannot start again fails the kind below.
        const informer = new ListWatch<KubeObject>(
          path,
          this.stoppableWatch(),
          () =>
            this.client.list(entry.apiVersion, entry.kind, namespace) as any,
          false,
          undefined,
          undefined,
          { delayFn: ms => this.reconnectDelay(ms) },
        );
        informer.on('add', object => this.onChange('add', object));
        informer.on('update', object => this.onChange('update', object));
        informer.on('delete', object => this.onChange('delete', object));
        informer.on('error', error => this.failed(entry, error));
        entry.informer = informer;
      }
      const failedBefore = entry.retryDelays.attempts > 0;
      entry.lastError = undefined;
      entry.nextRetryAt = 0;
      await entry.informer.start();
      if (entry.lastError) return;
      entry.synced = true;
      entry.cause = undefined;
      entry.permanent = false;
      entry.retryDelays.reset();
      if (failedBefore) {
        this.logger.debug(
          `Watching ${entry.kind} on cluster ${this.client.name} again`,
        );
        this.transition(entry, 'recovered');
      }
    } catch (error) {
      this.failed(entry, error);
    }
  }

  /**
   * A Watch that opens no connection once the cache is stopped: a list or a
   * reconnect on its way when `stop` came would otherwise start a watch
   * after it, which nothing would ever close.
   */
  private stoppableWatch(): Watch {
    const watch = new Watch(this.client.kubeConfig);
    const stoppable = Object.create(watch) as Watch;
    stoppable.watch = async (...args) => {
      if (this.stopped) {
        const none = new AbortController();
        none.abort();
        return none;
      }
      const request = await watch.watch(...args);
      if (this.stopped) request.abort();
      return request;
    };
    return stoppable;
  }

  /**
   * Waits before a dropped watch reconnects: a random share of client-node's
   * delay, at most a few seconds. Once stopped, never resolves, so no watch
   * starts after `stop`.
   */
  private async reconnectDelay(ms: number): Promise<void> {
    const delayMs = Math.random() * Math.min(ms, MAX_RECONNECT_MS);
    await sleep(delayMs, undefined, { ref: false });
    if (this.stopped) await new Promise<never>(() => {});
  }

  private failed(entry: KindWatch, error: unknown) {
    const message = String((error as Error)?.message ?? error);
    const wasSynced = entry.synced;
    entry.synced = false;
    entry.cause = message;
    entry.lastError = `Cannot watch ${entry.kind} on cluster ${this.client.name}: ${message}`;
    // A watch the cluster forbids (RBAC of an impersonated service account),
    // or of a kind it does not serve (yet), is no passing fault: reads of it
    // say so instead of "retrying". A forbidden one will not start working
    // in seconds: it is asked again once a minute at most.
    const forbidden = /forbidden|\b403\b/i.test(message);
    entry.permanent = forbidden || /does not serve/.test(message);
    if (wasSynced) this.transition(entry, 'failed');
    if (this.stopped || entry.retryTimer) return;
    const backoffMs = entry.retryDelays.next();
    const delayMs = forbidden ? Math.max(backoffMs, 60_000) : backoffMs;
    this.logger.debug(`${entry.lastError}; retrying in ${delayMs} ms`);
    entry.nextRetryAt = Date.now() + delayMs;
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      entry.ready = this.start(entry);
    }, delayMs);
    entry.retryTimer.unref?.();
  }

  private transition(entry: KindWatch, state: WatchTransition['state']) {
    if (this.stopped) return;
    try {
      this.onTransition?.({
        state,
        cluster: this.client.name,
        apiVersion: entry.apiVersion,
        kind: entry.kind,
      });
    } catch (error) {
      this.logger.warn(
        `Handling the watch of ${entry.kind} on cluster ${
          this.client.name
        } failed: ${String((error as Error)?.message ?? error)}`,
      );
    }
  }

  /** True when the kind is listed and watched right now. */
  isSynced(apiVersion: string, kind: string): boolean {
    return this.kinds.get(ClusterCache.key(apiVersion, kind))?.synced ?? false;
  }

  /** The cached live object, or undefined when the cluster has none. */
  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    return this.kinds
      .get(ClusterCache.key(apiVersion, kind))
      ?.informer?.get(name, namespace || undefined);
  }

  /** Every cached live object of a kind (none while the kind is not watched). */
  list(apiVersion: string, kind: string): readonly KubeObject[] {
    return (
      this.kinds.get(ClusterCache.key(apiVersion, kind))?.informer?.list() ?? []
    );
  }

  /** Every cached live object in a namespace, of every watched kind. */
  objectsIn(namespace: string): KubeObject[] {
    const found: KubeObject[] = [];
    for (const entry of this.kinds.values()) {
      found.push(...(entry.informer?.list(namespace) ?? []));
    }
    return found;
  }

  async stop() {
    this.stopped = true;
    for (const entry of this.kinds.values()) {
      if (entry.retryTimer) clearTimeout(entry.retryTimer);
      await entry.informer?.stop();
    }
  }
}
