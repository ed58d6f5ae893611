import type { components } from './schema/openapi.generated';

/**
 * Types of the REST API at `/api/gitops`, named re-exports of the types
 * generated from the backend's `src/schema/openapi.yaml` (the one source of
 * truth; see the contract in DESIGN.md).
 */
type Schemas = components['schemas'];

/** @public */
export type SyncPolicy = Schemas['SyncPolicy'];

/** @public */
export type ApplicationSource = Schemas['ApplicationSource'];

/** @public */
export type ApplicationDestination = Schemas['ApplicationDestination'];

/** @public */
export type ApplicationPolicy = Schemas['ApplicationPolicy'];

/** @public */
export type Operation = Schemas['Operation'];

/** @public */
export type ApplicationStatus = Schemas['ApplicationStatus'];

/** @public */
export type Application = Schemas['Application'];

/** @public */
export type ResourceRef = Schemas['ResourceRef'];

/** @public */
export type ApplicationResource = Schemas['ApplicationResource'];

/** @public */
export type ResourceDiff = Schemas['ResourceDiff'];

/** @public */
export type ChangeAction = Schemas['ChangeAction'];

/** @public */
export type ResourceChange = Schemas['ResourceChange'];

/** @public */
export type CommitInfo = Schemas['CommitInfo'];

/** @public */
export type SyncRun = Schemas['SyncRun'];

/** @public Body of `POST /applications/:id/sync`. */
export type SyncRequest = Schemas['SyncRequest'];

/** @public Names one object of an application, e.g. for a selective sync. */
export type ResourceSelector = Schemas['ResourceSelector'];

/** @public Body of `POST /applications/:id/suspend` and `/resume`. */
export type AutomationRequest = Schemas['AutomationRequest'];

/**
 * @public What automation does for an application and, when it does nothing, why:
 * suspended by a person, pinned after a rollback, or held by a sync window.
 */
export type Automation = Schemas['Automation'];

/** @public One phase and wave of a sync, with its timing. */
export type SyncStep = Schemas['SyncStep'];

/** @public Body of `POST /applications/:id/rollback`. */
export type RollbackRequest = Schemas['RollbackRequest'];

/** @public Body of `POST /applications/:id/sync` and `/rollback`: the started operation. */
export type OperationResponse = Schemas['OperationResponse'];

/**
 * @public The shape of every listing (`{ items }`): resources, diff, history.
 * Generic, so written here rather than in the spec, which names each listing
 * inline.
 */
export interface ListResponse<T> {
  items: T[];
}

/** @public An annotation error of one entity, as the API reports it. */
export type EntityAnnotationError = Schemas['EntityAnnotationError'];

/**
 * @public Body of `GET /applications`: the applications the caller may read and,
 * for the entities among them (or the `entityRef` asked for), their annotation errors.
 */
export type ApplicationListResponse = Schemas['ApplicationListResponse'];

/**
 * @public Body of `GET /insights`: deployment frequency, lead time, change
 * failure rate and time to restore of a component or a group over a period.
 */
export type DeliveryInsights = Schemas['DeliveryInsights'];

/** @public A duration's median and 90th percentile over some deployments. */
export type DeliveryDistribution = Schemas['DeliveryDistribution'];

/** @public One UTC day of a `DeliveryInsights` period. */
export type DeliveryDay = Schemas['DeliveryDay'];
