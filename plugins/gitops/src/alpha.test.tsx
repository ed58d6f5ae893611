import { createExtensionTester } from '@backstage/frontend-test-utils';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  fleetPageRouteRef,
  gitopsEntityCard,
  gitopsEntityContent,
  gitopsFleetPage,
} from './alpha';

import { paymentsEntity, plainEntity } from './__testUtils__/fixtures';

describe('new frontend system extensions', () => {
  it('shows the card only on entities with Mooring annotations', () => {
    const filter = createExtensionTester(gitopsEntityCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    );
    expect(filter?.(paymentsEntity)).toBe(true);
    expect(filter?.(plainEntity)).toBe(false);
  });

  it('adds a Deployments tab at /deployments on every component', () => {
    const tester = createExtensionTester(gitopsEntityContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('deployments');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Deployments',
    );
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction);
    expect(filter?.(plainEntity)).toBe(true);
    expect(filter?.({ ...plainEntity, kind: 'API' })).toBe(false);
  });

  it('adds the fleet page at /deployments with a Deployments nav item', async () => {
    const tester = createExtensionTester(gitopsFleetPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/deployments');
    expect(tester.get(coreExtensionData.title)).toBe('Deployments');
    expect(tester.get(coreExtensionData.icon)).toBeDefined();
    // The sidebar lists only pages with a route ref.
    expect(tester.get(coreExtensionData.routeRef)).toBe(fleetPageRouteRef);
  });
});
