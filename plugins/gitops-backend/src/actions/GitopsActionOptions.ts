import type { AuditorService } from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { GitopsEngine } from '../engine/types';
import type { ApplicationAccess } from '../service/ApplicationAccess';

/** What every Mooring action is registered with. */
export interface GitopsActionOptions {
  actionsRegistry: ActionsRegistryService;
  engine: GitopsEngine;
  access: ApplicationAccess;
  auditor: AuditorService;
}

/** The zod instance the actions registry hands to schema functions. */
export type RegistryZod = Parameters<
  Parameters<ActionsRegistryService['register']>[0]['schema']['input']
>[0];
