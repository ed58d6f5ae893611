/*
 * Mooring GitOps benchmark: builds a fleet of applications in Git (one
 * repository per cluster by default), runs the engine against N kube-sim
 * clusters, each in its own process, and measures in the same run:
 *  - the API servers' own ceiling: a raw server-side-apply client sending the
 *    same objects at the same concurrency to the same kube-sims;
 *  - the script a user would write instead (git pull + kubectl apply
 *    --server-side, kubectl diff --server-side), up to --baseline-max-apps;
 *  - the fleet listing through the plugin's REST router over this engine.
 *
 * Usage (from the repository root, after `source scripts/env.sh`):
 *   node --expose-gc --require @backstage/cli/config/nodeTransform.cjs bench/run.ts [--quick]
 *     [--apps N] [--clusters N] [--repos R] [--objects M] [--samples K]
 *     [--idle-seconds S] [--concurrency C] [--no-baseline] [--baseline-max-apps N]
 *     [--out FILE]
 */
import { processCounts } from './processCounter';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import inspector from 'node:inspector';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
import pLimit from 'p-limit';
import YAML from 'yaml';
import { createGitopsEngine } from '../plugins/gitops-backend/src/engine';
import type {
  ApplicationSpec,
  GitopsEngine,
} from '../plugins/gitops-backend/src/engine';
import { createWebhookRouter } from '../plugins/gitops-backend/src/webhook/createWebhookRouter';
import {
  measureListing,
  percentile,
  startListingServer,
} from './listingServer';

const ROOT = path.resolve(__dirname, '..');

interface Options {
  apps: number;
  clusters: number;
  repos: number;
  objects: number;
  samples: number;
  baselineSamples: number;
  idleSeconds: number;
  baseline: boolean;
  baselineMaxApps: number;
  quick: boolean;
  concurrency: number;
  listingSamples: number;
  coldTimeoutMinutes: number;
  /** Stop after cold convergence (ceiling and cold figures only). */
  coldOnly: boolean;
  /** Write a CPU profile of the engine's process during cold convergence (results/cold.cpuprofile). */
  profileCold: boolean;
  profileWarm: boolean;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const options: Options = {
    apps: quick ? 100 : 1000,
    clusters: 1,
    repos: 0,
    objects: 10,
    samples: quick ? 10 : 30,
    baselineSamples: quick ? 3 : 2,
    idleSeconds: quick ? 10 : 30,
    baseline: !argv.includes('--no-baseline'),
    baselineMaxApps: 2000,
    quick,
    concurrency: 16,
    listingSamples: quick ? 20 : 50,
    coldTimeoutMinutes: 30,
    coldOnly: argv.includes('--cold-only'),
    profileCold: argv.includes('--profile-cold'),
    profileWarm: argv.includes('--profile-warm'),
    out: 'latest.json',
  };
  for (let i = 0; i < argv.length; i++) {
    const next = () => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`${argv[i - 1]} needs a positive whole number`);
      }
      return value;
    };
    if (argv[i] === '--apps') options.apps = next();
    else if (argv[i] === '--clusters') options.clusters = next();
    else if (argv[i] === '--repos') options.repos = next();
    else if (argv[i] === '--objects') options.objects = next();
    else if (argv[i] === '--samples') options.samples = next();
    else if (argv[i] === '--idle-seconds') options.idleSeconds = next();
    else if (argv[i] === '--concurrency') options.concurrency = next();
    else if (argv[i] === '--listing-samples') options.listingSamples = next();
    else if (argv[i] === '--cold-timeout-minutes')
      options.coldTimeoutMinutes = next();
    else if (argv[i] === '--baseline-max-apps')
      options.baselineMaxApps = next();
    else if (argv[i] === '--out') {
      const file = argv[++i];
      if (!file || !/^[\w.-]+\.json$/.test(file)) {
        throw new Error(
          '--out needs a file name like 10k.json (in bench/results)',
        );
      }
      options.out = file;
    }
  }
  if (options.objects < 3) throw new Error('--objects must be at least 3');
  // One repository per cluster unless told otherwise.
  if (!options.repos) options.repos = options.clusters;
  if (options.repos > options.apps || options.clusters > options.apps) {
    throw new Error('--repos and --clusters may not exceed --apps');
  }
  return options;
}

/**
 * The commit measured: a bench/snapshot.sh export names it; a working tree
 * may hold uncommitted edits, counted here.
 */
