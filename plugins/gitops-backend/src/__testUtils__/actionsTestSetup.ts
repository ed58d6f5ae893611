import { mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { GitopsActionOptions } from '../actions/GitopsActionOptions';
import { CatalogApplicationSync } from '../catalog/CatalogApplicationSync';
import { ApplicationAccess } from '../service/ApplicationAccess';
import {
  payments,
  policyPermissions,
  recordingAuditor,
  web,
} from './gitopsTestBackend';
import { InMemoryTestEngine } from './InMemoryTestEngine';

/**
 * One or more actions registered in a mock actions registry, over an
 * in-memory engine holding the applications of the payments (prod, staging)
 * and web components, with the default policy's permission decisions.
 */
export async function setUpActions(
  register: (options: GitopsActionOptions) => void,
) {
  const entities = [payments, web];
  const engine = new InMemoryTestEngine();
  const auth = mockServices.auth();
  // The catalog sync turns the entities into applications as in production.
  await new CatalogApplicationSync({
    catalog: catalogServiceMock({ entities }),
    auth,
    engine,
    logger: mockServices.logger.mock(),
    parseOptions: () => ({ clusters: ['dev', 'prod'] }),
  }).run();
  const { permissions } = policyPermissions(() => entities);
  const { auditor, auditEvents } = recordingAuditor();
  const actions = actionsRegistryServiceMock();
  register({
    actionsRegistry: actions,
    engine,
    access: new ApplicationAccess(permissions, auth),
    auditor,
  });
  return { actions, engine, auditEvents };
}
