import { makeInformer } from '@kubernetes/client-node';
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

type Informer = ReturnType<typeof makeInformer<KubeObject>>;

interface KindWatch {
  apiVersion: string;
  kind: string;
  informer?: Informer;
  /** True once listed and watching; false while reconnecting after an error. */
  synced: boolean;
  lastError?: string;
  ready: Promise<void>;
  retryTimer?: NodeJS.Timeout;
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
  ) {}

  private static key(apiVersion: string, kind: string) {
    return `${apiVersion}/${kind}`;
  }

  /**
   * Starts watching a kind unless already watched; resolves once its objects
   * are listed. Throws when the kind cannot be listed (e.g. the cluster is down).
   */
  async watch(apiVersion: string, kind: string): Promise<void> {
    const key = ClusterCache.key(apiVersion, kind);
    let entry = this.kinds.get(key);
    if (!entry) {
      entry = {
        apiVersion,
        kind,
        synced: false,
        retryDelays: new Backoff({ initialMs: 500, maxMs: 30_000 }),
        ready: Promise.resolve(),
      };
      this.kinds.set(key, entry);
      entry.ready = this.start(entry);
    }
    await entry.ready;
    if (!entry.synced) {
      throw new Error(
        entry.lastError ??
          `Not yet watching ${kind} on cluster ${this.client.name}; retrying`,
      );
    }
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
        const informer = makeInformer<KubeObject>(
          this.client.kubeConfig,
          path,
          () =>
            this.client.list(entry.apiVersion, entry.kind, namespace) as any,
        );
        informer.on('add', object => this.onChange('add', object));
        informer.on('update', object => this.onChange('update', object));
        informer.on('delete', object => this.onChange('delete', object));
        informer.on('error', error => this.failed(entry, error));
        entry.informer = informer;
      }
      entry.lastError = undefined;
      entry.synced = true;
      await entry.informer.start();
      if (entry.lastError) entry.synced = false;
      else entry.retryDelays.reset();
    } catch (error) {
      this.failed(entry, error);
    }
  }

  private failed(entry: KindWatch, error: unknown) {
    const message = String((error as Error)?.message ?? error);
    entry.synced = false;
    entry.lastError = `Cannot watch ${entry.kind} on cluster ${this.client.name}: ${message}`;
    if (this.stopped || entry.retryTimer) return;
    // A watch the cluster forbids (RBAC of an impersonated service account)
    // will not start working in seconds: ask again once a minute at most.
    const backoffMs = entry.retryDelays.next();
    const delayMs = /forbidden|\b403\b/i.test(message)
      ? Math.max(backoffMs, 60_000)
      : backoffMs;
    this.logger.debug(`${entry.lastError}; retrying in ${delayMs} ms`);
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      entry.ready = this.start(entry);
    }, delayMs);
    entry.retryTimer.unref?.();
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