function measuredSource() {
  const file = path.join(ROOT, '.snapshot-commit');
  if (fs.existsSync(file)) {
    return { commit: fs.readFileSync(file, 'utf8').trim(), snapshot: true };
  }
  try {
    const run = (...args: string[]) =>
      execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    return {
      commit: run('rev-parse', 'HEAD'),
      snapshot: false,
      uncommittedFiles: run('status', '--porcelain').split('\n').filter(Boolean)
        .length,
    };
  } catch {
    return { commit: 'unknown', snapshot: false };
  }
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

const round = (n: number, digits = 3) =>
  Number.isFinite(n) ? Number(n.toFixed(digits)) : null;

async function sleep(ms: number) {
  await new Promise(resolve => setTimeout(resolve, ms));
}

interface SimProcess {
  name: string;
  kubeconfig: string;
  pid: number;
  stop(): Promise<void>;
}

/** kube-sim in its own process, as a real API server would be. */
async function startKubeSimProcess(
  dir: string,
  name: string,
): Promise<SimProcess> {
  const kubeconfig = path.join(dir, `${name}.kubeconfig`);
  fs.rmSync(kubeconfig, { force: true });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_KUBE_SIM_PROFILE_DIR: a CPU profile of each kube-sim, written when it stops.
      ...(process.env.BENCH_KUBE_SIM_PROFILE_DIR
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${process.env.BENCH_KUBE_SIM_PROFILE_DIR}`,
          ]
        : []),
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
      120_000,
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
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    name,
    kubeconfig,
    pid: child.pid!,
    stop: () =>
      new Promise<void>(resolve => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** N kube-sims (cluster-0 … cluster-N-1), started side by side. */
async function startClusters(dir: string, tag: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, (_, c) =>
      startKubeSimProcess(dir, `${tag}-cluster-${c}`),
    ),
  );
}

function clusterName(c: number) {
  return `cluster-${c}`;
}

/** One kubeconfig with a context per kube-sim, named cluster-<c>: the engine's clusters. */
function mergedKubeconfig(sims: SimProcess[], file: string) {
  const clusters = [];
  const users = [];
  const contexts = [];
  for (const [c, sim] of sims.entries()) {
    const one = new KubeConfig();
    one.loadFromFile(sim.kubeconfig);
    const name = clusterName(c);
    clusters.push({ ...one.getCurrentCluster()!, name });
    users.push({ ...one.getCurrentUser()!, name });
    contexts.push({ name, cluster: name, user: name });
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters,
    users,
    contexts,
    currentContext: contexts[0].name,
  });
  fs.writeFileSync(file, merged.exportConfig(), { mode: 0o600 });
  return file;
}

/** A CPU profile of this process from now until `stop`. */
async function startProfiler() {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) =>
      session.post(method, params, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = await post('Profiler.stop');
      session.disconnect();
      return profile;
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function processCpuSeconds(pid: number): number {
  try {
    const fields = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

function appName(i: number) {
  return `app-${String(i).padStart(4, '0')}`;
}

/** One application's objects: a Namespace, ConfigMaps and a Deployment. */
function appObjects(i: number, objects: number, version = 0) {
  const name = appName(i);
  const list: Array<{ file: string; object: any }> = [
    {
      file: '00-namespace.yaml',
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    },
  ];
  for (let c = 0; c < objects - 2; c++) {
    list.push({
      file: `cm-${c}.yaml`,
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${c}`, namespace: name },
        data: { version: String(c === 0 ? version : 0), app: name },
      },
    });
  }
  list.push({
    file: 'deployment.yaml',
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    },
  });
  return list;
}

function writeApp(repo: string, i: number, objects: number, version = 0) {
  const dir = path.join(repo, 'apps', appName(i));
  fs.mkdirSync(dir, { recursive: true });
  for (const { file, object } of appObjects(i, objects, version)) {
    fs.writeFileSync(path.join(dir, file), YAML.stringify(object));
  }
}

function commitAll(repo: string, message: string) {
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

function kubectl(kubeconfig: string, args: string[]) {
  const started = process.hrtime.bigint();
  return new Promise<{ seconds: number; code: number; stderr: string }>(
    resolve => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('close', code =>
        resolve({
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
          code: code ?? 1,
          stderr,
        }),
      );
    },
  );
}

function countRequests(stderr: string) {
  return stderr.split('\n').filter(
    line =>
      // kubectl -v=6 logs one line per response, in either of two formats.
      /\b(GET|PATCH|POST|PUT|DELETE) https?:\/\/\S+ \d{3}/.test(line) ||
      /"Response" verb="[A-Z]+"/.test(line),
  ).length;
}

