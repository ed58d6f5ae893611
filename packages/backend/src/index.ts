/*
 * Hi!
 *
 * Note that this is an EXAMPLE Backstage backend. Please check the README.
 *
 * Happy hacking!
 */

import { createBackend } from '@backstage/backend-defaults';
import {
  catalogModuleGitops,
  permissionModuleMooringPolicy,
  searchModuleGitopsCollator,
} from '@mooring/plugin-gitops-backend';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// See https://backstage.io/docs/auth/guest/provider

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin, with Mooring's default policy: everyone reads, the
// owners of an entity (and members of owning groups) sync its applications
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(permissionModuleMooringPolicy);

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(searchModuleGitopsCollator);

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// mcp actions plugin
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// Mooring: the GitOps agent, and the catalog module that reports bad
// mooring.dev annotations on the entity's processing status
backend.add(import('@mooring/plugin-gitops-backend'));
backend.add(catalogModuleGitops);

// scaffolder plugin, with Mooring's onboarding actions (mooring:onboard,
// mooring:wait-healthy) used by the "Deploy a service with Mooring" template
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@mooring/plugin-scaffolder-backend-module-mooring'));
backend.start();
