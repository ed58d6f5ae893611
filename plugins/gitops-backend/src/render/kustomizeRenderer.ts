import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type {
  GitopsRenderer,
  RenderRequest,
} from '@mooring/plugin-gitops-node';
import { ManifestError, parseManifests } from './plainYamlRenderer';
import { resolveInsideRepository } from './pathSafety';
import { findOnPath, runTool } from './runTool';

const KUSTOMIZATION_FILES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

async function findKustomization(directory: string) {
  for (const name of KUSTOMIZATION_FILES) {
    const file = path.join(directory, name);
    if (
      await fs
        .stat(file)
        .then(s => s.isFile())
        .catch(() => false)
    ) {
      return file;
    }
  }
  return undefined;
}

function isRemote(reference: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(reference) ||
    /^git@/.test(reference) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(reference)
  );
}

/**
 * Checks every kustomization reachable from `directory`: local references
 * must stay inside the repository, remote ones are refused unless allowed.
 */
async function checkKustomization(
  directory: string,
  repositoryRoot: string,
  allowRemoteBases: boolean,
  seen: Set<string>,
): Promise<void> {
  if (seen.has(directory)) return;
  seen.add(directory);
  const file = await findKustomization(directory);
  if (!file) return;
  const relativeFile = path.relative(repositoryRoot, file);
  let content: any;
  try {
    content = parse(await fs.readFile(file, 'utf8')) ?? {};
  } catch (error) {
    throw new ManifestError(
      relativeFile,
      (error as any).linePos?.[0]?.line,
      String((error as Error).message).split('\n')[0],
    );
  }
  const references: string[] = [];
  for (const key of ['resources', 'bases', 'components', 'crds']) {
    if (Array.isArray(content[key])) references.push(...content[key]);
  }
  for (const key of ['patchesStrategicMerge']) {
    if (Array.isArray(content[key])) {
      references.push(
        ...content[key].filter(
          (p: unknown) => typeof p === 'string' && !p.includes('\n'),
        ),
      );
    }
  }
  for (const key of ['patches', 'patchesJson6902']) {
    if (Array.isArray(content[key])) {
      for (const patch of content[key]) {
        if (typeof patch?.path === 'string') references.push(patch.path);
      }
    }
  }
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    if (Array.isArray(content[key])) {
      for (const generator of content[key]) {
        for (const list of [generator?.files, generator?.envs]) {
          if (!Array.isArray(list)) continue;
          for (const entry of list) {
            if (typeof entry !== 'string') continue;
            const eq = entry.indexOf('=');
            references.push(eq >= 0 ? entry.slice(eq + 1) : entry);
          }
        }
        if (typeof generator?.env === 'string') references.push(generator.env);
      }
    }
  }
  for (const reference of references) {
    if (typeof reference !== 'string') continue;
    if (isRemote(reference)) {
      if (!allowRemoteBases) {
        throw new ManifestError(
          relativeFile,
          undefined,
          `remote base "${reference}" is not allowed; vendor it into the repository`,
        );
      }
      continue;
    }
    let resolved: string;
    try {
      resolved = await resolveInsideRepository(
        repositoryRoot,
        reference,
        directory,
      );
    } catch (error) {
      throw new ManifestError(
        relativeFile,
        undefined,
        (error as Error).message,
      );
    }
    const stat = await fs.stat(resolved);
    if (stat.isDirectory()) {
      await checkKustomization(
        resolved,
        repositoryRoot,
        allowRemoteBases,
        seen,
      );
    }
  }
}

/** Options of the Kustomize renderer. */
export interface KustomizeRendererOptions {
  /** Allow `resources` that are remote URLs (off by default). */
  allowRemoteBases?: boolean;
  /** The kubectl binary; found on PATH when not given. */
  kubectl?: string;
}

/** Folders holding a `kustomization.yaml`, rendered by `kubectl kustomize`. */
export function createKustomizeRenderer(
  options: KustomizeRendererOptions = {},
): GitopsRenderer {
  return {
    name: 'kustomize',
    async canRender(directory) {
      return (await findKustomization(directory)) !== undefined;
    },
    async render(request: RenderRequest) {
      await checkKustomization(
        request.directory,
        request.repositoryRoot,
        options.allowRemoteBases ?? false,
        new Set(),
      );
      const kubectl = options.kubectl ?? findOnPath('kubectl');
      if (!kubectl) {
        throw new Error(
          'Rendering a kustomization needs the kubectl binary (with its built-in kustomize), which is not on PATH; install kubectl on the backend host',
        );
      }
      const output = await runTool(kubectl, ['kustomize', '.'], {
        cwd: request.directory,
      }).catch(error => {
        throw new Error(
          `Kustomize could not render ${
            path.relative(request.repositoryRoot, request.directory) || '.'
          }: ${error.message}`,
        );
      });
      return parseManifests(
        output,
        `${
          path.relative(request.repositoryRoot, request.directory) || '.'
        } (kustomize output)`,
      );
    },
  };
}
