import {
  coreServices,
  createBackendModule,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import { GitopsApplicationCollatorFactory } from './GitopsApplicationCollatorFactory';

const SCHEDULE_KEY = 'search.collators.gitops.schedule';

/** Without `search.collators.gitops.schedule`. */
export const DEFAULT_COLLATOR_SCHEDULE: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { minutes: 10 },
    timeout: { minutes: 15 },
    initialDelay: { seconds: 10 },
  };

/** The collator's schedule from config; a bad one stops start-up, saying where. */
export function readCollatorSchedule(
  config: Config,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = config.getOptionalConfig(SCHEDULE_KEY);
  if (!schedule) return DEFAULT_COLLATOR_SCHEDULE;
  try {
    return readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule);
  } catch (error) {
    throw new InputError(`Invalid ${SCHEDULE_KEY}: ${error}`);
  }
}

/**
 * Backstage search finds Mooring applications by name, entity, cluster,
 * namespace, deployed commit (full or short SHA) and status: "who runs
 * a1b2c3d on prod?". Documents of type `gitops-application`, re-collated on
 * `search.collators.gitops.schedule` (default every 10 minutes).
 *
 * @public
 */
export const searchModuleGitopsCollator = createBackendModule({
  pluginId: 'search',
  moduleId: 'gitops',
  register(env) {
    env.registerInit({
      deps: {
        auth: coreServices.auth,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        scheduler: coreServices.scheduler,
        indexRegistry: searchIndexRegistryExtensionPoint,
      },
      async init({ auth, config, discovery, scheduler, indexRegistry }) {
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner(
            readCollatorSchedule(config),
          ),
          factory: new GitopsApplicationCollatorFactory({ auth, discovery }),
        });
      },
    });
  },
});
