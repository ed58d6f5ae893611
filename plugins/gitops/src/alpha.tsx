import {
  ApiBlueprint,
  createFrontendPlugin,
  createRouteRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import CloudQueueIcon from '@material-ui/icons/CloudQueue';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import type { Entity } from '@backstage/catalog-model';
import { SearchResultListItemBlueprint } from '@backstage/plugin-search-react/alpha';
import { gitopsApiRef, GitopsClient } from './api';
import { isGitopsAvailable } from '@mooring/plugin-gitops-common';

/** @alpha */
export const gitopsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: gitopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GitopsClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * @alpha The overview card, on entities with Mooring annotations. An info card, so it
 * stands beside About at the top of the page rather than below every relation table.
 */
export const gitopsEntityCard = EntityCardBlueprint.make({
  name: 'deployments',
  params: {
    type: 'info',
    filter: isGitopsAvailable,
    loader: () =>
      import('./components/EntityGitopsCard').then(m => <m.EntityGitopsCard />),
  },
});

const isComponent = (entity: Entity) =>
  entity.kind.toLocaleLowerCase('en-US') === 'component';

/**
 * @alpha The Deployments tab. On every component: those not onboarded yet see which
 * annotations to add.
 */
export const gitopsEntityContent = EntityContentBlueprint.make({
  name: 'deployments',
  params: {
    path: 'deployments',
    title: 'Deployments',
    filter: isComponent,
    loader: () =>
      import('./components/EntityGitopsContent').then(m => (
        <m.EntityGitopsContent />
      )),
  },
});

const isGroup = (entity: Entity) =>
  entity.kind.toLocaleLowerCase('en-US') === 'group';

/**
 * @alpha The Delivery card on groups: deployment frequency, lead time, change failure
 * rate and time to restore across the components the group owns.
 */
export const gitopsDeliveryEntityCard = EntityCardBlueprint.make({
  name: 'delivery',
  params: {
    filter: isGroup,
    loader: () =>
      import('./components/Delivery').then(m => <m.EntityDeliveryCard />),
  },
});

/** @alpha Where the fleet page is; the sidebar lists pages with a route. */
export const fleetPageRouteRef = createRouteRef();

/**
 * @alpha The fleet view: every application the user may read, filtered and paged,
 * under "Deployments" in the sidebar.
 */
export const gitopsFleetPage = PageBlueprint.make({
  name: 'fleet',
  params: {
    path: '/deployments',
    routeRef: fleetPageRouteRef,
    title: 'Deployments',
    icon: <CloudQueueIcon />,
    loader: () => import('./components/FleetPage').then(m => <m.FleetPage />),
  },
});

/**
 * @alpha Deployments in the search results (documents of the backend's
 * `searchModuleGitopsCollator`): name and target, cluster and namespace, the
 * commit running, sync and health.
 */
export const gitopsSearchResultListItem = SearchResultListItemBlueprint.make({
  params: {
    icon: <CloudQueueIcon />,
    predicate: result => result.type === 'gitops-application',
    component: () =>
      import('./components/SearchResult').then(
        m => m.GitopsSearchResultListItem,
      ),
  },
});

/**
 * Mooring for the new frontend system.
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'gitops',
  info: { packageJson: () => import('../package.json') },
  routes: { fleet: fleetPageRouteRef },
  extensions: [
    gitopsApi,
    gitopsEntityCard,
    gitopsEntityContent,
    gitopsDeliveryEntityCard,
    gitopsFleetPage,
    gitopsSearchResultListItem,
  ],
});
