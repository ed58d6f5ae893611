import type {
  DatabaseService,
  LifecycleService,
  LoggerService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import type { Knex } from 'knex';
import type { GitopsEngine } from '../engine/types';
import type { ApplicationAccess } from '../service/ApplicationAccess';
import { DatabaseGitopsStore } from '../store/DatabaseGitopsStore';
import { DeliveryInsights } from './DeliveryInsights';
import { DeliveryRecorder } from './DeliveryRecorder';

const DAY_MS = 86_400_000;
const DEFAULT_RETENTION_DAYS = 400;

/** `gitops.insights.retentionDays`: a whole number of days, at least 1. */
export function readRetentionDays(config: RootConfigService): number {
  const days =
    config.getOptionalNumber('gitops.insights.retentionDays') ??
    DEFAULT_RETENTION_DAYS;
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(
      `gitops.insights.retentionDays must be a whole number of days, at least 1 (got ${days})`,
    );
  }
  return days;
}

/**
 * Delivery insights: the recorder that writes the deployments ledger from
 * the engine's events, the daily deletion of what is older than
 * `gitops.insights.retentionDays` (on one replica), and the figures the
 * REST API serves.
 */
export async function startDeliveryInsights(options: {
  engine: GitopsEngine;
  database: DatabaseService | Knex;
  config: RootConfigService;
  logger: LoggerService;
  scheduler: SchedulerService;
  lifecycle: LifecycleService;
  access: ApplicationAccess;
}): Promise<DeliveryInsights> {
  const { logger } = options;
  const retentionDays = readRetentionDays(options.config);
  const store = await DatabaseGitopsStore.create({
    database: options.database,
  });
  const recorder = new DeliveryRecorder({ ledger: store, logger });
  const detach = recorder.attach(options.engine);
  options.lifecycle.addShutdownHook(async () => {
    detach();
    await recorder.flush();
  });
  await options.scheduler.scheduleTask({
    id: 'gitops-insights-retention',
    frequency: { hours: 24 },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 1 },
    scope: 'global',
    fn: async () => {
      try {
        const deleted = await store.deleteDeploymentsBefore(
          Date.now() - retentionDays * DAY_MS,
        );
        if (deleted > 0) {
          logger.info(
            `Deleted ${deleted} deployments older than ${retentionDays} days from the delivery insights ledger`,
          );
        }
      } catch (error) {
        logger.warn(
          `Could not delete old deployments from the delivery insights ledger: ${stringifyError(
            error,
          )}`,
        );
      }
    },
  });
  return new DeliveryInsights({ ledger: store, access: options.access });
}
