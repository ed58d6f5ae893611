import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { localFs } from './localFs';
import os from 'node:os';
import path from 'node:path';
import type {
  GitopsRenderer,
  RenderRequest,
} from '@mooring/plugin-gitops-node';
import { parseManifests } from './plainYamlRenderer';
import { resolveInsideRepository } from './pathSafety';
import type { RenderLimits } from './renderLimits';
import { OFFLINE_ENVIRONMENT, findOnPath, runTool } from './runTool';
import {
  copyForDependencyBuild,
  planDependencies,
} from './helm/chartDependencies';
import { mapHelmHooks } from './helm/helmHooks';
import { releaseNameFor } from './helm/releaseName';
import {
  checkRepositoryConfig,
  HelmRepositoryConfig,
  isOciRegistry,
  signInsFor,
  withoutCredentials,
  writeRepositoriesFile,
} from './helm/repositoryCredentials';
import {
  isLoopbackRegistry,
  registryAuths,
  writeRegistryConfig,
} from './helm/registryCredentials';

export type { HelmRepositoryConfig } from './helm/repositoryCredentials';

/** Options of the Helm renderer (`gitops.helm`). */
export interface HelmRendererOptions {
  /** The helm binary (`gitops.helm.binary`); `helm` on PATH when not given. */
  binary?: string;
  /**
   * Chart repositories dependencies may be fetched from
   * (`gitops.helm.allowedRepositories`): globs such as `https://charts.example.com/**`.
   */
  allowedRepositories?: string[];
  /**
   * Credentials of chart repositories (`gitops.helm.repositories`): an
   * allowed dependency whose repository the `url` of an entry covers (same
   * scheme and host, path prefix on whole segments) is fetched with its
   * username and password, given to helm in its private repositories file
   * (`https://`) or registry config file (`oci://`).
   */
  repositories?: HelmRepositoryConfig[];
  /** Time and output limits of each `helm` command (`gitops.limits`). */
  limits?: RenderLimits;
}

async function isExecutable(file: string): Promise<boolean> {
  return fs
    .access(file, fs.constants.X_OK)
    .then(() => true)
    .catch(() => false);
}

/** The values files of `mooring.dev/helm-values`, each a file inside the checkout. */
async function resolveValuesFiles(
  request: RenderRequest,
  where: string,
): Promise<string[]> {
  const files: string[] = [];
  for (const file of request.helm?.valuesFiles ?? []) {
    const problem = `Values file "${file}" (mooring.dev/helm-values) of ${where}`;
    if (
      path.isAbsolute(file) ||
      file.split(/[\\/]/).some(segment => segment === '..')
    ) {
      throw new Error(
        `${problem} must be relative to the chart folder, without '..'`,
      );
    }
    let resolved: string;
    try {
      resolved = await resolveInsideRepository(
        request.repositoryRoot,
        file,
        request.directory,
      );
    } catch (error) {
      throw new Error(`${problem}: ${(error as Error).message}`);
    }
    if (!(await localFs.stat(resolved)).isFile()) {
      throw new Error(`${problem} is a folder; name a YAML file`);
    }
    files.push(resolved);
  }
  return files;
}

/**
 * `helm dependency build` only prints why a repository's index could not be
 * downloaded (401, unreachable) as a warning, then fails with "no cached
 * repository for <name>"; this names the repository instead. Helm names a
 * repository it is not configured with `helm-manager-<sha256 of its URL>`,
 * and Mooring's entries are `mooring-<n>` in the order of `signedIn`.
 */
function explainMissingIndex(
  message: string,
  remoteRepositories: readonly string[],
  signedIn: readonly string[],
): string {
  const match = /no cached repository for (\S+) found/.exec(message);
  if (!match) return message;
  const name = match[1];
  const url =
    signedIn[Number(/^mooring-(\d+)$/.exec(name)?.[1] ?? 0) - 1] ??
    remoteRepositories.find(
      candidate =>
        `helm-manager-${createHash('sha256')
          .update(candidate)
          .digest('hex')}` === name,
    );
  if (!url) return message;
  return `helm could not download the index of the chart repository ${url} (the repository refused the request or could not be reached)`;
}

/**
 * When a repository or registry refused helm (401, 403, "pull access
 * denied" of an OCI registry), names the repositories that
 * were fetched without credentials and where to give them.
 */
function refusalHint(
  message: string,
  remoteRepositories: readonly string[],
  signedIn: readonly string[],
): string {
  if (
    !/\b(401|403)\b|unauthori[sz]ed|forbidden|the repository refused|access denied|authorization failed/i.test(
      message,
    )
  ) {
    return '';
  }
  const anonymous = remoteRepositories.filter(url => !signedIn.includes(url));
  return anonymous.length
    ? `; ${anonymous.join(', ')} ${
        anonymous.length === 1 ? 'was' : 'were'
      } fetched without credentials: if ${
        anonymous.length === 1 ? 'it needs' : 'they need'
      } them, an administrator gives them in gitops.helm.repositories`
    : `; check the credentials gitops.helm.repositories gives for ${signedIn.join(
        ', ',
      )}`;
}

