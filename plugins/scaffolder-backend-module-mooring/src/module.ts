import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createOnboardAction } from './onboard/createOnboardAction';
import { createWaitHealthyAction } from './waitHealthy/createWaitHealthyAction';

/**
 * The scaffolder's Mooring actions: `mooring:onboard` and `mooring:wait-healthy`.
 * @public
 */
export const scaffolderModuleMooring = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'mooring',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        permissions: coreServices.permissions,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        logger: coreServices.logger,
      },
      async init({
        scaffolder,
        config,
        catalog,
        permissions,
        auth,
        discovery,
        logger,
      }) {
        scaffolder.addActions(
          createOnboardAction({ config, catalog, permissions, logger }),
          createWaitHealthyAction({ config, discovery, auth, catalog }),
        );
      },
    });
  },
});
