import path from 'node:path';
import type {
  GitopsRenderer,
  RenderRequest,
} from '@mooring/plugin-gitops-node';
import { checkKustomization, findKustomization } from './checkKustomization';
import { parseManifests } from './plainYamlRenderer';
import { DEFAULT_RENDER_LIMITS, RenderLimits } from './renderLimits';
import { OFFLINE_ENVIRONMENT, findOnPath, runTool } from './runTool';

/** Options of the Kustomize renderer. */
export interface KustomizeRendererOptions {
  /** Allow remote resources and bases (URLs, Git repositories); off by default. */
  allowRemoteBases?: boolean;
  /** Allow exec and KRM function plugins in generators, transformers and validators; off by default. */
  allowPlugins?: boolean;
  /** Allow `helmCharts` (rendered with `--enable-helm`); off by default. */
  allowHelmCharts?: boolean;
  /** The kubectl binary; found on PATH when not given. */
  kubectl?: string;
  limits?: RenderLimits;
}

/** Folders holding a `kustomization.yaml`, rendered by `kubectl kustomize`. */
export function createKustomizeRenderer(
  options: KustomizeRendererOptions = {},
): GitopsRenderer {
  const policy = {
    allowRemoteBases: options.allowRemoteBases ?? false,
    allowPlugins: options.allowPlugins ?? false,
    allowHelmCharts: options.allowHelmCharts ?? false,
  };
  const limits = options.limits ?? DEFAULT_RENDER_LIMITS;
  return {
    name: 'kustomize',
    async canRender(directory) {
      return (await findKustomization(directory)) !== undefined;
    },
    async render(request: RenderRequest) {
      const where =
        path.relative(request.repositoryRoot, request.directory) || '.';
      await checkKustomization(
        request.directory,
        request.repositoryRoot,
        policy,
      );
      const kubectl = options.kubectl ?? findOnPath('kubectl');
      if (!kubectl) {
        throw new Error(
          'Rendering a kustomization needs the kubectl binary (with its built-in kustomize), which is not on PATH; install kubectl on the backend host',
        );
      }
      const args = [
        'kustomize',
        '.',
        '--load-restrictor',
        'LoadRestrictionsRootOnly',
      ];
      if (policy.allowPlugins)
        args.push('--enable-alpha-plugins', '--enable-exec');
      if (policy.allowHelmCharts) args.push('--enable-helm');
      const output = await runTool(kubectl, args, {
        cwd: request.directory,
        limits,
        // Remote bases were refused above; this keeps kustomize from fetching anyway.
        env: policy.allowRemoteBases ? {} : OFFLINE_ENVIRONMENT,
      }).catch(error => {
        throw new Error(
          `Kustomize could not render ${where}: ${error.message}`,
        );
      });
      return parseManifests(output, `${where} (kustomize output)`);
    },
  };
}
