import type { LoggerService } from '@backstage/backend-plugin-api';
import { ClusterCache, LiveCache, WatchTransition } from '../kube/ClusterCache';
import { ImpersonatedCache } from '../kube/ImpersonatedCache';
import type { ClusterClient, ClusterError } from '../kube/ClusterClient';
import type { KubeObject } from '../kube/kubeObject';
import { TenancyRule, UNOWNED, grantFor, impersonatedUser } from '../tenancy';
import type { PlanAuthorization } from './authorizePlan';
import { SyncStageError } from './engineContext';
import type { ApplicationSpec } from './types';

/** An application's cluster, as the grant of its owner lets it use it. */
export interface ApplicationCluster {
  client: ClusterClient;
  cache: LiveCache;
  authorization: PlanAuthorization;
  objectsIn(namespace: string): KubeObject[];
}

/**
 * The configured clusters: one client and one watch cache each, and the
 * clients that impersonate a grant's service account. Hands each
 * application its cluster as its owner's grant lets it use it.
 */
export class ClusterAccess {
  private readonly caches = new Map<string, ClusterCache>();
  /** Clients that impersonate a grant's service account, by cluster and user. */
  private readonly impersonating = new Map<string, ClusterClient>();
  /** What those clients see, by cluster and user. */
  private readonly views = new Map<string, ImpersonatedCache>();

  constructor(
    private readonly options: {
      clients: Map<string, ClusterClient>;
      logger: LoggerService;
      tenancy?: TenancyRule[];
      /** A live change to any watched object. */
      onLiveChange(object: KubeObject): void;
      /** A watch of a cluster broke, or works again after failing. */
      onWatchTransition(transition: WatchTransition): void;
    },
  ) {
    for (const [name, client] of options.clients) {
      this.caches.set(
        name,
        new ClusterCache(
          client,
          options.logger,
          (_, object) => options.onLiveChange(object),
          undefined,
          transition => options.onWatchTransition(transition),
        ),
      );
    }
  }

  cacheOf(name: string): ClusterCache | undefined {
    return this.caches.get(name);
  }

  /**
   * The client and watch cache of a configured cluster; throws a
   * `SyncStageError` for others. The client impersonates `impersonate` when given.
   */
  cluster(name: string, impersonate?: string) {
    const admin = this.options.clients.get(name);
    const cache = this.caches.get(name);
    if (!admin || !cache) {
      throw new SyncStageError(
        'Error',
        `Cluster "${name}" is not configured; add it to gitops.clusters`,
      );
    }
    if (!impersonate) return { client: admin, cache };
    const key = `${name}\n${impersonate}`;
    let client = this.impersonating.get(key);
    if (!client) {
      client = admin.impersonating(impersonate);
      this.impersonating.set(key, client);
    }
    return { client, cache };
  }

  /** The application's cluster, as the grant of its owner lets it use it. */
  clusterFor(spec: ApplicationSpec): ApplicationCluster {
    // Specs are replaced, never changed in place, and the rules are fixed:
    // one application asks for its cluster many times a second at a push.
    let found = this.forSpec.get(spec);
    if (!found) {
      found = this.resolveClusterFor(spec);
      this.forSpec.set(spec, found);
    }
    return found;
  }

  private readonly forSpec = new WeakMap<ApplicationSpec, ApplicationCluster>();

  private resolveClusterFor(spec: ApplicationSpec): ApplicationCluster {
    const { cluster, namespace } = spec.destination;
    const grant = grantFor(this.options.tenancy, {
      owner: spec.owner || UNOWNED,
      cluster,
      destinationNamespace: namespace,
      repoUrl: spec.source.repoUrl,
    });
    // Discovery (a kind's scope) is asked with Mooring's own credentials.
    const admin = this.cluster(cluster).client;
    const scopeOf = async (apiVersion: string, kind: string) => {
      try {
        const { namespaced } = await admin.resourceOf(apiVersion, kind);
        return namespaced ? ('Namespaced' as const) : ('Cluster' as const);
      } catch (error) {
        if ((error as ClusterError).code === 404) return undefined;
        throw error;
      }
    };
    const user = impersonatedUser(grant, namespace);
    const { client, cache } = this.cluster(cluster, user);
    return {
      client,
      cache: user ? this.viewOf(cluster, user, client, namespace) : cache,
      objectsIn: ns => this.objectsIn(cluster, ns),
      authorization: {
        grant,
        cluster,
        destinationNamespace: namespace,
        scopeOf,
      },
    };
  }

  /**
   * What an impersonating client may read: its own watch caches, so live
   * reads go through the cluster's RBAC as writes do.
   */
  private viewOf(
    cluster: string,
    user: string,
    client: ClusterClient,
    namespace: string,
  ): ImpersonatedCache {
    const key = `${cluster}\n${user}`;
    let view = this.views.get(key);
    if (!view) {
      const admin = this.cluster(cluster).client;
      view = new ImpersonatedCache({
        client,
        defaultNamespace: namespace,
        logger: this.options.logger,
        onChange: (_, object) => this.options.onLiveChange(object),
        onTransition: transition => this.options.onWatchTransition(transition),
        scopeOf: async (apiVersion, kind) => {
          try {
            return (await admin.resourceOf(apiVersion, kind)).namespaced;
          } catch (error) {
            if ((error as ClusterError).code === 404) return undefined;
            throw error;
          }
        },
      });
      this.views.set(key, view);
    }
    return view;
  }

  /** Every live object Mooring watches in a namespace, through any of its caches. */
  private objectsIn(cluster: string, namespace: string): KubeObject[] {
    const found = [...(this.caches.get(cluster)?.objectsIn(namespace) ?? [])];
    for (const [key, view] of this.views) {
      if (key.startsWith(`${cluster}\n`))
        found.push(...view.objectsIn(namespace));
    }
    return found;
  }

  /**
   * Stops the views through service accounts that none of `specs` uses any
   * more (the application went away, or its grant changed).
   */
  async retainViews(specs: ApplicationSpec[]): Promise<void> {
    const used = new Set<string>();
    for (const spec of specs) {
      try {
        const grant = grantFor(this.options.tenancy, {
          owner: spec.owner || UNOWNED,
          cluster: spec.destination.cluster,
          destinationNamespace: spec.destination.namespace,
          repoUrl: spec.source.repoUrl,
        });
        const user = impersonatedUser(grant, spec.destination.namespace);
        if (user) used.add(`${spec.destination.cluster}\n${user}`);
      } catch {
        // A spec whose grant cannot be computed uses no view.
      }
    }
    const unused = [...this.views].filter(([key]) => !used.has(key));
    for (const [key] of unused) this.views.delete(key);
    await Promise.all(unused.map(([, view]) => view.stop()));
  }

  /** Requests sent to all clusters so far (for the benchmark). */
  requestCount(): number {
    let total = 0;
    for (const client of this.options.clients.values()) {
      total += client.requestCount;
    }
    for (const client of this.impersonating.values()) {
      total += client.requestCount;
    }
    return total;
  }

  async stop(): Promise<void> {
    await Promise.all([
      ...[...this.caches.values()].map(cache => cache.stop()),
      ...[...this.views.values()].map(view => view.stop()),
    ]);
  }
}
