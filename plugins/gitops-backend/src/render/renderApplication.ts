import fs from 'node:fs/promises';
import path from 'node:path';
import type { GitopsRenderer } from '@mooring/plugin-gitops-node';
import { ANNOTATION_TRACKING_ID } from '@mooring/plugin-gitops-common';
import {
  KubeObject,
  describeObject,
  groupOf,
  isClusterScoped,
  keyOfObject,
  trackingIdFor,
} from '../kube/kubeObject';
import { resolveInsideRepository } from './pathSafety';
import { createKustomizeRenderer } from './kustomizeRenderer';
import { createHelmRenderer } from './helmRenderer';
import { plainYamlRenderer } from './plainYamlRenderer';

/** The built-in renderers, most specific first; plain YAML takes any folder. */
export function defaultRenderers(options: {
  allowRemoteBases?: boolean;
}): GitopsRenderer[] {
  return [
    createKustomizeRenderer({ allowRemoteBases: options.allowRemoteBases }),
    createHelmRenderer(),
    plainYamlRenderer,
  ];
}

export interface RenderedApplication {
  renderer: string;
  objects: KubeObject[];
  /**
   * True when the objects depend only on files below the application's
   * folder (plain YAML without symlinks), so a commit that changes no file
   * there cannot change them.
   */
  selfContained: boolean;
}

async function containsSymlink(directory: string): Promise<boolean> {
  const entries = await fs.readdir(directory, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.isSymbolicLink()) return true;
    if (
      entry.isDirectory() &&
      (await containsSymlink(path.join(directory, entry.name)))
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Renders an application's folder of a checkout into the objects to apply:
 * namespaced objects without a namespace get the destination's, every object
 * gets the application's tracking id, and duplicates are refused. Any error
 * leaves nothing rendered, so nothing is applied from a half-read set.
 */
export async function renderApplication(options: {
  repositoryRoot: string;
  path: string;
  namespace: string;
  applicationId: string;
  renderers: GitopsRenderer[];
}): Promise<RenderedApplication> {
  const directory = await resolveInsideRepository(
    options.repositoryRoot,
    options.path.replace(/^\/+/, '') || '.',
  );
  if (!(await fs.stat(directory)).isDirectory()) {
    throw new Error(
      `Path "${options.path}" is a file; point the application at a folder`,
    );
  }
  const repositoryRoot = await fs.realpath(options.repositoryRoot);
  for (const renderer of options.renderers) {
    if (!(await renderer.canRender(directory))) continue;
    const objects = await renderer.render({
      directory,
      repositoryRoot,
      namespace: options.namespace,
      applicationId: options.applicationId,
    });
    return {
      renderer: renderer.name,
      selfContained:
        renderer === plainYamlRenderer && !(await containsSymlink(directory)),
      objects: prepareObjects(
        objects,
        options.namespace,
        options.applicationId,
      ),
    };
  }
  throw new Error(`No renderer can render path "${options.path}"`);
}

/** Defaults namespaces, stamps tracking ids and refuses duplicates. */
export function prepareObjects(
  objects: KubeObject[],
  namespace: string,
  applicationId: string,
): KubeObject[] {
  const clusterScopedCustomKinds = new Set<string>();
  for (const object of objects) {
    const spec = (object as any).spec;
    if (
      object.kind === 'CustomResourceDefinition' &&
      spec?.scope === 'Cluster'
    ) {
      clusterScopedCustomKinds.add(`${spec.group}/${spec.names?.kind}`);
    }
  }
  const seen = new Map<string, KubeObject>();
  return objects.map(original => {
    const object: KubeObject = structuredClone(original);
    object.metadata = { ...object.metadata };
    if (
      isClusterScoped(groupOf(object), object.kind, clusterScopedCustomKinds)
    ) {
      delete object.metadata.namespace;
    } else if (!object.metadata.namespace) {
      object.metadata.namespace = namespace;
    }
    const key = keyOfObject(object);
    if (seen.has(key)) {
      throw new Error(
        `${describeObject({
          kind: object.kind,
          namespace: object.metadata.namespace,
          name: object.metadata.name,
        })} is defined twice; keep one definition`,
      );
    }
    seen.set(key, object);
    object.metadata.annotations = {
      ...object.metadata.annotations,
      [ANNOTATION_TRACKING_ID]: trackingIdFor(applicationId, object),
    };
    return object;
  });
}
