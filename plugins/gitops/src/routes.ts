import { createRouteRef } from '@backstage/core-plugin-api';

/** Where the legacy app mounts the Deployments tab. */
export const rootRouteRef = createRouteRef({ id: 'gitops' });

/** Where the legacy app mounts the fleet page (e.g. at `/deployments`). */
export const fleetRouteRef = createRouteRef({ id: 'gitops-fleet' });
