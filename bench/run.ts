/*
 * Mooring GitOps benchmark: builds a fleet of applications in one Git
 * repository, runs the engine against a kube-sim cluster, and measures the
 * same work done by the script a user would write instead (git pull +
 * kubectl apply --server-side, kubectl diff --server-side).
 *
 * Usage (from the repository root, after `source scripts/env.sh`):
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/run.ts [--quick]
 *     [--apps N] [--objects M] [--samples K] [--idle-seconds S] [--concurrency C]
 *     [--no-baseline]
 */
import {
  ChildProcess,
  execFileSync,
  spawn,
  spawnSync,
} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { ConfigReader } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import express from 'express';
import knexFactory from 'knex';
import { createGitopsEngine } from '../plugins/gitops-backend/src/engine';
import type {
  ApplicationSpec,
  GitopsEngine,
} from '../plugins/gitops-backend/src/engine';
import { createWebhookRouter } from '../plugins/gitops-backend/src/webhook/createWebhookRouter';

const ROOT = path.resolve(__dirname, '..');

interface Options {
  apps: number;
  objects: number;
  samples: number;
  baselineSamples: number;
  idleSeconds: number;
  baseline: boolean;
  quick: boolean;
  concurrency: number;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const options: Options = {
    apps: quick ? 100 : 1000,
    objects: 10,
    samples: quick ? 10 : 30,
    baselineSamples: quick ? 3 : 2,
    idleSeconds: quick ? 10 : 30,
    baseline: !argv.includes('--no-baseline'),
    quick,
    concurrency: 16,
  };
  for (let i = 0; i < argv.length; i++) {
    const next = () => {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < 1) {
        throw new Error(`${argv[i - 1]} needs a positive number`);
      }
      return value;
    };
    if (argv[i] === '--apps') options.apps = next();
    else if (argv[i] === '--objects') options.objects = next();
    else if (argv[i] === '--samples') options.samples = next();
    else if (argv[i] === '--idle-seconds') options.idleSeconds = next();
    else if (argv[i] === '--concurrency') options.concurrency = next();
  }
  if (options.objects < 3) throw new Error('--objects must be at least 3');
  return options;
}

const quietLogger: LoggerService = {
  info() {},
  debug() {},
  warn(message: string) {
    if (process.env.BENCH_VERBOSE) console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
  child() {
    return quietLogger;
  },
};

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[index];
}

const round = (n: number, digits = 3) =>
  Number.isFinite(n) ? Number(n.toFixed(digits)) : null;

async function sleep(ms: number) {
  await new Promise(resolve => setTimeout(resolve, ms));
}

/** kube-sim in its own process, as a real API server would be. */
async function startKubeSimProcess(dir: string, name: string) {
  const kubeconfig = path.join(dir, `${name}.kubeconfig`);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, 'packages/kube-sim/bin/kube-sim'),
      'serve',
      '--port',
      '0',
      '--kubeconfig',
      kubeconfig,
      '--controllers',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`kube-sim did not start: ${output}`)),
      60_000,
    );
    const onData = (data: Buffer) => {
      output += data.toString();
      if (/listening on/.test(output) && fs.existsSync(kubeconfig)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`kube-sim exited with ${code}: ${output}`));
    });
  });
  // The kubeconfig may be written just after the line is printed.
  for (let i = 0; i < 50 && !fs.existsSync(kubeconfig); i++) await sleep(100);
  child.removeAllListeners('exit');
  return {
    kubeconfig,
    stop: () =>
      new Promise<void>(resolve => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

function appName(i: number) {
  return `app-${String(i).padStart(4, '0')}`;
}

/** One application's manifests: a Namespace, ConfigMaps and a Deployment. */
function writeApp(repo: string, i: number, objects: number, version = 0) {
  const name = appName(i);
  const dir = path.join(repo, 'apps', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, '00-namespace.yaml'),
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`,
  );
  for (let c = 0; c < objects - 2; c++) {
    fs.writeFileSync(
      path.join(dir, `cm-${c}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${c}\n  namespace: ${name}\ndata:\n  version: "${
        c === 0 ? version : 0
      }"\n  app: ${name}\n`,
    );
  }
  fs.writeFileSync(
    path.join(dir, 'deployment.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
`,
  );
}

function commitAll(repo: string, message: string) {
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

function kubectl(kubeconfig: string, args: string[]) {
  const started = process.hrtime.bigint();
  const result = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 512 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, code: result.status ?? 1, stderr: result.stderr ?? '' };
}

function countRequests(stderr: string) {
  return stderr.split('\n').filter(
    line =>
      // kubectl -v=6 logs one line per response, in either of two formats.
      /\b(GET|PATCH|POST|PUT|DELETE) https?:\/\/\S+ \d{3}/.test(line) ||
      /"Response" verb="[A-Z]+"/.test(line),
  ).length;
}

/**
 * The engine's database: a fresh PostgreSQL database (as production runs)
 * when MOORING_TEST_POSTGRES_URL points at a server, else in-memory SQLite.
 */
async function openDatabase(cleanups: (() => Promise<void>)[]) {
  const url = process.env.MOORING_TEST_POSTGRES_URL;
  if (!url) {
    const sqlite = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    cleanups.push(() => sqlite.destroy());
    return sqlite;
  }
  const name = `mooring_bench_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: url });
  await admin.raw(`CREATE DATABASE ${name}`);
  const database = knexFactory({
    client: 'pg',
    connection: `${url.replace(/\/+$/, '')}/${name}`,
    pool: { min: 0, max: 10 },
  });
  cleanups.push(async () => {
    await database.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
    await admin.destroy();
  });
  return database;
}

