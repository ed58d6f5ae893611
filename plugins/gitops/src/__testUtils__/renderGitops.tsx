import type { ReactElement } from 'react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  catalogApiRef,
  CatalogApi,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Entity } from '@backstage/catalog-model';
import { alertApiRef } from '@backstage/core-plugin-api';
import { signalApiRef, SignalApi } from '@backstage/plugin-signals-react';
import { gitopsApiRef, GitopsApi } from '../api';
import { AlertSpy } from './AlertSpy';
import { paymentsEntity } from './fixtures';

/**
 * Renders Mooring components for an entity, as a signed-in user who may or may not sync;
 * alerts they post go to `alertApi`; `signalApi` stands for Backstage signals.
 */
export function renderGitops(
  element: ReactElement,
  options: {
    api: GitopsApi;
    entity?: Entity;
    canSync?: boolean;
    alertApi?: AlertSpy;
    /** Without it, the app has no signals and Mooring polls. */
    signalApi?: SignalApi;
    /** Without it, the app has no catalog client (people show as plain text). */
    catalogApi?: CatalogApi;
    /** The address the page opens at, e.g. `/?target=prod`. */
    route?: string;
  },
) {
  const permission = mockApis.permission({
    authorize:
      options.canSync === false ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [gitopsApiRef, options.api],
        [permissionApiRef, permission],
        [alertApiRef, options.alertApi ?? new AlertSpy()],
        ...(options.signalApi
          ? [[signalApiRef, options.signalApi] as const]
          : []),
        ...(options.catalogApi
          ? [[catalogApiRef, options.catalogApi] as const]
          : []),
      ]}
    >
      <EntityProvider entity={options.entity ?? paymentsEntity}>
        {element}
      </EntityProvider>
    </TestApiProvider>,
    // Entity links (people, components) resolve as the catalog mounts them.
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      ...(options.route ? { routeEntries: [options.route] } : {}),
    },
  );
}
