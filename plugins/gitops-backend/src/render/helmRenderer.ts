import fs from 'node:fs/promises';
import path from 'node:path';
import type {
  GitopsRenderer,
  RenderRequest,
} from '@mooring/plugin-gitops-node';
import { parseManifests } from './plainYamlRenderer';
import { findOnPath, runTool } from './runTool';

/**
 * Folders holding a `Chart.yaml`, rendered by `helm template` with the
 * chart's `values.yaml` and, when present, `values-mooring.yaml` on top.
 */
export function createHelmRenderer(
  options: { helm?: string } = {},
): GitopsRenderer {
  return {
    name: 'helm',
    async canRender(directory) {
      return fs
        .stat(path.join(directory, 'Chart.yaml'))
        .then(s => s.isFile())
        .catch(() => false);
    },
    async render(request: RenderRequest) {
      const helm = options.helm ?? findOnPath('helm');
      const where =
        path.relative(request.repositoryRoot, request.directory) || '.';
      if (!helm) {
        throw new Error(
          `${where} is a Helm chart, but the helm binary is not on PATH; install Helm 3 on the backend host`,
        );
      }
      const args = [
        'template',
        request.applicationId.slice(0, 53).replace(/[^a-z0-9-]/g, '-'),
        '.',
        '--namespace',
        request.namespace,
      ];
      const overrides = path.join(request.directory, 'values-mooring.yaml');
      if (await fs.stat(overrides).catch(() => undefined)) {
        args.push('--values', overrides);
      }
      const output = await runTool(helm, args, {
        cwd: request.directory,
      }).catch(error => {
        throw new Error(`Helm could not render ${where}: ${error.message}`);
      });
      return parseManifests(output, `${where} (helm template output)`);
    },
  };
}