/** The REST path of one of the bench's objects (Namespace, ConfigMap, Deployment). */
function objectPath(object: any): string {
  const { name, namespace } = object.metadata;
  if (object.kind === 'Namespace') return `/api/v1/namespaces/${name}`;
  if (object.kind === 'ConfigMap')
    return `/api/v1/namespaces/${namespace}/configmaps/${name}`;
  if (object.kind === 'Deployment')
    return `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
  throw new Error(`No path for ${object.kind}`);
}

/**
 * The API servers' ceiling: a bare server-side-apply client (https with
 * keep-alive, one PATCH application/apply-patch+yaml per object, no reads,
 * no dry runs, no bookkeeping) sending the fleet's objects to the same
 * kube-sims at the engine's concurrency: `concurrency` applications at a
 * time, each its Namespace first, then its other objects 8 at a time (the
 * engine's apply concurrency).
 */
async function rawApplyCeiling(
  sims: SimProcess[],
  options: Options,
  /**
   * Each object is first applied with `dryRun=All`, then for real: the
   * requests a sync sends (every object validated by the server before
   * any is written), without the engine's bookkeeping.
   */
  dryRunFirst = false,
): Promise<{ seconds: number; requests: number; resent: number }> {
  const targets = sims.map(sim => {
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfig);
    const cluster = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser()!;
    const url = new URL(cluster.server);
    return {
      url,
      token: user.token,
      agent: new https.Agent({
        keepAlive: true,
        maxSockets: options.concurrency * 8,
        ca: cluster.caData
          ? Buffer.from(cluster.caData, 'base64').toString()
          : undefined,
        rejectUnauthorized: !cluster.skipTLSVerify,
      }),
    };
  });
  let requests = 0;
  const applyOnce = (c: number, object: any, dryRun = false) =>
    new Promise<void>((resolve, reject) => {
      const target = targets[c];
      const body = JSON.stringify(object);
      const req = https.request(
        {
          host: target.url.hostname,
          port: target.url.port,
          method: 'PATCH',
          path: `${objectPath(object)}?fieldManager=raw-ssa&force=true${
            dryRun ? '&dryRun=All' : ''
          }`,
          agent: target.agent,
          headers: {
            'Content-Type': 'application/apply-patch+yaml',
            'Content-Length': Buffer.byteLength(body),
            ...(target.token
              ? { Authorization: `Bearer ${target.token}` }
              : {}),
          },
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', d => chunks.push(d));
          res.on('end', () => {
            requests++;
            if ((res.statusCode ?? 500) >= 300) {
              reject(
                new Error(
                  `Raw apply of ${objectPath(object)} answered ${
                    res.statusCode
                  }: ${Buffer.concat(chunks).toString().slice(0, 500)}`,
                ),
              );
            } else resolve();
          });
        },
      );
      req.once('error', reject);
      req.end(body);
    });
  // A kept-alive connection the server closed as it was reused answers
  // ECONNRESET; an apply is idempotent, so it is sent again (and counted).
  let resent = 0;
  const send = async (c: number, object: any, dryRun: boolean) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await applyOnce(c, object, dryRun);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 5 || (code !== 'ECONNRESET' && code !== 'EPIPE')) {
          throw error;
        }
        resent++;
      }
    }
  };
  const apply = async (c: number, object: any) => {
    if (dryRunFirst) await send(c, object, true);
    await send(c, object, false);
  };
  const limit = pLimit(options.concurrency);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: options.apps }, (_, i) =>
      limit(async () => {
        const c = i % options.clusters;
        const [namespace, ...rest] = appObjects(i, options.objects).map(
          o => o.object,
        );
        await apply(c, namespace);
        const objects = pLimit(8);
        await Promise.all(rest.map(o => objects(() => apply(c, o))));
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const target of targets) target.agent.destroy();
  return { seconds, requests, resent };
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
          name: path.basename(push.repoUrl),
          full_name: `bench/${path.basename(push.repoUrl)}`,
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
  const { apps: appCount, clusters: clusterCount, repos: repoCount } = options;
  const clusterOf = (i: number) => i % clusterCount;
  const repoOf = (i: number) => i % repoCount;
  console.log(
    `Mooring benchmark: ${appCount} applications × ${
      options.objects
    } objects on ${clusterCount} cluster(s) from ${repoCount} repositor${
      repoCount === 1 ? 'y' : 'ies'
    }${options.quick ? ' (quick)' : ''}; work dir ${work}`,
  );
  // Figures are written as each is measured, so a run stopped early (a long
  // 10,000-application run on a busy machine) still leaves what it got.
  const partial: Record<string, unknown> = {
    complete: false,
    date: new Date().toISOString(),
    source: measuredSource(),
    applications: appCount,
    objectsPerApplication: options.objects,
    clusters: clusterCount,
    repositories: repoCount,
    concurrency: options.concurrency,
  };
  const savePartial = (figures: Record<string, unknown>) => {
    Object.assign(partial, figures, {
      elapsedSeconds: round((Date.now() - startedAt) / 1000, 1),
      loadAverage: os.loadavg().map(n => round(n, 1)),
    });
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(__dirname, 'results', options.out),
      `${JSON.stringify(partial, null, 2)}\n`,
    );
  };
  try {
    // ------------------------------------------------------------ fleet repos
    const repos = Array.from({ length: repoCount }, (_, r) =>
      path.join(work, `fleet-${r}`),
    );
    const heads: string[] = [];
    for (const [r, repo] of repos.entries()) {
      fs.mkdirSync(repo);
      git(repo, 'init', '--quiet', '--initial-branch=main');
      git(repo, 'config', 'user.name', 'Bench');
      git(repo, 'config', 'user.email', 'bench@example.com');
      for (let i = r; i < appCount; i += repoCount) {
        writeApp(repo, i, options.objects);
      }
      heads.push(commitAll(repo, 'Fleet'));
    }
    const repoUrl = (r: number) => `file://${repos[r]}`;

    // ------------------------------------------------------------ raw SSA ceiling
    // Fresh kube-sims, thrown away afterwards: the engine then starts on
    // fresh ones too, so both write into empty clusters of the same size.
    const measureCeiling = async (name: string, dryRunFirst: boolean) => {
      const ceilingSims = await startClusters(work, name, clusterCount);
      cleanups.push(async () => {
        await Promise.all(ceilingSims.map(s => s.stop()));
      });
      const measured = await rawApplyCeiling(ceilingSims, options, dryRunFirst);
      await Promise.all(ceilingSims.map(s => s.stop()));
      return measured;
    };
    const ceiling = await measureCeiling('ceiling', false);
    console.log(
      `  raw server-side apply ceiling: ${ceiling.seconds.toFixed(1)} s, ${
        ceiling.requests
      } requests`,
    );
    savePartial({ rawApplyCeiling: ceiling });
    // The same with a server-side dry run before each apply: the requests a
    // sync sends, so the engine's own cost is the rest.
    const dryRunCeiling = await measureCeiling('ceiling-dry-run', true);
    console.log(
      `  dry run + apply ceiling: ${dryRunCeiling.seconds.toFixed(1)} s, ${
        dryRunCeiling.requests
      } requests`,
    );
    savePartial({ dryRunApplyCeiling: dryRunCeiling });

    // ------------------------------------------------------------ engine
    const sims = await startClusters(work, 'engine', clusterCount);
    cleanups.push(async () => {
      await Promise.all(sims.map(s => s.stop()));
    });
    const kubeconfig = mergedKubeconfig(
      sims,
      path.join(work, 'engine.kubeconfig'),
    );
    const k8s = sims.map(sim => {
      const kc = new KubeConfig();
      kc.loadFromFile(sim.kubeconfig);
      return KubernetesObjectApi.makeApiClient(kc);
    });

    if (global.gc) global.gc();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    const database = await openDatabase(cleanups);
    const engine = await createGitopsEngine({
      config: new ConfigReader({
        gitops: {
          kubeconfig,
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
      { length: appCount },
      (_, i) => ({
        id: appName(i),
        entityRef: `component:default/${appName(i)}`,
        owner: `group:default/team-${i % 50}`,
        target: 'default',
        source: {
          repoUrl: repoUrl(repoOf(i)),
          path: `apps/${appName(i)}`,
          revision: 'main',
        },
        destination: {
          cluster: clusterName(clusterOf(i)),
          namespace: appName(i),
        },
        policy: { sync: 'auto', prune: true, selfHeal: false },
      }),
    );

    // Cold convergence: every application synced from nothing.
    const coldCpuBefore = process.cpuUsage();
    const coldSimCpuBefore = sims.map(s => processCpuSeconds(s.pid));
    const coldRequestsBefore = engine.apiRequestCount();
    const coldProcessesBefore = processCounts();
    let coldQueries = 0;
    const queryKinds = new Map<string, number>();
    const countQuery = (q: { sql: string }) => {
      coldQueries++;
      const kind = q.sql.replace(/\s+/g, ' ').slice(0, 60);
      queryKinds.set(kind, (queryKinds.get(kind) ?? 0) + 1);
    };
    database.on('query', countQuery);
    const profiler = options.profileCold ? await startProfiler() : undefined;
    const coldStart = Date.now();
    await engine.setApplications(specs);
    await engine.start();
    for (;;) {
      await engine.reconcileAll();
      const apps = await engine.listApplications();
      const pending = apps.filter(
        a =>
          a.status.sync !== 'Synced' ||
          a.status.syncedRevision !==
            heads[repoOf(Number(a.id.replace('app-', '')))],
      );
      if (!pending.length) break;
      if (Date.now() - coldStart > options.coldTimeoutMinutes * 60_000) {
        throw new Error(
          `Not converged after ${options.coldTimeoutMinutes} minutes: ${pending.length} apps left, e.g. ${pending[0].id}: ${pending[0].status.message}`,
        );
      }
    }
    const coldSeconds = (Date.now() - coldStart) / 1000;
    console.log(
      `  cold convergence: ${coldSeconds.toFixed(1)} s (${(
        coldSeconds / ceiling.seconds
      ).toFixed(2)}× the raw apply ceiling, ${(
        coldSeconds / dryRunCeiling.seconds
      ).toFixed(2)}× the dry run + apply ceiling)`,
    );
    const coldCpu = process.cpuUsage(coldCpuBefore);
    if (profiler) {
      const file = path.join(__dirname, 'results', 'cold.cpuprofile');
      fs.writeFileSync(file, JSON.stringify(await profiler.stop()));
      console.log(`  CPU profile of the cold convergence: ${file}`);
    }
    // From here to the end of the listing: idle, pushes, drift, listing.
    const warmProfiler = options.profileWarm
      ? await startProfiler()
      : undefined;
    const coldCost = {
      // Where the cold convergence's time went: the engine's own CPU, the
      // API servers' CPU, and what the engine asked of them.
      engineCpuSeconds: round((coldCpu.user + coldCpu.system) / 1e6, 1),
      kubeSimsCpuSeconds: round(
        sims.reduce(
          (sum, s, i) => sum + processCpuSeconds(s.pid) - coldSimCpuBefore[i],
          0,
        ),
        1,
      ),
      apiRequests: engine.apiRequestCount() - coldRequestsBefore,
      databaseQueries: coldQueries,
      processes: Object.fromEntries(
        Object.entries(processCounts())
          .map(([command, n]) => [
            command,
            n - (coldProcessesBefore[command] ?? 0),
          ])
          .filter(([, n]) => Number(n) > 0),
      ),
    };
    database.off('query', countQuery);
    if (process.env.BENCH_QUERY_KINDS) {
      console.log([...queryKinds].sort((a, b) => b[1] - a[1]));
    }
    console.log(
      `  cold cost: engine ${coldCost.engineCpuSeconds} CPU s, kube-sims ${
        coldCost.kubeSimsCpuSeconds
      } CPU s, ${coldCost.apiRequests} API requests (${round(
        coldCost.apiRequests / (appCount * options.objects),
        2,
      )} per object), ${
        coldCost.databaseQueries
      } database queries, processes ${JSON.stringify(coldCost.processes)}`,
    );
    savePartial({
      coldConvergenceSeconds: round(coldSeconds, 2),
      coldOverCeiling: round(coldSeconds / ceiling.seconds, 2),
      coldOverDryRunCeiling: round(coldSeconds / dryRunCeiling.seconds, 2),
      coldCost,
    });
    if (options.coldOnly) {
      savePartial({ complete: true, coldOnly: true });
      return;
    }

    // A no-op reconcile of the whole fleet.
    const requestsBefore = engine.apiRequestCount();
    const noopStart = Date.now();
    await engine.reconcileAll();
    const noopSeconds = (Date.now() - noopStart) / 1000;
    const noopRequests = engine.apiRequestCount() - requestsBefore;
    console.log(
      `  no-op reconcile: ${noopRequests} API requests for ${appCount} apps in ${noopSeconds.toFixed(
        2,
      )} s`,
    );

    savePartial({ apiRequestsPerNoopReconcile: noopRequests, noopSeconds });

    // Idle: the fleet loaded, nothing changing.
    if (global.gc) global.gc();
    const cpuBefore = process.cpuUsage();
    const simCpuBefore = sims.map(s => processCpuSeconds(s.pid));
    const idleStart = process.hrtime.bigint();
    await sleep(options.idleSeconds * 1000);
    const cpu = process.cpuUsage(cpuBefore);
    const idleWall = Number(process.hrtime.bigint() - idleStart) / 1e3;
    const idleCpuPercent = ((cpu.user + cpu.system) / idleWall) * 100;
    const simIdleCpuPercent =
      (sims.reduce(
        (sum, s, c) => sum + processCpuSeconds(s.pid) - simCpuBefore[c],
        0,
      ) /
        (idleWall / 1e6)) *
      100;
    if (global.gc) global.gc();
    const memory = process.memoryUsage();
    const rssAfter = memory.rss;
    const rssGrowthMb = (rssAfter - rssBefore) / 1024 / 1024;
    const cachedObjects = appCount * options.objects;
    const heapPerObjectBytes = (memory.heapUsed - heapBefore) / cachedObjects;
    console.log(
      `  idle: ${idleCpuPercent.toFixed(
        2,
      )} % of one core (the ${clusterCount} kube-sims: ${simIdleCpuPercent.toFixed(
        1,
      )} %), RSS +${rssGrowthMb.toFixed(0)} MB (${(
        rssAfter /
        1024 /
        1024
      ).toFixed(0)} MB), heap ${(heapPerObjectBytes / 1024).toFixed(
        1,
      )} KiB per object`,
    );

    savePartial({
      idleCpuPercentOfOneCore: round(idleCpuPercent, 2),
      rssGrowthMb: round(rssGrowthMb, 0),
      heapBytesPerCachedObject: round(heapPerObjectBytes, 0),
    });

    // Commit → applied: a signed push event through the webhook route.
    const webhook = await startWebhookServer(engine);
    cleanups.push(webhook.stop);
    const commitLatencies: number[] = [];
    const refreshedPerPush: number[] = [];
    const step = Math.max(1, Math.floor(appCount / options.samples));
    const before = [...heads];
    // What else held the engine's process while pushes were timed.
    const commitLoopDelay = monitorEventLoopDelay({ resolution: 10 });
    commitLoopDelay.enable();
    for (let s = 0; s < options.samples; s++) {
      const i = (s * step) % appCount;
      const r = repoOf(i);
      writeApp(repos[r], i, options.objects, s + 1);
      const head = commitAll(repos[r], `Bump ${appName(i)}`);
      const t0 = process.hrtime.bigint();
      const refreshed = await webhook.push({
        repoUrl: repoUrl(r),
        branch: 'main',
        before: before[r],
        after: head,
      });
      before[r] = head;
      refreshedPerPush.push(refreshed.length);
      if (!refreshed.includes(appName(i))) {
        throw new Error(
          `The push to ${repoUrl(r)} did not refresh ${appName(i)} (refreshed ${
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
      const live: any = await k8s[clusterOf(i)].read({
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
    commitLoopDelay.disable();
    const slowestCommits = [...commitLatencies]
      .sort((a, b) => b - a)
      .slice(0, 3)
      .map(seconds => round(seconds));
    const commitLongestLoopDelayMs = round(commitLoopDelay.max / 1e6, 1);
    console.log(
      `  commit → applied: p50 ${percentile(commitLatencies, 50).toFixed(
        3,
      )} s, p99 ${percentile(commitLatencies, 99).toFixed(3)} s (${
        refreshedPerPush[0]
      } applications follow each pushed repository; slowest ${slowestCommits.join(
        ', ',
      )} s; longest event-loop delay ${commitLongestLoopDelayMs} ms)`,
    );

    savePartial({
      commitToAppliedSeconds: {
        p50: round(percentile(commitLatencies, 50)),
        p99: round(percentile(commitLatencies, 99)),
        samples: commitLatencies.length,
      },
    });

    // Live drift → OutOfSync, seen by the watch.
    const driftLatencies: number[] = [];
    for (let s = 0; s < options.samples; s++) {
      const i = (s * step + 1) % appCount;
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
      await k8s[clusterOf(i)].patch(
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

    savePartial({
      driftToOutOfSyncSeconds: {
        p50: round(percentile(driftLatencies, 50)),
        p99: round(percentile(driftLatencies, 99)),
      },
    });

    // The filtered listing of this fleet through the REST router.
    const listingServer = await startListingServer(engine);
    cleanups.push(listingServer.stop);
    console.log(`  listing (100 a page, p50/p99 per page over HTTP):`);
    const listing = await measureListing(
      listingServer.base,
      {
        none: {},
        [`cluster=${clusterName(clusterCount - 1)}`]: {
          cluster: clusterName(clusterCount - 1),
        },
        'sync=OutOfSync': { sync: 'OutOfSync' },
        'health=Healthy&owner=team-3': {
          health: 'Healthy',
          owner: 'group:default/team-3',
        },
        'q=app-012': { q: 'app-012' },
      },
      {
        limit: 100,
        samples: options.listingSamples,
        log: line => console.log(`  ${line}`),
      },
    );
    if (warmProfiler) {
      const file = path.join(__dirname, 'results', 'warm.cpuprofile');
      fs.writeFileSync(file, JSON.stringify(await warmProfiler.stop()));
      console.log(
        `  CPU profile from cold convergence to the listing: ${file}`,
      );
    }
    const listingP99 = Math.max(
      ...Object.values(listing.filters).map(f => f.p99),
    );
    await listingServer.stop();

    const engineResult = {
      coldConvergenceSeconds: round(coldSeconds, 2),
      commitToAppliedSeconds: {
        p50: round(percentile(commitLatencies, 50)),
        p99: round(percentile(commitLatencies, 99)),
        samples: commitLatencies.length,
        applicationsPerRepository: refreshedPerPush[0],
        slowest: slowestCommits,
        longestEventLoopDelayMs: commitLongestLoopDelayMs,
      },
      driftToOutOfSyncSeconds: {
        p50: round(percentile(driftLatencies, 50)),
        p99: round(percentile(driftLatencies, 99)),
        samples: driftLatencies.length,
      },
      idleCpuPercentOfOneCore: round(idleCpuPercent, 2),
      kubeSimsIdleCpuPercentOfOneCore: round(simIdleCpuPercent, 1),
      idleSeconds: options.idleSeconds,
      rssMb: round(rssAfter / 1024 / 1024, 0),
      rssGrowthMb: round(rssGrowthMb, 0),
      heapBytesPerCachedObject: round(heapPerObjectBytes, 0),
      apiRequestsPerNoopReconcile: noopRequests,
      noopReconcileSeconds: round(noopSeconds, 2),
      listing: {
        limit: 100,
        filters: listing.filters,
        unpagedMs: listing.unpaged.ms,
        process: listing.process,
        worstP99Ms: listingP99,
      },
    };
    await webhook.stop();
    await engine.stop();
    await Promise.all(sims.map(s => s.stop()));

    // ------------------------------------------------------------ baseline
    let baseline: Record<string, unknown> | undefined;
    let baselineSkipped: string | undefined;
    if (!options.baseline) baselineSkipped = '--no-baseline';
    else if (appCount > options.baselineMaxApps) {
      baselineSkipped = `more than --baseline-max-apps ${options.baselineMaxApps} applications: one kubectl pass over the fleet takes minutes, so the kubectl loop is left out; the raw server-side apply ceiling is the comparison`;
    }
    if (!baselineSkipped) {
      const bsims = await startClusters(work, 'baseline', clusterCount);
      cleanups.push(async () => {
        await Promise.all(bsims.map(s => s.stop()));
      });
      const clones = repos.map((_, r) =>
        path.join(work, `baseline-clone-${r}`),
      );
      /** `-f` arguments of each cluster's applications (of one repository, or all). */
      const files = (c: number, onlyRepo?: number) => {
        const args: string[] = [];
        for (let i = c; i < appCount; i += clusterCount) {
          if (onlyRepo !== undefined && repoOf(i) !== onlyRepo) continue;
          args.push('-f', path.join(clones[repoOf(i)], 'apps', appName(i)));
        }
        return args;
      };
      const applyArgs = [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=user-script',
      ];
      const coldT0 = process.hrtime.bigint();
      for (const [r, clone] of clones.entries()) {
        git(work, 'clone', '--quiet', repoUrl(r), clone);
      }
      const cold = await Promise.all(
        bsims.map((sim, c) =>
          kubectl(sim.kubeconfig, [...applyArgs, ...files(c), '-v=6']),
        ),
      );
      const failed = cold.find(run => run.code !== 0);
      if (failed) {
        throw new Error(
          `Baseline kubectl apply failed: ${failed.stderr.slice(-2000)}`,
        );
      }
      const baselineCold = Number(process.hrtime.bigint() - coldT0) / 1e9;
      const applyRequests = cold.reduce(
        (sum, run) => sum + countRequests(run.stderr),
        0,
      );
      console.log(
        `  baseline cold (clone + kubectl apply --server-side): ${baselineCold.toFixed(
          1,
        )} s, ${applyRequests} API requests`,
      );
      const pullApply: number[] = [];
      for (let s = 0; s < options.baselineSamples; s++) {
        const r = repoOf(s);
        writeApp(repos[r], s, options.objects, 1000 + s);
        commitAll(repos[r], `Baseline bump ${s}`);
        const t0 = process.hrtime.bigint();
        git(clones[r], 'pull', '--quiet', '--ff-only');
        // The script does not know which application changed: it applies
        // every application of the pulled repository.
        const runs = await Promise.all(
          bsims.map((sim, c) => {
            const args = files(c, r);
            return args.length
              ? kubectl(sim.kubeconfig, [...applyArgs, ...args])
              : undefined;
          }),
        );
        const bad = runs.find(run => run && run.code !== 0);
        if (bad) throw new Error(`Baseline apply failed: ${bad.stderr}`);
        pullApply.push(Number(process.hrtime.bigint() - t0) / 1e9);
      }
      const diffPasses: number[] = [];
      let diffRequests = 0;
      for (let s = 0; s < options.baselineSamples; s++) {
        const t0 = process.hrtime.bigint();
        const runs = await Promise.all(
          bsims.map((sim, c) =>
            kubectl(sim.kubeconfig, [
              'diff',
              '--server-side',
              '--force-conflicts',
              '--field-manager=user-script',
              ...files(c),
              ...(s === 0 ? ['-v=6'] : []),
            ]),
          ),
        );
        const bad = runs.find(run => run.code > 1);
        if (bad) {
          throw new Error(`Baseline diff failed: ${bad.stderr.slice(-2000)}`);
        }
        if (s === 0) {
          diffRequests = runs.reduce(
            (sum, run) => sum + countRequests(run.stderr),
            0,
          );
        }
        diffPasses.push(Number(process.hrtime.bigint() - t0) / 1e9);
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
      await Promise.all(bsims.map(s => s.stop()));
    } else {
      console.log(`  kubectl baseline skipped: ${baselineSkipped}`);
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
    const coldOverCeiling = round(coldSeconds / ceiling.seconds, 2);
    const target = (value: number | null, limit: number) => ({
      value,
      limit,
      met: value !== null && value <= limit,
    });
    const targets = {
      coldConvergenceOverCeiling: target(coldOverCeiling, 1.5),
      rssGrowthMb: target(engineResult.rssGrowthMb, 1024),
      apiRequestsPerNoopReconcile: target(noopRequests, 0),
      idleCpuPercentOfOneCore: target(engineResult.idleCpuPercentOfOneCore, 5),
      commitToAppliedP99Seconds: target(
        engineResult.commitToAppliedSeconds.p99,
        2,
      ),
      listingP99Ms: target(listingP99, 300),
    };
    const result = {
      complete: true,
      date: new Date().toISOString(),
      source: measuredSource(),
      mode: options.quick ? 'quick' : 'full',
      applications: appCount,
      objectsPerApplication: options.objects,
      clusters: clusterCount,
      repositories: repoCount,
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        /** V8 flags of the engine's process (a young generation of 64 MB or not). */
        nodeFlags: process.execArgv.filter(flag => flag.startsWith('--max')),
        shared:
          'a 2-core machine shared with other work; figures vary with its load',
        loadAverageAtEnd: os.loadavg().map(n => round(n, 1)),
      },
      concurrency: options.concurrency,
      rawApplyCeiling: {
        seconds: round(ceiling.seconds, 2),
        requests: ceiling.requests,
        resentAfterConnectionReset: ceiling.resent,
        how: 'PATCH application/apply-patch+yaml per object over keep-alive https, same concurrency, fresh kube-sims (restarted before the engine runs)',
      },
      dryRunApplyCeiling: {
        seconds: round(dryRunCeiling.seconds, 2),
        requests: dryRunCeiling.requests,
        resentAfterConnectionReset: dryRunCeiling.resent,
        coldOverIt: round(coldSeconds / dryRunCeiling.seconds, 2),
        how: 'the raw client with a dryRun=All apply before each apply (the requests a sync sends), fresh kube-sims',
      },
      engine: engineResult,
      targets,
      baseline,
      baselineSkipped,
      ratiosBaselineOverEngine: ratios,
      totalSeconds: round((Date.now() - startedAt) / 1000, 1),
    };
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(__dirname, 'results', options.out),
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
    const targetLines = Object.entries(targets)
      .map(
        ([name, t]) =>
          `  ${t.met ? 'met ' : 'MISS'} ${name}: ${t.value} (target ≤ ${
            t.limit
          })`,
      )
      .join('\n');
    console.log(`
${appCount} applications × ${
      options.objects
    } objects, ${clusterCount} cluster(s), ${repoCount} repositor${
      repoCount === 1 ? 'y' : 'ies'
    } (${result.mode}, ${result.machine.cpus} cores)
| metric                             |     Mooring |   baseline |  ratio |
|------------------------------------|------------|------------|---------|
${row(
  'cold convergence (s)',
  engineResult.coldConvergenceSeconds,
  b?.coldConvergenceSeconds,
  ratios?.coldConvergence,
)}
${row('raw SSA ceiling (s)', '-', round(ceiling.seconds, 2), coldOverCeiling)}
${row(
  'dry run + apply ceiling (s)',
  '-',
  round(dryRunCeiling.seconds, 2),
  round(coldSeconds / dryRunCeiling.seconds, 2),
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
${row('listing p99, worst filter (ms)', listingP99, '-', '-')}
(the "ratio" of the ceiling row is Mooring's cold convergence ÷ the ceiling)
Targets:
${targetLines}
Written to bench/results/${options.out} (${result.totalSeconds} s in all).`);
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
