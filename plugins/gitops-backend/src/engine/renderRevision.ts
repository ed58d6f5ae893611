import type { GitopsRenderer } from '@mooring/plugin-gitops-node';
import { isHook } from '../apply/syncAnnotations';
import { sortForApply } from '../apply/syncOrder';
import { stableDigest } from '../diff/normalize';
import { KubeObject, keyOfObject } from '../kube/kubeObject';
import { renderApplication } from '../render/renderApplication';
import { CheckoutScans } from '../render/scanCheckout';
import type { RenderLimits } from '../render/renderLimits';
import type { ClusterClient } from '../kube/ClusterClient';
import { clusterCapabilitiesOf } from '../render/helm/clusterCapabilities';
import { releaseNameOf } from '../render/helm/releaseName';
import type { GitSource } from '../source/GitSource';
import type { ObjectScope } from '../tenancy';
import { scopeObjects } from './scopeObjects';
import type { ApplicationState } from './ApplicationRegistry';
import { EngineContext, scopeFor } from './engineContext';
import type { ApplicationSpec } from './types';

/** An application rendered at one commit. */
export interface RenderedRevision {
  sha: string;
  /** The objects to apply, in no particular order (hooks not among them). */
  objects: KubeObject[];
  /**
   * Hooks (`mooring.dev/hook`, Argo CD's, or mapped from Helm's): run in
   * their phase of a sync, never compared, never tracked.
   */
  hooks?: KubeObject[];
  /** Each object's digest (`stableDigest`), by object key: a change shows as a different hash. */
  hashes: Map<string, string>;
  /** The objects depend only on files below the application's path. */
  selfContained: boolean;
  /** Some kinds were not served by the cluster when scoped: scope again. */
  unscoped?: boolean;
  /** The manifest file of each object where the renderer knows it, by object key. */
  sourceFiles?: Map<string, string>;
}

/** The application's folder relative to the repository root; '' for the root. */
export function normalizeFolder(folder: string): string {
  const normal = folder.replace(/^\/+|\/+$/g, '').replace(/^\.\/?/, '');
  return normal === '.' ? '' : normal;
}

/** GitSource's checkouts hold one commit each and never change: scanned once. */
const checkoutScans = new CheckoutScans();

/**
 * Renders an application at `sha`, reusing `previous` where it cannot have
 * changed. In a repository shared by many applications most commits touch
 * none of one application's files, and what was plain YAML in its own folder
 * is rendered from a checkout of that folder alone.
 */
export async function renderRevision(
  deps: {
    git: GitSource;
    renderers: GitopsRenderer[];
    /** `gitops.limits`: what one render may read and produce. */
    renderLimits?: RenderLimits;
    /** The destination's client, whose discovery a Helm chart sees as `.Capabilities`. */
    cluster?: (name: string) => { client: ClusterClient };
  },
  spec: ApplicationSpec,
  sha: string,
  previous?: RenderedRevision,
  scopeOf?: (
    apiVersion: string,
    kind: string,
  ) => Promise<ObjectScope | undefined>,
): Promise<RenderedRevision> {
  const scoped = (revision: RenderedRevision) =>
    scopeOf
      ? scopeObjects(revision, {
          applicationId: spec.id,
          destinationNamespace: spec.destination.namespace,
          scopeOf,
        })
      : Promise.resolve(revision);
  if (previous?.sha === sha) {
    return previous.unscoped ? scoped(previous) : previous;
  }
  const folder = normalizeFolder(spec.source.path);
  if (previous?.selfContained && folder) {
    const changed = await deps.git
      .changedFiles(spec.source.repoUrl, previous.sha, sha)
      .catch(() => undefined);
    if (
      changed &&
      !changed.some(file => file === folder || file.startsWith(`${folder}/`))
    ) {
      return scoped({ ...previous, sha });
    }
  }
  const render = async (subPath?: string) =>
    renderApplication({
      repositoryRoot: await deps.git.checkout(
        spec.source.repoUrl,
        sha,
        subPath,
      ),
      path: spec.source.path,
      namespace: spec.destination.namespace,
      applicationId: spec.id,
      renderers: deps.renderers,
      limits: deps.renderLimits,
      scans: checkoutScans,
      request: {
        target: spec.target,
        helm: {
          valuesFiles: spec.source.helm?.valuesFiles ?? [],
          releaseName: releaseNameOf(spec),
        },
        clusterCapabilities: deps.cluster
          ? () =>
              clusterCapabilitiesOf(
                spec.destination.cluster,
                deps.cluster!(spec.destination.cluster).client.kubeConfig,
              )
          : undefined,
      },
    });
  // Fall back to the whole repository when the folder turns out to need more.
  let result =
    previous?.selfContained && folder
      ? await render(folder).catch(() => undefined)
      : undefined;
  if (!result?.selfContained) result = await render();
  const { selfContained, sourceFiles } = result;
  const objects = result.objects.filter(o => !isHook(o));
  const hooks = result.objects.filter(isHook);
  // Waves must parse before anything is applied.
  sortForApply(result.objects);
  return scoped({
    sha,
    objects,
    hooks,
    hashes: new Map(objects.map(o => [keyOfObject(o), stableDigest(o)])),
    selfContained,
    sourceFiles,
  });
}

/**
 * An application rendered at `sha`, as the engine renders it: from what it
 * rendered before, with its objects in the scope its cluster serves them.
 */
export function renderFor(
  ctx: EngineContext,
  state: ApplicationState,
  sha: string,
): Promise<RenderedRevision> {
  return renderRevision(
    ctx,
    state.spec,
    sha,
    state.rendered,
    scopeFor(ctx, state),
  );
}
