import { localFs as fs } from './localFs';
import path from 'node:path';
import type { Config } from '@backstage/config';
import type {
  GitopsRenderer,
  RenderRequest,
} from '@mooring/plugin-gitops-node';
import { ANNOTATION_TRACKING_ID } from '@mooring/plugin-gitops-common';
import {
  KubeObject,
  describeObject,
  groupOf,
  isClusterScoped,
  keyOfObject,
  trackingIdFor,
} from '../kube/kubeObject';
import { checkSyncAnnotations, hookPhases } from '../apply/syncAnnotations';
import { resolveInsideRepository } from './pathSafety';
import { createKustomizeRenderer } from './kustomizeRenderer';
import { createHelmRenderer } from './helmRenderer';
import {
  createPlainYamlRenderer,
  isPlainYamlRenderer,
  manifestFileOf,
} from './plainYamlRenderer';
import {
  DEFAULT_RENDER_LIMITS,
  RenderLimitError,
  RenderLimits,
  readRenderLimits,
} from './renderLimits';
import { CheckoutScans, scanCheckout } from './scanCheckout';

/**
 * The built-in renderers, most specific first; plain YAML takes any folder.
 * With `config`, `gitops.kustomize.*`, `gitops.helm.*` and `gitops.limits.*`
 * are read from it (the engine passes the same limits to
 * {@link renderApplication}).
 */
export function defaultRenderers(options: {
  allowRemoteBases?: boolean;
  config?: Config;
}): GitopsRenderer[] {
  const { config } = options;
  const limits = config ? readRenderLimits(config) : DEFAULT_RENDER_LIMITS;
  const renderers = [
    createKustomizeRenderer({
      allowRemoteBases:
        options.allowRemoteBases ??
        config?.getOptionalBoolean('gitops.kustomize.allowRemoteBases'),
      allowPlugins: config?.getOptionalBoolean('gitops.kustomize.allowPlugins'),
      allowHelmCharts: config?.getOptionalBoolean(
        'gitops.kustomize.allowHelmCharts',
      ),
      limits,
    }),
    createHelmRenderer({
      binary: config?.getOptionalString('gitops.helm.binary'),
      allowedRepositories: config?.getOptionalStringArray(
        'gitops.helm.allowedRepositories',
      ),
      repositories: config
        ?.getOptionalConfigArray('gitops.helm.repositories')
        ?.map(entry => ({
          url: entry.getString('url'),
          username: entry.getOptionalString('username'),
          password: entry.getOptionalString('password'),
        })),
      limits,
    }),
    createPlainYamlRenderer(limits),
  ];
  return renderers;
}

/** Rejects with a limit error when `work` takes longer than `ms`. */
async function withinTime<T>(
  work: Promise<T>,
  limits: RenderLimits,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RenderLimitError(
            'maxRenderMs',
            limits,
            `Rendering ${what} took more than ${
              limits.maxRenderMs / 1000
            } seconds`,
          ),
        ),
      limits.maxRenderMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
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
  /**
   * The manifest file (relative to the repository) of each object, by object
   * key, where the renderer knows it (plain YAML; Kustomize and Helm merge
   * files into one output).
   */
  sourceFiles: Map<string, string>;
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
  /** Size, file count, object count and time limits of this render (`gitops.limits`). */
  limits?: RenderLimits;
  /** Passed to the renderer as they are (see `RenderRequest`). */
  request?: Pick<RenderRequest, 'target' | 'helm' | 'clusterCapabilities'>;
  /**
   * Remembers scans of `repositoryRoot`, for checkouts that never change
   * (one commit's files); without it the checkout is scanned every time.
   */
  scans?: CheckoutScans;
}): Promise<RenderedApplication> {
  const limits = options.limits ?? DEFAULT_RENDER_LIMITS;
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
  // Once, before any renderer (built-in or added) reads a file.
  await (options.scans
    ? options.scans.scan(repositoryRoot, limits)
    : scanCheckout(repositoryRoot, limits));
  for (const renderer of options.renderers) {
    if (!(await renderer.canRender(directory))) continue;
    const objects = await withinTime(
      renderer.render({
        directory,
        repositoryRoot,
        namespace: options.namespace,
        applicationId: options.applicationId,
        ...options.request,
      }),
      limits,
      `path "${options.path}"`,
    );
    if (objects.length > limits.maxObjects) {
      throw new RenderLimitError(
        'maxObjects',
        limits,
        `Path "${options.path}" renders to ${objects.length} objects`,
      );
    }
    const sourceFiles = new Map<string, string>();
    return {
      renderer: renderer.name,
      selfContained:
        isPlainYamlRenderer(renderer) && !(await containsSymlink(directory)),
      objects: prepareObjects(
        objects,
        options.namespace,
        options.applicationId,
        sourceFiles,
      ),
      sourceFiles,
    };
  }
  throw new Error(`No renderer can render path "${options.path}"`);
}

/**
 * Defaults namespaces, stamps tracking ids, checks the sync annotations and
 * refuses duplicates; drops hooks marked `Skip`. `sourceFiles` receives the
 * manifest file of each object whose file is known, by object key.
 */
export function prepareObjects(
  objects: KubeObject[],
  namespace: string,
  applicationId: string,
  sourceFiles?: Map<string, string>,
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
  // Hooks Argo CD is told to skip are never applied.
  const applied = objects.filter(o => !hookPhases(o).includes('Skip'));
  checkSyncAnnotations(applied);
  const seen = new Map<string, KubeObject>();
  return applied.map(original => {
    const object: KubeObject = structuredClone(original);
    object.metadata = { ...object.metadata };
    if (
      isClusterScoped(groupOf(object), object.kind, clusterScopedCustomKinds)
    ) {
      delete object.metadata.namespace;
    } else if (!object.metadata.namespace) {
      object.metadata.namespace = namespace;
    }
    // A hook with generateName is named by the server; until then it is
    // known by its prefix and a star.
    const named: KubeObject = object.metadata.name
      ? object
      : {
          ...object,
          metadata: {
            ...object.metadata,
            name: `${object.metadata.generateName}*`,
          },
        };
    const key = keyOfObject(named);
    const file = manifestFileOf(original);
    if (seen.has(key)) {
      const files = [sourceFiles?.get(key), file].filter(Boolean);
      throw new Error(
        `${describeObject({
          kind: named.kind,
          namespace: named.metadata.namespace,
          name: named.metadata.name,
        })} is defined twice${
          files.length ? ` (in ${[...new Set(files)].join(' and ')})` : ''
        }; keep one definition`,
      );
    }
    seen.set(key, object);
    if (file) sourceFiles?.set(key, file);
    object.metadata.annotations = {
      ...object.metadata.annotations,
      [ANNOTATION_TRACKING_ID]: trackingIdFor(applicationId, named),
    };
    return object;
  });
}
