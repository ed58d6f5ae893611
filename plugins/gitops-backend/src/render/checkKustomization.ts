import { localFs as fs } from './localFs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ManifestError } from './plainYamlRenderer';
import { resolveInsideRepository } from './pathSafety';

/** The file names kustomize reads as a kustomization, in its order. */
export const KUSTOMIZATION_FILES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

/** What a kustomization may do beyond reading local files. */
export interface KustomizePolicy {
  allowRemoteBases: boolean;
  allowPlugins: boolean;
  allowHelmCharts: boolean;
}

export async function findKustomization(directory: string) {
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

/**
 * True when kustomize would fetch `reference` rather than read it from disk.
 * Kustomize loads an `http(s)://` file over HTTP before looking at the disk,
 * and takes as a Git repository anything its repo-spec parser accepts: an
 * optional `git::` prefix (any case), then a `scheme://` (https, http, ssh,
 * file), or a `user@host:` SCP form, or a host starting `github.com` followed
 * by `/` or `:` (any case). Every other reference is a local path. Any
 * `scheme://` counts as remote here, so a scheme kustomize learns later is
 * refused rather than let through.
 */
export function isRemoteReference(reference: string): boolean {
  let rest = reference.trim();
  if (/^git::/i.test(rest)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) return true;
  // `user@host:path`, the SCP form; the user part is what makes it remote.
  if (/^[^/@:\s]+@[^/@:\s]+:/.test(rest)) return true;
  rest = rest.replace(/^[^/@:\s]+@/, '');
  return /^github\.com(?:[/:]|$)/i.test(rest);
}

/** True for a generator/transformer/validator config that runs code outside kustomize. */
function isPluginConfig(object: any): boolean {
  if (typeof object !== 'object' || object === null) return false;
  const annotations = object.metadata?.annotations ?? {};
  if (
    'config.kubernetes.io/function' in annotations ||
    'config.k8s.io/function' in annotations
  ) {
    return true;
  }
  return object.apiVersion !== 'builtin';
}

interface Reference {
  field: string;
  value: string;
  /** A kustomization folder kustomize recurses into. */
  mayBeBase?: boolean;
  /** A plugin config (generators, transformers, validators). */
  plugin?: boolean;
}

function strings(list: unknown): string[] {
  return Array.isArray(list)
    ? list.filter((v): v is string => typeof v === 'string')
    : [];
}

/** Every file, folder and URL a kustomization names, with the field naming it. */
function referencesOf(content: any): Reference[] {
  const refs: Reference[] = [];
  const add = (
    field: string,
    values: string[],
    extra: Partial<Reference> = {},
  ) => refs.push(...values.map(value => ({ field, value, ...extra })));
  for (const field of ['resources', 'bases', 'components']) {
    add(field, strings(content[field]), { mayBeBase: true });
  }
  for (const field of ['crds', 'configurations']) {
    add(field, strings(content[field]));
  }
  add(
    'patchesStrategicMerge',
    strings(content.patchesStrategicMerge).filter(p => !p.includes('\n')),
  );
  for (const field of ['patches', 'patchesJson6902', 'replacements']) {
    if (!Array.isArray(content[field])) continue;
    for (const item of content[field]) {
      if (typeof item?.path === 'string') add(`${field}[].path`, [item.path]);
    }
  }
  if (typeof content.openapi?.path === 'string') {
    add('openapi.path', [content.openapi.path]);
  }
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    if (!Array.isArray(content[field])) continue;
    for (const generator of content[field]) {
      for (const entry of [
        ...strings(generator?.files),
        ...strings(generator?.envs),
        ...(typeof generator?.env === 'string' ? [generator.env] : []),
      ]) {
        const eq = entry.indexOf('=');
        add(field, [eq >= 0 ? entry.slice(eq + 1) : entry]);
      }
    }
  }
  for (const field of ['generators', 'transformers', 'validators']) {
    add(field, strings(content[field]), { plugin: true });
  }
  if (typeof content.helmGlobals?.chartHome === 'string') {
    add('helmGlobals.chartHome', [content.helmGlobals.chartHome]);
  }
  return refs;
}

/**
 * Checks every kustomization reachable from `directory` through local bases
 * and components before kustomize runs: local references must stay inside
 * the repository; remote ones, plugins and Helm charts are refused unless the
 * policy allows them.
 */
export async function checkKustomization(
  directory: string,
  repositoryRoot: string,
  policy: KustomizePolicy,
  seen: Set<string> = new Set(),
): Promise<void> {
  if (seen.has(directory)) return;
  seen.add(directory);
  const file = await findKustomization(directory);
  if (!file) return;
  const relativeFile = path.relative(repositoryRoot, file);
  const refuse = (problem: string) =>
    new ManifestError(relativeFile, undefined, problem);
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
  if (typeof content !== 'object' || Array.isArray(content)) {
    throw refuse('a kustomization must be a mapping');
  }
  if (
    !policy.allowHelmCharts &&
    (content.helmCharts !== undefined ||
      content.helmGlobals !== undefined ||
      content.helmChartInflationGenerator !== undefined)
  ) {
    throw refuse(
      'helmCharts are not allowed in a kustomization; render the chart with a Helm application, or an administrator sets gitops.kustomize.allowHelmCharts',
    );
  }
  for (const field of ['generators', 'transformers', 'validators']) {
    for (const inline of strings(content[field]).filter(v =>
      v.includes('\n'),
    )) {
      if (
        !policy.allowPlugins &&
        parseAllDocuments(inline).some(doc => isPluginConfig(doc.toJS()))
      ) {
        throw refuse(
          `${field} holds an inline plugin, which is not allowed; use built-in kustomize fields, or an administrator sets gitops.kustomize.allowPlugins`,
        );
      }
    }
  }
  for (const ref of referencesOf(content)) {
    if (ref.plugin && ref.value.includes('\n')) continue;
    const local = path.resolve(directory, ref.value);
    const isLocalFile = await fs
      .stat(local)
      .then(s => s.isFile())
      .catch(() => false);
    if (isRemoteReference(ref.value) && !isLocalFile) {
      if (!policy.allowRemoteBases) {
        throw refuse(
          `remote base "${ref.value}" in ${ref.field} is not allowed; vendor it into the repository, or an administrator sets gitops.kustomize.allowRemoteBases`,
        );
      }
      continue;
    }
    let resolved: string;
    try {
      resolved = await resolveInsideRepository(
        repositoryRoot,
        ref.value,
        directory,
      );
    } catch (error) {
      throw refuse(`${(error as Error).message} (in ${ref.field})`);
    }
    const stat = await fs.stat(resolved);
    if (ref.plugin && !policy.allowPlugins) {
      if (stat.isDirectory()) {
        throw refuse(
          `${ref.field} names the folder "${ref.value}", whose plugins Mooring cannot check; list plugin config files, or an administrator sets gitops.kustomize.allowPlugins`,
        );
      }
      const docs = parseAllDocuments(await fs.readFile(resolved, 'utf8'));
      if (docs.some(doc => isPluginConfig(doc.toJS()))) {
        throw refuse(
          `${ref.field} names "${ref.value}", a plugin, which is not allowed; use built-in kustomize fields, or an administrator sets gitops.kustomize.allowPlugins`,
        );
      }
    }
    if (stat.isDirectory() && (ref.mayBeBase || ref.plugin)) {
      await checkKustomization(resolved, repositoryRoot, policy, seen);
    }
  }
}
