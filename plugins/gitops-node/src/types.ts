import type { HealthStatus } from '@mooring/plugin-gitops-common';

/**
 * A Kubernetes object as read from Git or from a cluster.
 * @public
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * What a renderer is asked to render: a folder checked out from Git.
 * @public
 */
export interface RenderRequest {
  /** Absolute path of the application's folder inside the checkout. */
  directory: string;
  /** Absolute path of the checkout root; nothing outside it may be read. */
  repositoryRoot: string;
  /** Namespace for namespaced objects that name none. */
  namespace: string;
  /** The application being rendered. */
  applicationId: string;
  /** The application's target (`default` for an entity without `mooring.dev/targets`). */
  target?: string;
  /** Helm settings of the application (values files relative to the chart folder, release name). */
  helm?: { valuesFiles: string[]; releaseName: string };
  /** What the destination cluster serves, read from its discovery on first call. */
  clusterCapabilities?: () => Promise<ClusterCapabilities>;
}

/**
 * What a cluster serves, as a renderer needs it (Helm's `.Capabilities`).
 * @public
 */
export interface ClusterCapabilities {
  /** Server version without vendor suffix, e.g. `v1.32.0`. */
  kubeVersion: string;
  /** Every served `group/version` (`v1` for the core group) and `group/version/Kind`. */
  apiVersions: string[];
}

/**
 * Turns a folder of a Git checkout into Kubernetes objects (plain YAML,
 * Kustomize, Helm, or anything a module adds).
 * @public
 */
export interface GitopsRenderer {
  /** Short name shown in errors, e.g. `kustomize`. */
  name: string;
  /** True when this renderer handles the folder (e.g. it holds a `kustomization.yaml`). */
  canRender(directory: string): Promise<boolean>;
  /** The rendered objects; throws an `Error` that names the file and what to fix. */
  render(request: RenderRequest): Promise<KubeObject[]>;
}

/**
 * The health of one object, with a sentence a person can act on.
 * @public
 */
export interface HealthAssessment {
  status: HealthStatus;
  message: string;
}

/**
 * A health check for kinds the engine does not know, or to override one it does.
 * @public
 */
export interface GitopsHealthCheck {
  /** API group (empty for the core group) and kind this check assesses. */
  group: string;
  kind: string;
  /** The assessment, or undefined to fall back to the built-in checks. */
  assess(object: KubeObject): HealthAssessment | undefined;
}

/**
 * A cluster Mooring can deploy to.
 * @public
 */
export interface GitopsCluster {
  name: string;
  url: string;
  /** @visibility secret */
  serviceAccountToken?: string;
  caData?: string;
  skipTLSVerify?: boolean;
}

/**
 * Supplies clusters in addition to those in `gitops.clusters` (e.g. from a cloud API).
 * @public
 */
export interface GitopsClusterSupplier {
  getClusters(): Promise<GitopsCluster[]>;
}