/**
 * Folders holding a `Chart.yaml`, rendered by `helm template` as `helm
 * install` would render them on the destination: the chart's `values.yaml`,
 * then the `mooring.dev/helm-values` files in order; the release name and
 * namespace of the target; CRDs from `crds/`; the cluster's version and APIs
 * as `.Capabilities`. Local (`file://`) dependencies are built in a private
 * copy of the chart; remote ones only from allowed repositories, with the
 * credentials of `gitops.helm.repositories` in helm's private repositories
 * file or, for OCI registries, its private registry config file (never on
 * its command line or in its environment). Helm runs
 * with a private HOME and Helm folders, no kubeconfig and no network unless
 * a dependency must be fetched. `helm test` hooks are left out; other hooks
 * are marked as sync hooks.
 */
export function createHelmRenderer(
  options: HelmRendererOptions = {},
): GitopsRenderer {
  const repositories = options.repositories ?? [];
  checkRepositoryConfig(repositories);
  return {
    name: 'helm',
    async canRender(directory) {
      return fs
        .stat(path.join(directory, 'Chart.yaml'))
        .then(s => s.isFile())
        .catch(() => false);
    },
    async render(request: RenderRequest) {
      const where =
        path.relative(request.repositoryRoot, request.directory) || '.';
      const helm = options.binary ?? findOnPath('helm');
      if (!helm || !(await isExecutable(helm))) {
        throw new Error(
          options.binary
            ? `Application ${request.applicationId}: ${where} is a Helm chart, but the helm binary "${options.binary}" (gitops.helm.binary) is missing or not executable; point gitops.helm.binary at Helm 3`
            : `Application ${request.applicationId}: ${where} is a Helm chart, but the helm binary is not on PATH; install Helm 3 on the backend host or set gitops.helm.binary`,
        );
      }
      const valuesFiles = await resolveValuesFiles(request, where);
      const plan = await planDependencies({
        chartDirectory: request.directory,
        repositoryRoot: request.repositoryRoot,
        where,
        allowedRepositories: options.allowedRepositories ?? [],
      });
      const signIns = signInsFor(plan.remoteRepositories, repositories);
      const chartRepositorySignIns = signIns.filter(
        signIn => !isOciRegistry(signIn.url),
      );
      const registrySignIns = registryAuths(signIns, where);
      const registries = plan.remoteRepositories.filter(isOciRegistry);
      // Helm pulls from an OCI registry over TLS; plain HTTP only when every
      // registry of the chart is on the backend host itself (loopback).
      // Production registries use TLS, and no credentials may cross a
      // network unencrypted.
      const plainHttp =
        registries.length > 0 && registries.every(isLoopbackRegistry);
      const capabilities = await request.clusterCapabilities?.();

      const work = await fs.mkdtemp(path.join(os.tmpdir(), 'mooring-helm-'));
      try {
        const configHome = path.join(work, 'config');
        const repositoryConfig = path.join(configHome, 'repositories.yaml');
        const registryConfig = path.join(configHome, 'registry', 'config.json');
        const env = {
          HELM_CACHE_HOME: path.join(work, 'cache'),
          HELM_CONFIG_HOME: configHome,
          HELM_DATA_HOME: path.join(work, 'data'),
          HELM_REPOSITORY_CONFIG: repositoryConfig,
          HELM_REGISTRY_CONFIG: registryConfig,
          HELM_NO_PLUGINS: '1',
          ...(plan.fetchesRemote ? {} : OFFLINE_ENVIRONMENT),
        };
        const run = (args: string[], cwd: string, what: string) =>
          runTool(helm, [...args, '--kubeconfig', '/dev/null'], {
            cwd,
            env,
            limits: options.limits,
          }).catch(error => {
            const message = explainMissingIndex(
              withoutCredentials((error as Error).message, signIns),
              plan.remoteRepositories,
              chartRepositorySignIns.map(s => s.url),
            );
            throw new Error(
              `Helm could not ${what} ${where}: ${message}${refusalHint(
                message,
                plan.remoteRepositories,
                signIns.map(s => s.url),
              )}`,
            );
          });

        let chart = request.directory;
        if (plan.build) {
          chart = await copyForDependencyBuild({
            repositoryRoot: request.repositoryRoot,
            chartDirectory: request.directory,
            localCharts: plan.localCharts,
            destination: path.join(work, 'tree'),
          });
          if (chartRepositorySignIns.length) {
            await writeRepositoriesFile(
              repositoryConfig,
              chartRepositorySignIns,
            );
          }
          if (registrySignIns.size) {
            await writeRegistryConfig(registryConfig, registrySignIns);
          }
          await run(
            [
              'dependency',
              'build',
              '.',
              ...(plan.fetchesRemote ? [] : ['--skip-refresh']),
              ...(plainHttp ? ['--plain-http'] : []),
            ],
            chart,
            'build the dependencies of',
          );
        }
        const args = [
          'template',
          request.helm?.releaseName ??
            releaseNameFor(request.applicationId, request.target),
          '.',
          '--namespace',
          request.namespace,
          '--include-crds',
          ...valuesFiles.flatMap(file => ['--values', file]),
        ];
        if (capabilities) {
          args.push('--kube-version', capabilities.kubeVersion);
          if (capabilities.apiVersions.length) {
            args.push('--api-versions', capabilities.apiVersions.join(','));
          }
        }
        const output = await run(args, chart, 'render');
        return mapHelmHooks(
          parseManifests(output, `${where} (helm template output)`),
        );
      } finally {
        await fs.rm(work, { recursive: true, force: true });
      }
    },
  };
}
