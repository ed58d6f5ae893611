import { localFs as fs } from './localFs';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type {
  GitopsRenderer,
  KubeObject,
  RenderRequest,
} from '@mooring/plugin-gitops-node';
import { isInside } from './pathSafety';
import {
  DEFAULT_RENDER_LIMITS,
  RenderLimitError,
  RenderLimits,
} from './renderLimits';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** An error in a manifest, naming the file (relative to the repository) and line. */
export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${problem}`);
    this.name = 'ManifestError';
  }
}

/**
 * The file (relative to the repository) each parsed object came from, so an
 * object the cluster refuses can be traced to its manifest. A side table, not
 * an annotation: nothing of it reaches the cluster or the diff.
 */
const manifestFiles = new WeakMap<object, string>();

/** The manifest file an object of the plain YAML renderer came from. */
export function manifestFileOf(object: object): string | undefined {
  return manifestFiles.get(object);
}

/** Lists manifest files below `directory`, sorted, refusing symlinks that lead out of the repository. */
async function listManifestFiles(
  directory: string,
  repositoryRoot: string,
): Promise<string[]> {
  const found: string[] = [];
  const entries = await fs.readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(directory, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const real = await fs.realpath(full).catch(() => undefined);
      if (!real || !isInside(repositoryRoot, real)) {
        throw new ManifestError(
          path.relative(repositoryRoot, full),
          undefined,
          'symlink leads outside the repository (or nowhere); Mooring only reads files inside it',
        );
      }
      const stat = await fs.stat(real);
      isDirectory = stat.isDirectory();
      isFile = stat.isFile();
    }
    if (isDirectory) {
      found.push(...(await listManifestFiles(full, repositoryRoot)));
    } else if (
      isFile &&
      MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase())
    ) {
      found.push(full);
    }
  }
  return found;
}

/**
 * Parses a multi-document YAML text into objects; `file` is used in errors.
 * `List` objects are flattened into their items.
 */
export function parseManifests(text: string, file: string): KubeObject[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  const docs = Array.isArray(documents) ? documents : [documents];
  const objects: KubeObject[] = [];
  for (const doc of docs) {
    const firstError = doc.errors[0];
    if (firstError) {
      const line = firstError.linePos?.[0]?.line;
      throw new ManifestError(file, line, firstError.message.split('\n')[0]);
    }
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    const line = doc.contents?.range
      ? lineCounter.linePos(doc.contents.range[0]).line
      : undefined;
    collectObject(value, file, line, objects);
  }
  return objects;
}

function collectObject(
  value: unknown,
  file: string,
  line: number | undefined,
  out: KubeObject[],
) {
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    throw new ManifestError(
      file,
      line,
      'expected a Kubernetes object (a mapping with apiVersion, kind and metadata)',
    );
  }
  const object = value as Record<string, any>;
  if (
    typeof object.kind === 'string' &&
    object.kind.endsWith('List') &&
    Array.isArray(object.items)
  ) {
    for (const item of object.items) collectObject(item, file, line, out);
    return;
  }
  const missing = [
    typeof object.apiVersion !== 'string' && 'apiVersion',
    typeof object.kind !== 'string' && 'kind',
    typeof object.metadata?.name !== 'string' &&
      typeof object.metadata?.generateName !== 'string' &&
      'metadata.name',
  ].filter(Boolean);
  if (missing.length) {
    throw new ManifestError(
      file,
      line,
      `object${
        object.kind ? ` of kind ${object.kind}` : ''
      } lacks ${missing.join(', ')}`,
    );
  }
  out.push(object as KubeObject);
}

const plainYamlRenderers = new WeakSet<GitopsRenderer>();

/** True for a renderer made by {@link createPlainYamlRenderer}. */
export function isPlainYamlRenderer(renderer: GitopsRenderer): boolean {
  return plainYamlRenderers.has(renderer);
}

/**
 * Every `.yaml`, `.yml` and `.json` file below the folder, multi-document, in
 * path order. Sizes are checked with `stat` before a file is read, so an
 * oversized manifest is refused without being loaded.
 */
export function createPlainYamlRenderer(
  limits: RenderLimits = DEFAULT_RENDER_LIMITS,
): GitopsRenderer {
  const renderer: GitopsRenderer = {
    name: 'yaml',
    async canRender() {
      return true;
    },
    async render(request: RenderRequest) {
      const files = await listManifestFiles(
        request.directory,
        request.repositoryRoot,
      );
      let bytes = 0;
      for (const file of files) {
        bytes += (await fs.stat(file)).size;
        if (bytes > limits.maxManifestBytes) {
          throw new RenderLimitError(
            'maxManifestBytes',
            limits,
            `The manifests up to ${path.relative(
              request.repositoryRoot,
              file,
            )} hold more than ${limits.maxManifestBytes} bytes`,
          );
        }
      }
      // Regular files within the size limit just checked (see localFs).
      const objects: KubeObject[] = [];
      for (const file of files) {
        const text = await fs.readFile(file, 'utf8');
        const relative = path.relative(request.repositoryRoot, file);
        for (const object of parseManifests(text, relative)) {
          manifestFiles.set(object, relative);
          objects.push(object);
        }
      }
      return objects;
    },
  };
  plainYamlRenderers.add(renderer);
  return renderer;
}

/** The plain YAML renderer with the default limits. */
export const plainYamlRenderer: GitopsRenderer = createPlainYamlRenderer();
