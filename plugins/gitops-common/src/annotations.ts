/**
 * Catalog annotations that onboard a component to Mooring.
 * Any key may be suffixed with `.<target>` when `mooring.dev/targets` lists several targets.
 */

/** @public */
export const ANNOTATION_PREFIX = 'mooring.dev/';
/** @public Cluster name from `gitops.clusters`. Required. */
export const ANNOTATION_CLUSTER = 'mooring.dev/cluster';
/** @public Folder in the repo: plain YAML, a kustomization, or a Helm chart. Required. */
export const ANNOTATION_PATH = 'mooring.dev/path';
/** @public Namespace for namespaced objects that name none. Default `default`. */
export const ANNOTATION_NAMESPACE = 'mooring.dev/namespace';
/** @public Git URL. Default: from `backstage.io/source-location`. */
export const ANNOTATION_REPO = 'mooring.dev/repo';
/** @public Branch, tag or commit. Default: the remote's default branch. */
export const ANNOTATION_REVISION = 'mooring.dev/revision';
/** @public `manual` or `auto`. Default `manual`. */
export const ANNOTATION_SYNC = 'mooring.dev/sync';
/** @public `true` deletes objects removed from Git. Default `false`. */
export const ANNOTATION_PRUNE = 'mooring.dev/prune';
/** @public `true` reverts live drift. Default `false`. */
export const ANNOTATION_SELF_HEAL = 'mooring.dev/self-heal';
/** @public Comma-separated target names, e.g. `staging,prod`. */
export const ANNOTATION_TARGETS = 'mooring.dev/targets';
/** @public Set by Mooring on every object it applies; names the owning application. */
export const ANNOTATION_TRACKING_ID = 'mooring.dev/tracking-id';
/** @public Sync wave of a manifest (integer, lower first). */
export const ANNOTATION_SYNC_WAVE = 'mooring.dev/sync-wave';
/**
 * @public Comma-separated Helm values files, relative to the chart folder, applied in order
 * after the chart's `values.yaml`.
 */
export const ANNOTATION_HELM_VALUES = 'mooring.dev/helm-values';
/** @public Helm release name. Default: the entity name; `<name>-<target>` when the entity has targets. */
export const ANNOTATION_HELM_RELEASE = 'mooring.dev/helm-release';
/**
 * @public JSON list of fields Mooring neither compares nor applies, e.g.
 * `[{"group":"apps","kind":"Deployment","jsonPointers":["/spec/replicas"]}]` or
 * `[{"kind":"*","managedFieldsManagers":["kube-controller-manager"]}]`.
 */
export const ANNOTATION_IGNORE_DIFFERENCES = 'mooring.dev/ignore-differences';
/**
 * @public Sync phase of a manifest that is a hook: `PreSync`, `Sync`, `PostSync`, `SyncFail` or
 * `PostDelete`. Helm hooks (`helm.sh/hook`) are given one when rendered.
 */
export const ANNOTATION_HOOK = 'mooring.dev/hook';
/** @public When a hook is deleted: `HookSucceeded`, `HookFailed` or `BeforeHookCreation`. */
export const ANNOTATION_HOOK_DELETE_POLICY = 'mooring.dev/hook-delete-policy';
/**
 * @public Per-object sync options, comma-separated: `Prune=false`, `Delete=false`,
 * `Replace=true`, `Force=true`, `SkipDryRunOnMissingResource=true`.
 */
export const ANNOTATION_SYNC_OPTIONS = 'mooring.dev/sync-options';
/** @public Per-object compare options: `IgnoreExtraneous`. */
export const ANNOTATION_COMPARE_OPTIONS = 'mooring.dev/compare-options';
/** @public The source-location annotation Backstage already knows. */
export const ANNOTATION_SOURCE_LOCATION = 'backstage.io/source-location';

/** @public The field manager Mooring applies with. */
export const FIELD_MANAGER = 'mooring';
/**
 * @public `true` deletes the application's objects from the cluster when the application is
 * removed from the catalog. Default `false`: removing an application leaves the cluster alone.
 */
export const ANNOTATION_PRUNE_ON_REMOVE = 'mooring.dev/prune-on-remove';
