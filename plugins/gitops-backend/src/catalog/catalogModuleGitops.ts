import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import type { ApplicationListResponse } from '@mooring/plugin-gitops-common';
import {
  createRepoCheck,
  createTargetCheck,
  readClusterNames,
} from './gitopsConfig';
import { GitopsAnnotationProcessor } from './GitopsAnnotationProcessor';

/**
 * Catalog module that reports bad `mooring.dev/*` annotations (unknown
 * cluster, missing path, repository not allowed, bad target list, a
 * cluster or namespace not granted to the owner) and the syncs Mooring
 * refuses on the entity's catalog processing status.
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
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ catalog, config, logger, discovery, auth }) {
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
        // The syncs Mooring refuses show on the entity as well.
        const applicationsOf = async (entityRef: string) => {
          const { token } = await auth.getPluginRequestToken({
            onBehalfOf: await auth.getOwnServiceCredentials(),
            targetPluginId: 'gitops',
          });
          const url = `${await discovery.getBaseUrl(
            'gitops',
          )}/applications?entityRef=${encodeURIComponent(entityRef)}`;
          const response = await fetch(url, {
            headers: { Authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(5_000),
          });
          if (!response.ok) return [];
          return ((await response.json()) as ApplicationListResponse).items;
        };
        catalog.addProcessor(
          new GitopsAnnotationProcessor(
            () => ({
              clusters: clusters(),
              checkRepo,
              checkTarget,
            }),
            applicationsOf,
          ),
        );
      },
    });
  },
});
