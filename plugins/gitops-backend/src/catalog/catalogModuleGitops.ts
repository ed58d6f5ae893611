import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import {
  createRepoCheck,
  createTargetCheck,
  readClusterNames,
} from './gitopsConfig';
import { GitopsAnnotationProcessor } from './GitopsAnnotationProcessor';

/**
 * Catalog module that reports bad `mooring.dev/*` annotations (unknown
 * cluster, missing path, repository not allowed, bad target list) on the
 * entity's catalog processing status.
 *
 * @public
 */
export const catalogModuleGitops = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'gitops',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ catalog, config, logger }) {
        const checkRepo = createRepoCheck(config);
        const checkTarget = createTargetCheck(config);
        // The kubeconfig file may be written or changed after the backend
        // starts, so the cluster list is re-read, at most every 30 seconds.
        let cached: { at: number; names: string[] | undefined } | undefined;
        const clusters = () => {
          if (cached && Date.now() - cached.at < 30_000) {
            return cached.names;
          }
          let names: string[] | undefined;
          try {
            names = readClusterNames(config);
          } catch (error) {
            logger.warn(
              `Not checking mooring.dev/cluster annotations: ${
                (error as Error).message
              }`,
            );
          }
          cached = { at: Date.now(), names };
          return names;
        };
        catalog.addProcessor(
          new GitopsAnnotationProcessor(() => ({
            clusters: clusters(),
            checkRepo,
            checkTarget,
          })),
        );
      },
    });
  },
});