/**
 * The plugin's webhook route on 127.0.0.1, as the Git host reaches it in
 * production; `push` sends it a GitHub push event signed with the secret.
 */
async function startWebhookServer(engine: GitopsEngine) {
  const secret = crypto.randomBytes(16).toString('hex');
  const app = express();
  app.use(createWebhookRouter({ engine, logger: quietLogger, secret }));
  app.use(
    MiddlewareFactory.create({
      config: new ConfigReader({}),
      logger: quietLogger,
    }).error(),
  );
  const server = await new Promise<ReturnType<typeof app.listen>>(
    (resolve, reject) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      listening.once('error', reject);
    },
  );
  const url = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/webhook`;
  return {
    /** Delivers a push of `after` to `branch`; resolves with the applications the route refreshes. */
    async push(push: {
      repoUrl: string;
      branch: string;
      before: string;
      after: string;
    }): Promise<string[]> {
      const body = JSON.stringify({
        ref: `refs/heads/${push.branch}`,
        before: push.before,
        after: push.after,
        repository: {
          name: 'fleet',
          full_name: 'bench/fleet',
          clone_url: push.repoUrl,
          default_branch: 'main',
        },
        pusher: { name: 'bench', email: 'bench@example.com' },
        head_commit: { id: push.after },
      });
      const signature = crypto
        .createHmac('sha256', secret)
        .update(body)
        .digest('hex');
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'GitHub-Hookshot/bench',
          'X-GitHub-Event': 'push',
          'X-GitHub-Delivery': crypto.randomUUID(),
          'X-Hub-Signature-256': `sha256=${signature}`,
        },
        body,
      });
      const text = await response.text();
      if (response.status !== 202) {
        throw new Error(`Webhook answered ${response.status}: ${text}`);
      }
      return JSON.parse(text).applications;
    },
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-bench-'));
  const cleanups: (() => Promise<void>)[] = [];
  const startedAt = Date.now();
  console.log(
    `Mooring benchmark: ${options.apps} applications × ${
      options.objects
    } objects${options.quick ? ' (quick)' : ''}; work dir ${work}`,
  );
  try {
    // ------------------------------------------------------------ fleet repo
    const repo = path.join(work, 'fleet');
    fs.mkdirSync(repo);
    git(repo, 'init', '--quiet', '--initial-branch=main');
    git(repo, 'config', 'user.name', 'Bench');
    git(repo, 'config', 'user.email', 'bench@example.com');
    for (let i = 0; i < options.apps; i++) writeApp(repo, i, options.objects);
    const firstHead = commitAll(repo, 'Fleet');
    const repoUrl = `file://${repo}`;

    // ------------------------------------------------------------ engine
    const sim = await startKubeSimProcess(work, 'engine');
    cleanups.push(sim.stop);
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfig);
    const clusterName = kc.getCurrentContext();
    const k8s = KubernetesObjectApi.makeApiClient(kc);

    const rssBefore = process.memoryUsage().rss;
    const database = await openDatabase(cleanups);
    const engine = await createGitopsEngine({
      config: new ConfigReader({
        gitops: {
          kubeconfig: sim.kubeconfig,
          allowedRepos: [`file://${work}/**`],
          reconcile: { concurrency: options.concurrency },
        },
      }),
      logger: quietLogger,
      database,
      workingDirectory: path.join(work, 'engine'),
    });
    cleanups.push(() => engine.stop());
    const specs: ApplicationSpec[] = Array.from(
      { length: options.apps },
      (_, i) => ({
        id: appName(i),
        entityRef: `component:default/${appName(i)}`,
        target: 'default',
        source: { repoUrl, path: `apps/${appName(i)}`, revision: 'main' },
        destination: { cluster: clusterName, namespace: appName(i) },
        policy: { sync: 'auto', prune: true, selfHeal: false },
      }),
    );

    // Cold convergence: every application synced from nothing.
    const coldStart = Date.now();
    await engine.setApplications(specs);
    await engine.start();
    for (;;) {
      await engine.reconcileAll();
      const apps = await engine.listApplications();
      const pending = apps.filter(
        a =>
          a.status.sync !== 'Synced' || a.status.syncedRevision !== firstHead,
      );
      if (!pending.length) break;
      if (Date.now() - coldStart > 30 * 60_000) {
        throw new Error(
          `Not converged after 30 minutes: ${pending.length} apps left, e.g. ${pending[0].id}: ${pending[0].status.message}`,
        );
      }
    }
    const coldSeconds = (Date.now() - coldStart) / 1000;
    console.log(`  cold convergence: ${coldSeconds.toFixed(1)} s`);

    // A no-op reconcile of the whole fleet.
    const requestsBefore = engine.apiRequestCount();
    const noopStart = Date.now();
    await engine.reconcileAll();
    const noopSeconds = (Date.now() - noopStart) / 1000;
    const noopRequests = engine.apiRequestCount() - requestsBefore;
    console.log(
      `  no-op reconcile: ${noopRequests} API requests for ${
        options.apps
      } apps in ${noopSeconds.toFixed(2)} s`,
    );

    // Idle: the fleet loaded, nothing changing.
    if (global.gc) global.gc();
    const cpuBefore = process.cpuUsage();
    const idleStart = process.hrtime.bigint();
    await sleep(options.idleSeconds * 1000);
    const cpu = process.cpuUsage(cpuBefore);
    const idleWall = Number(process.hrtime.bigint() - idleStart) / 1e3;
    const idleCpuPercent = ((cpu.user + cpu.system) / idleWall) * 100;
    const rssAfter = process.memoryUsage().rss;
    const rssGrowthMb = (rssAfter - rssBefore) / 1024 / 1024;
    console.log(
      `  idle: ${idleCpuPercent.toFixed(
        2,
      )} % of one core, RSS +${rssGrowthMb.toFixed(0)} MB (${(
        rssAfter /
        1024 /
        1024
      ).toFixed(0)} MB)`,
    );

    // Commit → applied: a signed push event through the webhook route.
    const webhook = await startWebhookServer(engine);
    cleanups.push(webhook.stop);
    const commitLatencies: number[] = [];
    const step = Math.max(1, Math.floor(options.apps / options.samples));
    let before = firstHead;
    for (let s = 0; s < options.samples; s++) {
      const i = (s * step) % options.apps;
      writeApp(repo, i, options.objects, s + 1);
      const head = commitAll(repo, `Bump ${appName(i)}`);
      const t0 = process.hrtime.bigint();
      const refreshed = await webhook.push({
        repoUrl,
        branch: 'main',
        before,
        after: head,
      });
      before = head;
      if (!refreshed.includes(appName(i))) {
        throw new Error(
          `The push to ${repoUrl} did not refresh ${appName(i)} (refreshed ${
            refreshed.length
          } applications)`,
        );
      }
      let app = await engine.getApplication(appName(i));
      while (app.status.syncedRevision !== head) {
        await sleep(5);
        app = await engine.getApplication(appName(i));
      }
      commitLatencies.push(Number(process.hrtime.bigint() - t0) / 1e9);
      const live: any = await k8s.read({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm-0', namespace: appName(i) },
      });
      if (live.data.version !== String(s + 1)) {
        throw new Error(
          `${appName(i)} was not applied (version ${live.data.version})`,
        );
      }
    }
    console.log(
      `  commit → applied: p50 ${percentile(commitLatencies, 50).toFixed(
        3,
      )} s, p99 ${percentile(commitLatencies, 99).toFixed(3)} s`,
    );

    // Live drift → OutOfSync, seen by the watch.
    const driftLatencies: number[] = [];
    for (let s = 0; s < options.samples; s++) {
      const i = (s * step + 1) % options.apps;
      const id = appName(i);
      let resolveSeen: (at: bigint) => void = () => {};
      const seen = new Promise<bigint>(r => {
        resolveSeen = r;
      });
      const unsubscribe = engine.subscribe(event => {
        if (
          event.type === 'status' &&
          event.application.id === id &&
          event.application.status.sync === 'OutOfSync'
        ) {
          resolveSeen(process.hrtime.bigint());
        }
      });
      const t0 = process.hrtime.bigint();
      await k8s.patch(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'cm-1', namespace: id },
          data: { app: `edited by hand ${s}` },
        },
        undefined,
        undefined,
        'bench-hand-edit',
        true,
        PatchStrategy.ServerSideApply,
      );
      const at = await Promise.race([
        seen,
        sleep(30_000).then(() => undefined),
      ]);
      unsubscribe();
      if (at === undefined) throw new Error(`Drift on ${id} not seen in 30 s`);
      driftLatencies.push(Number(at - t0) / 1e9);
    }
    console.log(
      `  drift → OutOfSync: p50 ${percentile(driftLatencies, 50).toFixed(
        3,
      )} s, p99 ${percentile(driftLatencies, 99).toFixed(3)} s`,
    );
    const engineResult = {
      coldConvergenceSeconds: round(coldSeconds, 2),
      commitToAppliedSeconds: {
        p50: round(percentile(commitLatencies, 50)),
        p99: round(percentile(commitLatencies, 99)),
        samples: commitLatencies.length,
      },
      driftToOutOfSyncSeconds: {
        p50: round(percentile(driftLatencies, 50)),
        p99: round(percentile(driftLatencies, 99)),
        samples: driftLatencies.length,
      },
      idleCpuPercentOfOneCore: round(idleCpuPercent, 2),
      idleSeconds: options.idleSeconds,
      rssMb: round(rssAfter / 1024 / 1024, 0),
      rssGrowthMb: round(rssGrowthMb, 0),
      apiRequestsPerNoopReconcile: noopRequests,
      noopReconcileSeconds: round(noopSeconds, 2),
    };
    await webhook.stop();
    await engine.stop();
    await sim.stop();

    // ------------------------------------------------------------ baseline
    let baseline: Record<string, unknown> | undefined;
    if (options.baseline) {
      const bsim = await startKubeSimProcess(work, 'baseline');
      cleanups.push(bsim.stop);
      const clone = path.join(work, 'baseline-clone');
      const apps = path.join(clone, 'apps');
      const coldT0 = process.hrtime.bigint();
      git(work, 'clone', '--quiet', repoUrl, clone);
      const cold = kubectl(bsim.kubeconfig, [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=user-script',
        '-R',
        '-f',
        apps,
        '-v=6',
      ]);
      if (cold.code !== 0) {
        throw new Error(
          `Baseline kubectl apply failed: ${cold.stderr.slice(-2000)}`,
        );
      }
      const baselineCold = Number(process.hrtime.bigint() - coldT0) / 1e9;
      const applyRequests = countRequests(cold.stderr);
      console.log(
        `  baseline cold (clone + kubectl apply --server-side): ${baselineCold.toFixed(
          1,
        )} s, ${applyRequests} API requests`,
      );
      const pullApply: number[] = [];
      for (let s = 0; s < options.baselineSamples; s++) {
        writeApp(repo, s, options.objects, 1000 + s);
        commitAll(repo, `Baseline bump ${s}`);
        const t0 = process.hrtime.bigint();
        git(clone, 'pull', '--quiet', '--ff-only');
        const run = kubectl(bsim.kubeconfig, [
          'apply',
          '--server-side',
          '--force-conflicts',
          '--field-manager=user-script',
          '-R',
          '-f',
          apps,
        ]);
        if (run.code !== 0)
          throw new Error(`Baseline apply failed: ${run.stderr}`);
        pullApply.push(Number(process.hrtime.bigint() - t0) / 1e9);
      }
      const diffPasses: number[] = [];
      let diffRequests = 0;
      for (let s = 0; s < options.baselineSamples; s++) {
        const run = kubectl(bsim.kubeconfig, [
          'diff',
          '--server-side',
          '--force-conflicts',
          '--field-manager=user-script',
          '-R',
          '-f',
          apps,
          ...(s === 0 ? ['-v=6'] : []),
        ]);
        if (run.code > 1)
          throw new Error(`Baseline diff failed: ${run.stderr.slice(-2000)}`);
        if (s === 0) diffRequests = countRequests(run.stderr);
        diffPasses.push(run.seconds);
      }
      console.log(
        `  baseline git pull + apply: p50 ${percentile(pullApply, 50).toFixed(
          2,
        )} s; kubectl diff pass: p50 ${percentile(diffPasses, 50).toFixed(
          2,
        )} s (${diffRequests} API requests)`,
      );
      baseline = {
        coldConvergenceSeconds: round(baselineCold, 2),
        commitToAppliedSeconds: {
          p50: round(percentile(pullApply, 50)),
          p99: round(percentile(pullApply, 99)),
          samples: pullApply.length,
        },
        // A script that loops `kubectl diff` sees drift one full pass later at best.
        driftToOutOfSyncSeconds: {
          p50: round(percentile(diffPasses, 50)),
          p99: round(percentile(diffPasses, 99)),
          samples: diffPasses.length,
        },
        apiRequestsPerApplyPass: applyRequests,
        apiRequestsPerNoopReconcile: diffRequests,
      };
      await bsim.stop();
    }

    // ------------------------------------------------------------ report
    const ratio = (a: unknown, b: unknown) =>
      typeof a === 'number' && typeof b === 'number' && a > 0
        ? round(b / a, 1)
        : null;
    const b = baseline as any;
    const ratios = b
      ? {
          coldConvergence: ratio(
            engineResult.coldConvergenceSeconds,
            b.coldConvergenceSeconds,
          ),
          commitToAppliedP50: ratio(
            engineResult.commitToAppliedSeconds.p50,
            b.commitToAppliedSeconds.p50,
          ),
          commitToAppliedP99: ratio(
            engineResult.commitToAppliedSeconds.p99,
            b.commitToAppliedSeconds.p99,
          ),
          driftP50: ratio(
            engineResult.driftToOutOfSyncSeconds.p50,
            b.driftToOutOfSyncSeconds.p50,
          ),
          driftP99: ratio(
            engineResult.driftToOutOfSyncSeconds.p99,
            b.driftToOutOfSyncSeconds.p99,
          ),
        }
      : undefined;
    const result = {
      date: new Date().toISOString(),
      mode: options.quick ? 'quick' : 'full',
      applications: options.apps,
      objectsPerApplication: options.objects,
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        loadAverageAtEnd: os.loadavg().map(n => round(n, 1)),
      },
      concurrency: options.concurrency,
      engine: engineResult,
      baseline,
      ratiosBaselineOverEngine: ratios,
      totalSeconds: round((Date.now() - startedAt) / 1000, 1),
    };
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(__dirname, 'results', 'latest.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    const row = (
      label: string,
      engineValue: unknown,
      baselineValue: unknown,
      r?: unknown,
    ) =>
      `| ${label.padEnd(34)} | ${String(engineValue ?? '-').padStart(
        10,
      )} | ${String(baselineValue ?? '-').padStart(10)} | ${String(
        r ?? '-',
      ).padStart(7)} |`;
    console.log(`
${options.apps} applications × ${options.objects} objects (${result.mode}, ${
      result.machine.cpus
    } cores)
| metric                             |     Mooring |   baseline |  ratio |
|------------------------------------|------------|------------|---------|
${row(
  'cold convergence (s)',
  engineResult.coldConvergenceSeconds,
  b?.coldConvergenceSeconds,
  ratios?.coldConvergence,
)}
${row(
  'commit → applied p50 (s)',
  engineResult.commitToAppliedSeconds.p50,
  b?.commitToAppliedSeconds.p50,
  ratios?.commitToAppliedP50,
)}
${row(
  'commit → applied p99 (s)',
  engineResult.commitToAppliedSeconds.p99,
  b?.commitToAppliedSeconds.p99,
  ratios?.commitToAppliedP99,
)}
${row(
  'drift → OutOfSync p50 (s)',
  engineResult.driftToOutOfSyncSeconds.p50,
  b?.driftToOutOfSyncSeconds.p50,
  ratios?.driftP50,
)}
${row(
  'drift → OutOfSync p99 (s)',
  engineResult.driftToOutOfSyncSeconds.p99,
  b?.driftToOutOfSyncSeconds.p99,
  ratios?.driftP99,
)}
${row(
  'idle CPU (% of one core)',
  engineResult.idleCpuPercentOfOneCore,
  '-',
  '-',
)}
${row('RSS growth (MB)', engineResult.rssGrowthMb, '-', '-')}
${row(
  'API requests per no-op reconcile',
  engineResult.apiRequestsPerNoopReconcile,
  b?.apiRequestsPerNoopReconcile,
  '-',
)}
Written to bench/results/latest.json (${result.totalSeconds} s in all).`);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
