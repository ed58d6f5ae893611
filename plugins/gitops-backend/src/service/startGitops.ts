import {
  coreServices,
  AuditorService,
  DatabaseService,
  AuthService,
  HttpAuthService,
  HttpRouterService,
  LifecycleService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  ActionsRegistryService,
} from '@backstage/backend-plugin-api/alpha';
import { stringifyError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import {
  catalogServiceRef,
  CatalogService,
} from '@backstage/plugin-catalog-node';
import {
  notificationService,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import {
  signalsServiceRef,
  SignalsService,
} from '@backstage/plugin-signals-node';
import { gitopsPermissions } from '@mooring/plugin-gitops-common';
import Router from 'express-promise-router';
import { registerGitopsActions } from '../actions/registerGitopsActions';
import { CommitStatusReporter } from '../commitStatus/CommitStatusReporter';
import { readCommitStatusSettings } from '../commitStatus/commitStatusConfig';
import { CatalogApplicationSync } from '../catalog/CatalogApplicationSync';
import {
  createRepoCheck,
  createTargetCheck,
  readCatalogSyncInterval,
  readClusterNames,
} from '../catalog/gitopsConfig';
import type { GitopsEngine } from '../engine/types';
import { GitopsNotifier } from '../notifications/GitopsNotifier';
import { CatalogUsersByEmail } from '../notifications/CatalogUsersByEmail';
import { createRouter } from './router';
import { createWebhookRouter } from '../webhook/createWebhookRouter';
import { ApplicationAccess } from './ApplicationAccess';
import { auditEngineEvents } from './auditEngineEvents';
import { publishSignals } from './publishSignals';
import { startDeliveryInsights } from '../insights/startDeliveryInsights';

/** The services `startGitopsServices` needs, as plugin deps. */
export const gitopsServicesDeps = {
  config: coreServices.rootConfig,
  logger: coreServices.logger,
  auth: coreServices.auth,
  httpAuth: coreServices.httpAuth,
  httpRouter: coreServices.httpRouter,
  permissions: coreServices.permissions,
  permissionsRegistry: coreServices.permissionsRegistry,
  auditor: coreServices.auditor,
  catalog: catalogServiceRef,
  scheduler: coreServices.scheduler,
  lifecycle: coreServices.lifecycle,
  notifications: notificationService,
  actionsRegistry: actionsRegistryServiceRef,
  signals: signalsServiceRef,
  database: coreServices.database,
};

/** Everything around the engine: catalog onboarding, API, webhooks, notifications, actions. */
export interface GitopsServicesOptions {
  engine: GitopsEngine;
  config: RootConfigService;
  logger: LoggerService;
  auth: AuthService;
  httpAuth: HttpAuthService;
  httpRouter: HttpRouterService;
  permissions: PermissionsService;
  permissionsRegistry: PermissionsRegistryService;
  auditor: AuditorService;
  catalog: CatalogService;
  scheduler: SchedulerService;
  lifecycle: LifecycleService;
  notifications: NotificationService;
  actionsRegistry: ActionsRegistryService;
  /** Live updates to browsers; without it the page polls. */
  signals?: SignalsService;
  /** The plugin's database: the deployments ledger of delivery insights. */
  database: DatabaseService;
}

/**
 * Wires an engine into Backstage. The plugin calls this with the real engine;
 * tests call it with their own.
 */
export async function startGitopsServices(
  options: GitopsServicesOptions,
): Promise<{ catalogSync: CatalogApplicationSync }> {
  const { engine, config, logger, httpRouter } = options;

  options.permissionsRegistry.addPermissions(gitopsPermissions);
  const access = new ApplicationAccess(options.permissions, options.auth);

  const checkRepo = createRepoCheck(config);
  const checkTarget = createTargetCheck(config);
  let clusterWarning: string | undefined;
  const catalogSync = new CatalogApplicationSync({
    catalog: options.catalog,
    auth: options.auth,
    engine,
    logger,
    parseOptions: () => {
      try {
        const clusters = readClusterNames(config);
        clusterWarning = undefined;
        return { clusters, checkRepo, checkTarget };
      } catch (error) {
        const message = (error as Error).message;
        if (message !== clusterWarning) {
          logger.warn(
            `Not checking mooring.dev/cluster annotations: ${message}`,
          );
          clusterWarning = message;
        }
        return { checkRepo, checkTarget };
      }
    },
  });

  await options.scheduler.scheduleTask({
    id: 'gitops-catalog-sync',
    frequency: readCatalogSyncInterval(config),
    timeout: { minutes: 2 },
    // Every replica runs its own engine, so each follows the catalog itself.
    scope: 'local',
    fn: async () => {
      try {
        await catalogSync.run();
      } catch (error) {
        logger.warn(
          `Could not read onboarded entities from the catalog; applications stay as they were: ${stringifyError(
            error,
          )}`,
        );
      }
    },
  });

  const notifier = new GitopsNotifier({
    notifications: options.notifications,
    owners: ref => catalogSync.owners(ref),
    logger,
    users: new CatalogUsersByEmail({
      catalog: options.catalog,
      auth: options.auth,
      logger,
    }),
  });
  const detach = notifier.attach(engine);
  const detachRefusals = refreshEntitiesOnRefusal({
    engine,
    catalog: options.catalog,
    auth: options.auth,
    logger,
  });
  options.lifecycle.addShutdownHook(() => detachRefusals());
  options.lifecycle.addShutdownHook(() => detach());
  // Commit statuses to the Git host; gitops.commitStatus is checked here, at start-up.
  const commitStatuses = new CommitStatusReporter({
    settings: readCommitStatusSettings(config),
    integrations: ScmIntegrations.fromConfig(config),
    logger,
  });
  commitStatuses.start(engine);
  options.lifecycle.addShutdownHook(() => commitStatuses.stop());
  const stopAuditing = auditEngineEvents({
    engine,
    auditor: options.auditor,
    logger,
  });
  options.lifecycle.addShutdownHook(() => stopAuditing());
  if (options.signals) {
    const stopSignals = publishSignals({
      engine,
      signals: options.signals,
      logger,
    });
    options.lifecycle.addShutdownHook(() => stopSignals());
  }

  registerGitopsActions({
    actionsRegistry: options.actionsRegistry,
    engine,
    access,
    auditor: options.auditor,
  });

  const insights = await startDeliveryInsights({
    engine,
    database: options.database,
    config,
    logger,
    scheduler: options.scheduler,
    lifecycle: options.lifecycle,
    access,
  });

  const router = Router();
  router.use(
    createWebhookRouter({
      engine,
      logger,
      secret: config.getOptionalString('gitops.webhookSecret'),
    }),
  );
  router.use(
    await createRouter({
      engine,
      access,
      httpAuth: options.httpAuth,
      auditor: options.auditor,
      annotationErrors: catalogSync,
      insights,
    }),
  );
  httpRouter.use(router);
  httpRouter.addAuthPolicy({ path: '/webhook', allow: 'unauthenticated' });

  return { catalogSync };
}

/**
 * When a sync of an application is newly refused (or no longer is), asks the
 * catalog to process its entity again, so the entity's processing status
 * says so without waiting for the next processing round.
 */
function refreshEntitiesOnRefusal(options: {
  engine: GitopsEngine;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
}): () => void {
  const refusals = new Map<string, string | undefined>();
  return options.engine.subscribe(event => {
    if (event.type !== 'status') return;
    const { id, entityRef, status } = event.application;
    if (refusals.get(id) === status.refusal) return;
    const first = !refusals.has(id);
    refusals.set(id, status.refusal);
    if (first && !status.refusal) return;
    (async () => {
      await options.catalog.refreshEntity(entityRef, {
        credentials: await options.auth.getOwnServiceCredentials(),
      });
    })().catch(error =>
      options.logger.warn(
        `Could not ask the catalog to process ${entityRef} again: ${stringifyError(
          error,
        )}`,
      ),
    );
  });
}
