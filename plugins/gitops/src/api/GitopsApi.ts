import { createApiRef } from '@backstage/core-plugin-api';
import type {
  Application,
  ApplicationListResponse,
  ApplicationResource,
  DeliveryInsights,
  Operation,
  ResourceDiff,
  SyncRequest,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type {
  ApplicationPage,
  ApplicationQuery,
  KubernetesEvent,
  LogsRequest,
  ResourceActionRequest,
  ResourceIdentity,
  ResourceManifests,
} from './operating';

/**
 * What the Mooring frontend needs from the `gitops` backend plugin.
 * @public
 */
export interface GitopsApi {
  /**
   * The applications (one per target) of a catalog entity, and what is wrong with
   * its annotations.
   */
  getApplications(entityRef: string): Promise<ApplicationListResponse>;
  getApplication(id: string): Promise<Application>;
  getResources(id: string): Promise<ApplicationResource[]>;
  getDiff(id: string): Promise<ResourceDiff[]>;
  /** Sync runs, newest first. */
  getHistory(id: string): Promise<SyncRun[]>;
  /**
   * Starts a sync (or, with `dryRun`, a preview) and returns its operation; with
   * `resources`, only those objects are synced.
   */
  sync(id: string, request: SyncRequest): Promise<Operation>;
  /** Stops the running operation; it ends Failed, naming who stopped it. */
  terminate(id: string): Promise<Operation>;
  /** Pauses auto-sync and self-heal, saying why. */
  suspend(id: string, reason: string): Promise<Application>;
  /**
   * Resumes auto-sync and self-heal, after a suspension or a rollback that pinned
   * the application to an older commit.
   */
  resume(id: string, reason?: string): Promise<Application>;
  /** Re-applies the revision of an earlier run. */
  rollback(id: string, runId: string): Promise<Operation>;
  /** Asks the backend to re-read Git and the cluster now. */
  refresh(id: string): Promise<void>;
  /** Every application the user may read, filtered, one page at a time. */
  listApplications(query: ApplicationQuery): Promise<ApplicationPage>;
  /** The live and desired manifests of one object of the application, as YAML. */
  getManifests(
    id: string,
    resource: ResourceIdentity,
  ): Promise<ResourceManifests>;
  /** The Kubernetes events of one object of the application and of its children. */
  getEvents(id: string, resource: ResourceIdentity): Promise<KubernetesEvent[]>;
  /** The log of a pod's container, as text. */
  getLogs(id: string, request: LogsRequest): Promise<string>;
  /** Restarts or scales one object of the application. */
  runAction(id: string, request: ResourceActionRequest): Promise<void>;
  /**
   * Delivery figures (deployment frequency, lead time, change failure rate, time to
   * restore) of a component, one target of it, or a group, over a period.
   */
  getInsights(query: InsightsQuery): Promise<DeliveryInsights>;
}

/**
 * What `getInsights` asks for: an entity (component or group), optionally one
 * target, and a period as ISO dates (default the last 30 days).
 * @public
 */
export interface InsightsQuery {
  entityRef: string;
  target?: string;
  from?: string;
  to?: string;
}

/** @public */
export const gitopsApiRef = createApiRef<GitopsApi>({
  id: 'plugin.gitops.service',
});
