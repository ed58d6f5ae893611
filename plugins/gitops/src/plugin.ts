import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { gitopsApiRef, GitopsClient } from './api';
import { rootRouteRef } from './routes';

/**
 * The Mooring plugin for apps on the legacy frontend system.
 * @public
 */
export const gitopsPlugin = createPlugin({
  id: 'gitops',
  apis: [
    createApiFactory({
      api: gitopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GitopsClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
  },
});

/**
 * Overview card for component pages (legacy frontend system); show it where
 * `isGitopsAvailable(entity)` is true.
 * @public
 */
export const EntityGitopsCard = gitopsPlugin.provide(
  createComponentExtension({
    name: 'EntityGitopsCard',
    component: {
      lazy: () =>
        import('./components/EntityGitopsCard').then(m => m.EntityGitopsCard),
    },
  }),
);

/**
 * The Deployments tab for component pages (legacy frontend system).
 * @public
 */
export const EntityGitopsContent = gitopsPlugin.provide(
  createRoutableExtension({
    name: 'EntityGitopsContent',
    component: () =>
      import('./components/EntityGitopsContent').then(
        m => m.EntityGitopsContent,
      ),
    mountPoint: rootRouteRef,
  }),
);
