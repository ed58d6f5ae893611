import { createRouteRef } from '@backstage/core-plugin-api';

/** Where the legacy app mounts the Deployments tab. */
export const rootRouteRef = createRouteRef({ id: 'gitops' });
