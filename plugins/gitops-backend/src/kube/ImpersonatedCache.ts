import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ClusterCache,
  LiveCache,
  LiveChange,
  WatchTransition,
} from './ClusterCache';
import type { ClusterClient } from './ClusterClient';
import type { KubeObject } from './kubeObject';

/**
 * The live objects one application reads through the service account it
 * impersonates: a watch cache per namespace (a Role grants a namespace, not
 * the cluster) and one for cluster-scoped kinds, all through the
 * impersonating client, so the cluster's RBAC decides what the application
 * sees as well as what it writes.
 */
export class ImpersonatedCache implements LiveCache {
  private readonly caches = new Map<string, ClusterCache>();

  constructor(
    private readonly options: {
      /** The impersonating client. */
      client: ClusterClient;
      /** Discovery with Mooring's own credentials: whether a kind is namespaced. */
      scopeOf(apiVersion: string, kind: string): Promise<boolean | undefined>;
      /** Where an object of a namespaced kind that names no namespace lives. */
      defaultNamespace: string;
      logger: LoggerService;
      onChange(change: LiveChange, object: KubeObject): void;
      /** A watch broke, or works again. */
      onTransition?(transition: WatchTransition): void;
    },
  ) {}

  /** Namespaced kinds known so far, so reads route without asking again. */
  private readonly namespaced = new Map<string, boolean>();

  private cacheFor(namespace: string): ClusterCache {
    let cache = this.caches.get(namespace);
    if (!cache) {
      cache = new ClusterCache(
        this.options.client,
        this.options.logger,
        this.options.onChange,
        namespace || undefined,
        this.options.onTransition,
      );
      this.caches.set(namespace, cache);
    }
    return cache;
  }

  private async scopeKey(apiVersion: string, kind: string, namespace?: string) {
    const key = `${apiVersion}/${kind}`;
    let namespaced = this.namespaced.get(key);
    if (namespaced === undefined) {
      namespaced = await this.options.scopeOf(apiVersion, kind);
      if (namespaced !== undefined) this.namespaced.set(key, namespaced);
    }
    return namespaced === false
      ? ''
      : namespace || this.options.defaultNamespace;
  }

  private knownKey(apiVersion: string, kind: string, namespace?: string) {
    const namespaced = this.namespaced.get(`${apiVersion}/${kind}`);
    if (namespaced === undefined) return undefined;
    return namespaced ? namespace || this.options.defaultNamespace : '';
  }

  async watch(apiVersion: string, kind: string, namespace?: string) {
    const key = await this.scopeKey(apiVersion, kind, namespace);
    await this.cacheFor(key).watch(apiVersion, kind);
  }

  isSynced(apiVersion: string, kind: string, namespace?: string): boolean {
    const key = this.knownKey(apiVersion, kind, namespace);
    return (
      key !== undefined && !!this.caches.get(key)?.isSynced(apiVersion, kind)
    );
  }

  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const key = this.knownKey(apiVersion, kind, namespace);
    if (key === undefined) return undefined;
    return this.caches.get(key)?.get(apiVersion, kind, namespace, name);
  }

  list(apiVersion: string, kind: string): readonly KubeObject[] {
    return [...this.caches.values()].flatMap(cache =>
      cache.list(apiVersion, kind),
    );
  }

  objectsIn(namespace: string): KubeObject[] {
    return this.caches.get(namespace)?.objectsIn(namespace) ?? [];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.caches.values()].map(cache => cache.stop()));
  }
}
