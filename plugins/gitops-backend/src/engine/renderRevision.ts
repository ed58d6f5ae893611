import type { GitopsRenderer } from '@mooring/plugin-gitops-node';
import { sortForApply } from '../apply/syncOrder';
import { stableStringify } from '../diff/normalize';
import { KubeObject, keyOfObject } from '../kube/kubeObject';
import { renderApplication } from '../render/renderApplication';
import type { GitSource } from '../source/GitSource';
import type { ApplicationSpec } from './types';

/** An application rendered at one commit. */
export interface RenderedRevision {
  sha: string;
  /** The objects to apply, in no particular order. */
  objects: KubeObject[];
  /** Each object's stable serialisation, by object key: a change shows as a different hash. */
  hashes: Map<string, string>;
  /** The objects depend only on files below the application's path. */
  selfContained: boolean;
}

/** The application's folder relative to the repository root; '' for the root. */
export function normalizeFolder(folder: string): string {
  const normal = folder.replace(/^\/+|\/+$/g, '').replace(/^\.\/?/, '');
  return normal === '.' ? '' : normal;
}

/**
 * Renders an application at `sha`, reusing `previous` where it cannot have
 * changed. In a repository shared by many applications most commits touch
 * none of one application's files, and what was plain YAML in its own folder
 * is rendered from a checkout of that folder alone.
 */
export async function renderRevision(
  deps: { git: GitSource; renderers: GitopsRenderer[] },
  spec: ApplicationSpec,
  sha: string,
  previous?: RenderedRevision,
): Promise<RenderedRevision> {
  if (previous?.sha === sha) return previous;
  const folder = normalizeFolder(spec.source.path);
  if (previous?.selfContained && folder) {
    const changed = await deps.git
      .changedFiles(spec.source.repoUrl, previous.sha, sha)
      .catch(() => undefined);
    if (
      changed &&
      !changed.some(file => file === folder || file.startsWith(`${folder}/`))
    ) {
      return { ...previous, sha };
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
    });
  // Fall back to the whole repository when the folder turns out to need more.
  let result =
    previous?.selfContained && folder
      ? await render(folder).catch(() => undefined)
      : undefined;
  if (!result?.selfContained) result = await render();
  const { objects, selfContained } = result;
  // Waves must parse before anything is applied.
  sortForApply(objects);
  return {
    sha,
    objects,
    hashes: new Map(objects.map(o => [keyOfObject(o), stableStringify(o)])),
    selfContained,
  };
}
