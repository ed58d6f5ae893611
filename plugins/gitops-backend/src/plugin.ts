import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { ScmIntegrations } from '@backstage/integration';
import {
  gitopsClustersExtensionPoint,
  GitopsClusterSupplier,
  gitopsHealthChecksExtensionPoint,
  GitopsHealthCheck,
  gitopsRenderersExtensionPoint,
  GitopsRenderer,
} from '@mooring/plugin-gitops-node';
import { createGitopsEngine } from './engine';
import { observeApplications } from './metrics';
import { privateWorkingDirectory } from './source/privateWorkingDirectory';
import { gitopsServicesDeps, startGitopsServices } from './service/startGitops';

/**
 * Mooring's backend plugin: the GitOps agent that keeps clusters equal to Git
 * for every component the catalog onboards, with its REST API, webhooks,
 * permissions, notifications and actions.
 *
 * @public
 */
export const gitopsPlugin = createBackendPlugin({
  pluginId: 'gitops',
  register(env) {
    const renderers: GitopsRenderer[] = [];
    const healthChecks: GitopsHealthCheck[] = [];
    const clusterSuppliers: GitopsClusterSupplier[] = [];
    env.registerExtensionPoint(gitopsRenderersExtensionPoint, {
      addRenderer: (...items) => renderers.push(...items),
    });
    env.registerExtensionPoint(gitopsHealthChecksExtensionPoint, {
      addHealthCheck: (...items) => healthChecks.push(...items),
    });
    env.registerExtensionPoint(gitopsClustersExtensionPoint, {
      addClusterSupplier: (...items) => clusterSuppliers.push(...items),
    });

    env.registerInit({
      deps: { ...gitopsServicesDeps, database: coreServices.database },
      async init({ database, ...deps }) {
        const { config, logger, scheduler, lifecycle } = deps;
        const workingDirectory = await privateWorkingDirectory(
          config.getOptionalString('backend.workingDirectory'),
        );
        const engine = await createGitopsEngine({
          config,
          logger,
          database,
          scheduler,
          workingDirectory,
          urlReaderIntegrations: ScmIntegrations.fromConfig(config),
          renderers,
          healthChecks,
          clusters: clusterSuppliers,
        });
        await startGitopsServices({ ...deps, database, engine });
        const stopObserving = observeApplications(() =>
          engine.listApplications(),
        );
        lifecycle.addStartupHook(() => engine.start());
        lifecycle.addShutdownHook(async () => {
          stopObserving();
          await engine.stop();
        });
      },
    });
  },
});
