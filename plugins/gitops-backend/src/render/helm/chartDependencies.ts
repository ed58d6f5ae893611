import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { isInside, resolveInsideRepository } from '../pathSafety';
import {
  chartRepositoryAllowed,
  parseChartRepositoryUrl,
} from './chartRepositoryAllowed';

/** One entry of a chart's `dependencies` (Chart.yaml, or requirements.yaml of an apiVersion v1 chart). */
export interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
}

/** What `helm template` needs before it can render a chart. */
export interface DependencyPlan {
  /** Run `helm dependency build` (in a private copy of the chart). */
  build: boolean;
  /** Folders of the checkout that `file://` dependencies point at. */
  localCharts: string[];
  /** True when a dependency comes from an allowed remote repository. */
  fetchesRemote: boolean;
  /** The allowed remote repositories dependencies come from, as the chart names them. */
  remoteRepositories: string[];
}

async function readYaml(file: string, where: string): Promise<any> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return parse(text) ?? {};
  } catch (error) {
    throw new Error(
      `${where} is not valid YAML: ${
        String((error as Error).message).split('\n')[0]
      }`,
    );
  }
}

/** The dependencies a chart declares. */
export async function readChartDependencies(
  chartDirectory: string,
  where: string,
): Promise<ChartDependency[]> {
  const chart = await readYaml(
    path.join(chartDirectory, 'Chart.yaml'),
    `${where}/Chart.yaml`,
  );
  let dependencies = chart?.dependencies;
  if (dependencies === undefined && chart?.apiVersion === 'v1') {
    dependencies = (
      await readYaml(
        path.join(chartDirectory, 'requirements.yaml'),
        `${where}/requirements.yaml`,
      )
    )?.dependencies;
  }
  if (dependencies === undefined || dependencies === null) return [];
  if (
    !Array.isArray(dependencies) ||
    dependencies.some(d => typeof d?.name !== 'string')
  ) {
    throw new Error(
      `${where}/Chart.yaml: dependencies must be a list of entries with a name`,
    );
  }
  return dependencies.map(d => ({
    name: d.name,
    version: typeof d.version === 'string' ? d.version : undefined,
    repository:
      typeof d.repository === 'string' && d.repository.trim()
        ? d.repository.trim()
        : undefined,
  }));
}

/** True when `charts/` already holds the dependency (as a folder or an archive). */
async function isVendored(
  chartDirectory: string,
  dependency: ChartDependency,
): Promise<boolean> {
  const entries = await fs
    .readdir(path.join(chartDirectory, 'charts'))
    .catch(() => [] as string[]);
  return entries.some(
    entry =>
      entry === dependency.name ||
      (entry.startsWith(`${dependency.name}-`) && entry.endsWith('.tgz')),
  );
}

/**
 * Decides how a chart's dependencies are satisfied. Vendored in `charts/`:
 * nothing to do. Otherwise `helm dependency build` runs, which fetches every
 * dependency, so each must be a `file://` folder inside the checkout, or in a
 * repository `gitops.helm.allowedRepositories` allows; anything else is
 * refused before helm runs.
 */
export async function planDependencies(options: {
  chartDirectory: string;
  repositoryRoot: string;
  where: string;
  allowedRepositories: readonly string[];
}): Promise<DependencyPlan> {
  const { chartDirectory, repositoryRoot, where } = options;
  const dependencies = await readChartDependencies(chartDirectory, where);
  const missing: ChartDependency[] = [];
  for (const dependency of dependencies) {
    if (!(await isVendored(chartDirectory, dependency)))
      missing.push(dependency);
  }
  if (missing.length === 0) {
    return {
      build: false,
      localCharts: [],
      fetchesRemote: false,
      remoteRepositories: [],
    };
  }
  const localCharts: string[] = [];
  const remoteRepositories: string[] = [];
  for (const dependency of dependencies) {
    const { repository } = dependency;
    const named = `${where}/Chart.yaml: dependency "${dependency.name}"`;
    if (!repository) {
      if (missing.includes(dependency)) {
        throw new Error(
          `${named} names no repository and is not in charts/; vendor it into charts/ or give a file:// repository inside the repository`,
        );
      }
      continue;
    }
    if (repository.startsWith('file://')) {
      const relative = repository.slice('file://'.length);
      if (path.isAbsolute(relative)) {
        throw new Error(
          `${named} is at ${repository}, an absolute path; use a path relative to the chart, inside the repository`,
        );
      }
      let folder: string;
      try {
        folder = await resolveInsideRepository(
          repositoryRoot,
          relative,
          chartDirectory,
        );
      } catch (error) {
        throw new Error(`${named}: ${(error as Error).message}`);
      }
      if (
        !(await fs.stat(path.join(folder, 'Chart.yaml')).catch(() => undefined))
      ) {
        throw new Error(`${named}: ${repository} holds no Chart.yaml`);
      }
      localCharts.push(folder);
      continue;
    }
    const parsed = parseChartRepositoryUrl(repository);
    if ('problem' in parsed) {
      throw new Error(
        `${named} comes from "${repository}", which ${parsed.problem}; Mooring only fetches charts from https or oci repositories gitops.helm.allowedRepositories lists, or vendor it into charts/`,
      );
    }
    if (!chartRepositoryAllowed(repository, options.allowedRepositories)) {
      throw new Error(
        `${named} comes from ${repository}, which gitops.helm.allowedRepositories does not list (allowed: ${
          options.allowedRepositories.join(', ') || 'none'
        }); vendor it into charts/ (helm dependency build, then commit charts/) or ask an administrator to allow the repository`,
      );
    }
    if (!remoteRepositories.includes(repository)) {
      remoteRepositories.push(repository);
    }
  }
  return {
    build: true,
    localCharts,
    fetchesRemote: remoteRepositories.length > 0,
    remoteRepositories,
  };
}

/**
 * Copies the chart and the local charts it depends on into `destination`,
 * each at its path in the checkout, so relative `file://` references and
 * `Chart.lock` stay valid while `helm dependency build` writes `charts/`
 * without touching the checkout that other applications render from.
 * Symlinks are copied as what they point at, and only when that is inside
 * the checkout. Returns the copied chart folder.
 */
export async function copyForDependencyBuild(options: {
  repositoryRoot: string;
  chartDirectory: string;
  localCharts: string[];
  destination: string;
}): Promise<string> {
  const root = await fs.realpath(options.repositoryRoot);
  const folders = [options.chartDirectory, ...options.localCharts];
  for (const folder of folders) {
    const relative = path.relative(root, folder);
    await fs.cp(folder, path.join(options.destination, relative), {
      recursive: true,
      dereference: true,
      filter: async source => {
        const real = await fs.realpath(source).catch(() => undefined);
        if (!real || !isInside(root, real)) {
          throw new Error(
            `${path.relative(
              root,
              source,
            )} is a symlink that leads outside the repository; Mooring only reads files inside it`,
          );
        }
        return true;
      },
    });
  }
  return path.join(
    options.destination,
    path.relative(root, options.chartDirectory),
  );
}
