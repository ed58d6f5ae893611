/*
 * One backend replica of the chaos soak (bench/soak.ts starts two, kills
 * and restarts them): the real GitOps engine (`createGitopsEngine`) on the
 * shared PostgreSQL database, its clusters from a kubeconfig, and the
 * plugin's signed webhook route on 127.0.0.1. It reconciles every
 * application each interval, as the plugin's scheduled task does, and logs
 * every run it executes as a JSON line, written synchronously so that a
 * SIGKILL loses none:
 *   {"event":"begin","run":ID,"app":APP,"replica":NAME}     before the run row is inserted
 *   {"event":"recorded","run":ID,...}                       after it is
 *   {"event":"started","run":ID,"sha":SHA,...}               the run resolved its commit
 *   {"event":"finished","run":ID,"phase":PHASE,...}
 *
 * MOORING_SOAK_SKIP_LEASE=1 injects a bug for the soak to catch: this
 * process's store grants every lease (`tryAcquireLease` and `renewLease`
 * always true), so two replicas may sync one application at once.
 *
 * Usage: node --require @backstage/cli/config/nodeTransform.cjs bench/soakReplica.ts CONFIG.json
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import express from 'express';
import knexFactory from 'knex';
import { createGitopsEngine } from '../plugins/gitops-backend/src/engine';
import type { ApplicationSpec } from '../plugins/gitops-backend/src/engine';
import { DatabaseGitopsStore } from '../plugins/gitops-backend/src/store/DatabaseGitopsStore';
import { createWebhookRouter } from '../plugins/gitops-backend/src/webhook/createWebhookRouter';

/** What bench/soak.ts writes for each replica. */
export interface SoakReplicaConfig {
  name: string;
  port: number;
  databaseUrl: string;
  kubeconfig: string;
  workingDirectory: string;
  allowedRepos: string[];
  webhookSecret: string;
  runLog: string;
  intervalMs: number;
  leaseTtlMs: number;
  applications: ApplicationSpec[];
}

const config: SoakReplicaConfig = JSON.parse(
  fs.readFileSync(process.argv[2], 'utf8'),
);

function log(entry: Record<string, unknown>) {
  fs.appendFileSync(
    config.runLog,
    `${JSON.stringify({ ...entry, replica: config.name, at: Date.now() })}\n`,
  );
}

function line(level: string, message: string) {
  process.stderr.write(
    `${new Date().toISOString()} ${config.name} ${level} ${message}\n`,
  );
}

const logger: LoggerService = {
  info: message => line('info', message),
  debug() {},
  warn: message => line('warn', message),
  error: message => line('error', message),
  child: () => logger,
};

// Every run this process executes, logged around the store's insert.
const insertRun = DatabaseGitopsStore.prototype.insertRun;
DatabaseGitopsStore.prototype.insertRun = async function logged(run, holder) {
  if (run.dryRun) return insertRun.call(this, run, holder);
  log({ event: 'begin', run: run.id, app: run.applicationId });
  await insertRun.call(this, run, holder);
  log({
    event: 'recorded',
    run: run.id,
    app: run.applicationId,
    initiatedBy: run.initiatedBy,
  });
};

if (process.env.MOORING_SOAK_SKIP_LEASE === '1') {
  line('warn', 'INJECTED BUG: this replica takes no lease');
  DatabaseGitopsStore.prototype.tryAcquireLease = async () => true;
  DatabaseGitopsStore.prototype.renewLease = async () => true;
}

async function main() {
  const database = knexFactory({
    client: 'pg',
    connection: config.databaseUrl,
    pool: { min: 0, max: 8 },
  });
  const engine = await createGitopsEngine({
    config: new ConfigReader({
      gitops: {
        kubeconfig: config.kubeconfig,
        allowedRepos: config.allowedRepos,
        reconcile: { concurrency: 4 },
        history: { maxRunsPerApplication: 100_000 },
      },
    }),
    logger,
    database,
    workingDirectory: config.workingDirectory,
    leaseTtlMs: config.leaseTtlMs,
  });
  engine.subscribe(event => {
    if (event.type === 'syncStarted') {
      log({
        event: 'started',
        run: event.run.id,
        app: event.application.id,
        sha: event.run.commit.sha,
        initiatedBy: event.run.initiatedBy,
      });
    } else if (event.type === 'syncFinished') {
      log({
        event: 'finished',
        run: event.run.id,
        app: event.application.id,
        sha: event.run.commit.sha,
        phase: event.run.phase,
      });
    }
  });
  await engine.setApplications(config.applications);
  await engine.start();

  const app = express();
  app.use(
    createWebhookRouter({ engine, logger, secret: config.webhookSecret }),
  );
  app.use(
    MiddlewareFactory.create({ config: new ConfigReader({}), logger }).error(),
  );
  const server = app.listen(config.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  line('info', `listening on http://127.0.0.1:${config.port}`);

  // The scheduled reconcile of the plugin (scope 'local': every replica
  // compares with its own caches), with some jitter between replicas.
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    await engine
      .reconcileAll()
      .catch(error => line('warn', `reconcileAll: ${error}`));
    if (!stopping) {
      timer = setTimeout(
        tick,
        config.intervalMs * (0.8 + 0.4 * (crypto.randomInt(1000) / 1000)),
      );
    }
  };
  timer = setTimeout(tick, config.intervalMs);

  const shutdown = async () => {
    stopping = true;
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
    await engine.stop().catch(() => undefined);
    await database.destroy().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch(error => {
  line('error', `could not start: ${error?.stack ?? error}`);
  process.exit(1);
});
