import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { gitopsApiRef, GitopsClient } from './api';
import { fleetRouteRef, rootRouteRef } from './routes';

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
    fleet: fleetRouteRef,
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
 * The Delivery card (legacy frontend system): delivery figures of the entity, for a
 * group across the components it owns.
 * @public
 */
export const EntityDeliveryCard = gitopsPlugin.provide(
  createComponentExtension({
    name: 'EntityDeliveryCard',
    component: {
      lazy: () =>
        import('./components/Delivery').then(m => m.EntityDeliveryCard),
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

/**
 * The fleet page, every application the user may read (legacy frontend system): mount
 * it on a route such as `/deployments` and add a sidebar item.
 * @public
 */
export const GitopsFleetPage = gitopsPlugin.provide(
  createRoutableExtension({
    name: 'GitopsFleetPage',
    component: () =>
      import('./components/FleetPage').then(m => m.LegacyFleetPage),
    mountPoint: fleetRouteRef,
  }),
);
