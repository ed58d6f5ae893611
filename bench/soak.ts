/*
 * Chaos soak: two backend replicas (bench/soakReplica.ts: the real engine
 * and webhook route, one node process each) on one PostgreSQL database,
 * applications in two Git repositories served by a real `git daemon`, two
 * kube-sim processes keeping their state in files. For --minutes it commits
 * to random applications every few seconds (a ConfigMap changes, an object
 * is added, or one is removed so prune must delete it) and delivers a signed
 * push event to one replica (sometimes to both, as a redelivery), while the
 * kube-sims answer 20 % of requests with 500/503/429 and drop watches, the
 * Git server is restarted, one replica is killed with SIGKILL and restarted
 * about every 60 s, and a kube-sim is restarted from its --state file.
 *
 * Then the faults stop (the kube-sims are restarted without --fail-rate, the
 * last fault) and it checks, exiting non-zero on any violation:
 *  - every application converged: each cluster holds exactly its objects of
 *    Git's last commit (none lost, none left behind after prune), and how
 *    long that took after the last fault;
 *  - each commit's automatic sync was executed by exactly one replica: no
 *    (application, commit) has two successful automatic runs, and no two
 *    runs of one application overlapped;
 *  - no run is left Running;
 *  - the history rows equal the runs the replicas executed (each replica
 *    logs every run it inserts).
 *
 * Usage (from the repository root, after `source scripts/env.sh`, which
 * points MOORING_TEST_POSTGRES_URL at the local PostgreSQL):
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/soak.ts
 *     [--minutes M] [--apps N] [--seed S] [--inject skip-lease] [--out FILE] [--keep]
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import knexFactory from 'knex';
import YAML from 'yaml';
import type { ApplicationSpec } from '../plugins/gitops-backend/src/engine';
import type { SoakReplicaConfig } from './soakReplica';

const ROOT = path.resolve(__dirname, '..');
const NODE_ARGS = [
  '--require',
  require.resolve('@backstage/cli/config/nodeTransform.cjs'),
];

interface Options {
  minutes: number;
  apps: number;
  seed: number;
  inject?: 'skip-lease';
  out: string;
  keep: boolean;
  failRate: number;
  commitEveryMs: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    minutes: 10,
    apps: 100,
    seed: 1,
    out: 'soak.json',
    keep: argv.includes('--keep'),
    failRate: 0.2,
    commitEveryMs: 3000,
  };
  for (let i = 0; i < argv.length; i++) {
    const number = (min: number) => {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < min) {
        throw new Error(`${argv[i - 1]} needs a number of at least ${min}`);
      }
      return value;
    };
    const arg = argv[i];
    if (arg === '--minutes') options.minutes = number(0.5);
    else if (arg === '--apps') options.apps = Math.floor(number(2));
    else if (arg === '--seed') options.seed = Math.floor(number(0));
    else if (arg === '--fail-rate') options.failRate = number(0);
    else if (arg === '--commit-every-ms') options.commitEveryMs = number(100);
    else if (arg === '--inject') {
      if (argv[++i] !== 'skip-lease') {
        throw new Error('--inject knows one bug: skip-lease');
      }
      options.inject = 'skip-lease';
    } else if (arg === '--out') {
      const file = argv[++i];
      if (!file || !/^[\w.-]+\.json$/.test(file)) {
        throw new Error(
          '--out needs a file name like soak.json (in bench/results)',
        );
      }
      options.out = file;
    } else if (arg !== '--keep') {
      throw new Error(`Unknown option ${arg}`);
    }
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

/** A small seeded generator (mulberry32), so a run can be repeated. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function say(message: string) {
  console.log(`${new Date().toISOString().slice(11, 19)} ${message}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>(resolve => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(200);
  }
  throw new Error(`Nothing listens on port ${port} after ${timeoutMs} ms`);
}

/** A child process the soak starts, stops, kills and restarts. */
class Managed {
  child?: ChildProcess;
  starts = 0;
  constructor(
    readonly name: string,
    private readonly command: () => {
      file: string;
      args: string[];
      env?: NodeJS.ProcessEnv;
    },
    private readonly logFile: string,
    private readonly port: number,
  ) {}

  async start() {
    const { file, args, env } = this.command();
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(file, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.starts++;
    const child = this.child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', code =>
        reject(
          new Error(`${this.name} exited with ${code}; see ${this.logFile}`),
        ),
      ),
    );
    await Promise.race([waitForPort(this.port, 120_000), exited]);
    child.removeAllListeners('exit');
  }

  get running() {
    return (
      !!this.child &&
      this.child.exitCode === null &&
      this.child.signalCode === null
    );
  }

  /** Stops the process with `signal` and waits until it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>(resolve =>
      child.once('exit', () => resolve()),
    );
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  }
}

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

const appName = (i: number) => `soak-${String(i).padStart(3, '0')}`;

/** The files of one application: its Namespace, cm-main and extras. */
function writeApp(
  repo: string,
  i: number,
  version: number,
  extras: Set<number>,
) {
  const name = appName(i);
  const dir = path.join(repo, 'apps', name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const write = (file: string, object: unknown) =>
    fs.writeFileSync(path.join(dir, file), YAML.stringify(object));
  write('namespace.yaml', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
  write('cm-main.yaml', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm-main', namespace: name },
    data: { version: String(version) },
  });
  for (const k of extras) {
    write(`cm-extra-${k}.yaml`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-extra-${k}`, namespace: name },
      data: { extra: String(k) },
    });
  }
}

/** The ConfigMaps Git's last commit holds for an application: name → data. */
function expectedConfigMaps(repo: string, i: number) {
  const expected = new Map<string, Record<string, string>>();
  const dir = path.join(repo, 'apps', appName(i));
  for (const file of fs.readdirSync(dir)) {
    const object = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (object.kind === 'ConfigMap')
      expected.set(object.metadata.name, object.data);
  }
  return expected;
}

interface LogEntry {
  event: 'begin' | 'recorded' | 'started' | 'finished';
  run: string;
  app: string;
  replica: string;
  sha?: string;
  phase?: string;
  initiatedBy?: string;
  at: number;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const databaseRoot = process.env.MOORING_TEST_POSTGRES_URL;
  if (!databaseRoot) {
    throw new Error(
      'The soak needs PostgreSQL: set MOORING_TEST_POSTGRES_URL (source scripts/env.sh)',
    );
  }
  const rand = random(options.seed);
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-soak-'));
  const managed: Managed[] = [];
  const startedAt = Date.now();
  let databaseName: string | undefined;
  const admin = knexFactory({ client: 'pg', connection: databaseRoot });
  say(
    `Chaos soak: ${
      options.apps
    } applications, 2 replicas, 2 kube-sims (fail rate ${options.failRate}), ${
      options.minutes
    } min, seed ${options.seed}${
      options.inject ? `, INJECTED BUG ${options.inject} in replica b` : ''
    }; work dir ${work}`,
  );
  let failed = true;
  try {
    // ------------------------------------------------------------ Git
    const gitBase = path.join(work, 'git');
    const repos = [0, 1].map(r => path.join(gitBase, `fleet-${r}`));
    const gitPort = await freePort();
    const repoUrl = (r: number) => `git://127.0.0.1:${gitPort}/fleet-${r}`;
    const versions = Array.from({ length: options.apps }, () => 0);
    const extras = Array.from(
      { length: options.apps },
      () => new Set<number>([0]),
    );
    let nextExtra = 1;
    for (const [r, repo] of repos.entries()) {
      fs.mkdirSync(repo, { recursive: true });
      git(repo, 'init', '--quiet', '--initial-branch=main');
      git(repo, 'config', 'user.name', 'Soak');
      git(repo, 'config', 'user.email', 'soak@example.com');
      for (let i = r; i < options.apps; i += 2) writeApp(repo, i, 0, extras[i]);
      git(repo, 'add', '--all');
      git(repo, 'commit', '--quiet', '-m', 'Fleet');
    }
    const gitDaemon = new Managed(
      'git daemon',
      // The daemon itself, not the `git daemon` wrapper: stopping the
      // wrapper would leave the daemon serving.
      () => ({
        file: path.join(
          execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(),
          'git-daemon',
        ),
        args: [
          '--reuseaddr',
          '--export-all',
          '--listen=127.0.0.1',
          `--port=${gitPort}`,
          `--base-path=${gitBase}`,
          gitBase,
        ],
      }),
      path.join(work, 'git-daemon.log'),
      gitPort,
    );
    managed.push(gitDaemon);
    await gitDaemon.start();

    // ------------------------------------------------------------ kube-sims
    let faultsOn = options.failRate > 0;
    const sims = await Promise.all(
      [0, 1].map(async c => {
        const port = await freePort();
        const kubeconfig = path.join(work, `cluster-${c}.kubeconfig`);
        const sim = new Managed(
          `kube-sim cluster-${c}`,
          () => ({
            file: process.execPath,
            args: [
              path.join(ROOT, 'packages/kube-sim/bin/kube-sim'),
              'serve',
              '--port',
              String(port),
              '--kubeconfig',
              kubeconfig,
              '--controllers',
              '--state',
              path.join(work, `cluster-${c}.state.json`),
              ...(faultsOn ? ['--fail-rate', String(options.failRate)] : []),
            ],
          }),
          path.join(work, `cluster-${c}.log`),
          port,
        );
        managed.push(sim);
        await sim.start();
        const written = () =>
          fs.existsSync(kubeconfig) && fs.statSync(kubeconfig).size > 0;
        for (let k = 0; k < 50 && !written(); k++) await sleep(100);
        return { sim, kubeconfig };
      }),
    );
    // One kubeconfig with both (the state file keeps token and certificate
    // across restarts, so it stays valid).
    const merged = new KubeConfig();
    const parts = sims.map(({ kubeconfig }) => {
      const one = new KubeConfig();
      one.loadFromFile(kubeconfig);
      return one;
    });
    merged.loadFromOptions({
      clusters: parts.map((p, c) => ({
        ...p.getCurrentCluster()!,
        name: `cluster-${c}`,
      })),
      users: parts.map((p, c) => ({
        ...p.getCurrentUser()!,
        name: `cluster-${c}`,
      })),
      contexts: parts.map((_, c) => ({
        name: `cluster-${c}`,
        cluster: `cluster-${c}`,
        user: `cluster-${c}`,
      })),
      currentContext: 'cluster-0',
    });
    const kubeconfig = path.join(work, 'clusters.kubeconfig');
    fs.writeFileSync(kubeconfig, merged.exportConfig(), { mode: 0o600 });

    // ------------------------------------------------------------ database
    databaseName = `mooring_soak_${process.pid}`;
    await admin.raw(`CREATE DATABASE ${databaseName}`);
    const databaseUrl = `${databaseRoot.replace(/\/+$/, '')}/${databaseName}`;

    // ------------------------------------------------------------ replicas
    const secret = crypto.randomBytes(16).toString('hex');
    const runLog = path.join(work, 'runs.jsonl');
    const applications: ApplicationSpec[] = Array.from(
      { length: options.apps },
      (_, i) => ({
        id: appName(i),
        entityRef: `component:default/${appName(i)}`,
        target: 'default',
        source: {
          repoUrl: repoUrl(i % 2),
          path: `apps/${appName(i)}`,
          revision: 'main',
        },
        destination: { cluster: `cluster-${i % 2}`, namespace: appName(i) },
        policy: { sync: 'auto', prune: true, selfHeal: false },
      }),
    );
    // One after the other: the first runs the database migrations.
    const replicas: { name: string; port: number; replica: Managed }[] = [];
    for (const name of ['a', 'b']) {
      replicas.push(
        await (async () => {
          const port = await freePort();
          const config: SoakReplicaConfig = {
            name,
            port,
            databaseUrl,
            kubeconfig,
            workingDirectory: path.join(work, `replica-${name}`),
            allowedRepos: [`git://127.0.0.1:${gitPort}/**`],
            webhookSecret: secret,
            runLog,
            intervalMs: 10_000,
            leaseTtlMs: 15_000,
            applications,
          };
          const configFile = path.join(work, `replica-${name}.json`);
          fs.writeFileSync(configFile, JSON.stringify(config));
          const replica = new Managed(
            `replica ${name}`,
            () => ({
              file: process.execPath,
              args: [
                ...NODE_ARGS,
                path.join(__dirname, 'soakReplica.ts'),
                configFile,
              ],
              env:
                options.inject === 'skip-lease' && name === 'b'
                  ? { MOORING_SOAK_SKIP_LEASE: '1' }
                  : {},
            }),
            path.join(work, `replica-${name}.log`),
            port,
          );
          managed.push(replica);
          await replica.start();
          return { name, port, replica };
        })(),
      );
    }
    say(`replicas a and b up; git daemon on ${gitPort}`);

    // ------------------------------------------------------------ chaos
    const deliveries = { ok: 0, failed: 0, both: 0 };
    async function deliver(
      port: number,
      r: number,
      before: string,
      after: string,
    ) {
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        before,
        after,
        repository: {
          name: `fleet-${r}`,
          full_name: `soak/fleet-${r}`,
          clone_url: repoUrl(r),
          default_branch: 'main',
        },
        pusher: { name: 'soak', email: 'soak@example.com' },
        head_commit: { id: after },
      });
      const signature = crypto
        .createHmac('sha256', secret)
        .update(body)
        .digest('hex');
      try {
        const response = await fetch(`http://127.0.0.1:${port}/webhook`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'GitHub-Hookshot/soak',
            'X-GitHub-Event': 'push',
            'X-GitHub-Delivery': crypto.randomUUID(),
            'X-Hub-Signature-256': `sha256=${signature}`,
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.text();
        if (response.status === 202) deliveries.ok++;
        else deliveries.failed++;
      } catch {
        // The replica is down (killed) or restarting: the other one, or the
        // next periodic reconcile, picks the commit up.
        deliveries.failed++;
      }
    }
    const faults: { at: number; what: string }[] = [];
    const fault = (what: string) => {
      faults.push({ at: Date.now(), what });
      say(what);
    };
    const commits = { total: 0, changed: 0, added: 0, removed: 0 };
    const heads = repos.map(repo => git(repo, 'rev-parse', 'HEAD').trim());
    const chaosEnd = Date.now() + options.minutes * 60_000;
    let nextKill = Date.now() + 60_000;
    let nextGitRestart = Date.now() + 45_000;
    let nextSimRestart = Date.now() + 100_000;
    let killTurn = 0;
    let simTurn = 0;
    const background: Promise<unknown>[] = [];
    while (Date.now() < chaosEnd) {
      // A commit to a random application.
      const i = Math.floor(rand() * options.apps);
      const r = i % 2;
      const roll = rand();
      if (roll < 0.2 && extras[i].size < 4) {
        extras[i].add(nextExtra++);
        commits.added++;
      } else if (roll < 0.4 && extras[i].size > 0) {
        extras[i].delete(pick([...extras[i]]));
        commits.removed++;
      } else {
        versions[i]++;
        commits.changed++;
      }
      writeApp(repos[r], i, versions[i], extras[i]);
      git(repos[r], 'add', '--all');
      git(repos[r], 'commit', '--quiet', '-m', `Change ${appName(i)}`);
      commits.total++;
      const before = heads[r];
      heads[r] = git(repos[r], 'rev-parse', 'HEAD').trim();
      const targets = rand() < 0.3 ? replicas : [pick(replicas)];
      if (targets.length === 2) deliveries.both++;
      for (const target of targets) {
        background.push(deliver(target.port, r, before, heads[r]));
      }

      const now = Date.now();
      if (now >= nextKill) {
        const victim = replicas[killTurn++ % 2];
        fault(`SIGKILL replica ${victim.name}`);
        await victim.replica.stop('SIGKILL');
        background.push(
          sleep(2000).then(() =>
            victim.replica.start().then(
              () => say(`replica ${victim.name} restarted`),
              error => say(`replica ${victim.name} did not restart: ${error}`),
            ),
          ),
        );
        nextKill = now + 50_000 + rand() * 20_000;
      }
      if (now >= nextGitRestart) {
        fault('git daemon restarted (down 4 s)');
        await gitDaemon.stop();
        background.push(
          sleep(4000)
            .then(() => gitDaemon.start())
            .catch(error => say(`git daemon did not restart: ${error}`)),
        );
        nextGitRestart = now + 80_000 + rand() * 20_000;
      }
      if (now >= nextSimRestart) {
        const { sim } = sims[simTurn++ % 2];
        fault(`${sim.name} restarted from its --state file`);
        await sim.stop();
        await sim.start();
        nextSimRestart = now + 110_000 + rand() * 20_000;
      }
      await sleep(options.commitEveryMs * (0.5 + rand()));
    }
    await Promise.allSettled(background);

    // ------------------------------------------------------------ the last fault
    faultsOn = false;
    for (const { sim } of sims) await sim.stop();
    await Promise.all(sims.map(({ sim }) => sim.start()));
    if (!gitDaemon.running) await gitDaemon.start();
    for (const { replica } of replicas)
      if (!replica.running) await replica.start();
    fault('faults off: kube-sims restarted from --state without --fail-rate');
    const lastFault = Date.now();

    // ------------------------------------------------------------ convergence
    // From the kubeconfig written at the start: a kube-sim rewrites its own
    // file when it starts, so that file may be empty for a moment.
    const clients = [0, 1].map(c => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      kc.setCurrentContext(`cluster-${c}`);
      return KubernetesObjectApi.makeApiClient(kc);
    });
    type AppProblem = {
      app: string;
      lost: string[];
      leaked: string[];
      wrong: string[];
    };
    async function compareFleet(): Promise<AppProblem[]> {
      const problems: AppProblem[] = [];
      for (let i = 0; i < options.apps; i++) {
        const expected = expectedConfigMaps(repos[i % 2], i);
        const live = new Map<string, Record<string, string>>();
        const list = await clients[i % 2].list('v1', 'ConfigMap', appName(i));
        for (const item of list.items as any[]) {
          if (item.metadata.name.startsWith('cm-')) {
            live.set(item.metadata.name, item.data ?? {});
          }
        }
        const lost = [...expected.keys()].filter(n => !live.has(n));
        const leaked = [...live.keys()].filter(n => !expected.has(n));
        const wrong = [...expected.keys()].filter(
          n =>
            live.has(n) &&
            JSON.stringify(live.get(n)) !== JSON.stringify(expected.get(n)),
        );
        if (lost.length || leaked.length || wrong.length) {
          problems.push({ app: appName(i), lost, leaked, wrong });
        }
      }
      return problems;
    }
    let problems: AppProblem[] = [];
    let convergedAfter: number | undefined;
    const convergeDeadline = lastFault + 5 * 60_000;
    while (Date.now() < convergeDeadline) {
      problems = await compareFleet().catch(error => [
        { app: `(could not read: ${error})`, lost: [], leaked: [], wrong: [] },
      ]);
      if (!problems.length) {
        convergedAfter = (Date.now() - lastFault) / 1000;
        break;
      }
      await sleep(2000);
    }
    say(
      convergedAfter !== undefined
        ? `every application equals Git ${convergedAfter.toFixed(
            1,
          )} s after the last fault`
        : `${problems.length} applications differ from Git 5 minutes after the last fault`,
    );

    // ------------------------------------------------------------ runs settle
    const database = knexFactory({ client: 'pg', connection: databaseUrl });
    let running = Infinity;
    const settleDeadline = Date.now() + 2 * 60_000;
    while (Date.now() < settleDeadline) {
      const [{ count }] = await database('gitops_runs')
        .where({ phase: 'Running' })
        .count({ count: '*' });
      running = Number(count);
      if (!running) break;
      await sleep(2000);
    }
    for (const { replica } of replicas) await replica.stop('SIGTERM');
    const [{ count: stillRunning }] = await database('gitops_runs')
      .where({ phase: 'Running' })
      .count({ count: '*' });
    running = Number(stillRunning);
    const rows: any[] = await database('gitops_runs')
      .where({ dry_run: false })
      .select(
        'id',
        'application_id',
        'commit_sha',
        'initiated_by',
        'phase',
        'started_at',
        'finished_at',
        'message',
      );
    await database.destroy();

    // ------------------------------------------------------------ invariants
    const entries: LogEntry[] = fs.existsSync(runLog)
      ? fs
          .readFileSync(runLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map(l => JSON.parse(l))
      : [];
    const begun = new Map<string, LogEntry>();
    const recorded = new Set<string>();
    for (const e of entries) {
      if (e.event === 'begin') begun.set(e.run, e);
      if (e.event === 'recorded') recorded.add(e.run);
    }
    const dbIds = new Set(rows.map(r => r.id));
    const unlogged = rows.filter(r => !begun.has(r.id)).map(r => r.id);
    const lostRows = [...recorded].filter(id => !dbIds.has(id));
    const interrupted = [...begun.keys()].filter(
      id => !recorded.has(id) && !dbIds.has(id),
    );

    const automatic = rows.filter(
      r =>
        (r.initiated_by === 'auto' || r.initiated_by === 'webhook') &&
        r.phase === 'Succeeded',
    );
    const byCommit = new Map<string, any[]>();
    for (const r of automatic) {
      const key = `${r.application_id}@${r.commit_sha}`;
      byCommit.set(key, [...(byCommit.get(key) ?? []), r]);
    }
    const doubleRuns = [...byCommit.entries()]
      .filter(([, list]) => list.length > 1)
      .map(([key, list]) => ({
        commit: key,
        runs: list.length,
        replicas: list.map(r => begun.get(r.id)?.replica ?? '?'),
      }));
    // Two runs of one application at once (a run ended for its stopped
    // backend has no true end, so it is left out).
    const overlaps: string[] = [];
    const byApp = new Map<string, any[]>();
    for (const r of rows) {
      if (/backend stopped/.test(r.message ?? '')) continue;
      byApp.set(r.application_id, [...(byApp.get(r.application_id) ?? []), r]);
    }
    for (const [app, list] of byApp) {
      list.sort((x, y) => Number(x.started_at) - Number(y.started_at));
      for (let k = 1; k < list.length; k++) {
        const previousEnd = Number(list[k - 1].finished_at ?? Infinity);
        if (Number(list[k].started_at) < previousEnd) {
          overlaps.push(
            `${app}: run ${list[k].id} (${
              begun.get(list[k].id)?.replica ?? '?'
            }) started before ${list[k - 1].id} (${
              begun.get(list[k - 1].id)?.replica ?? '?'
            }) ended`,
          );
        }
      }
    }
    const phases: Record<string, number> = {};
    for (const r of rows) phases[r.phase] = (phases[r.phase] ?? 0) + 1;
    const perReplica: Record<string, number> = {};
    for (const e of begun.values())
      perReplica[e.replica] = (perReplica[e.replica] ?? 0) + 1;

    const checks = [
      {
        check: 'every application equals its last commit (cluster = Git)',
        ok: problems.length === 0,
        detail:
          problems.length === 0
            ? `${options.apps} applications, ${convergedAfter?.toFixed(
                1,
              )} s after the last fault`
            : `${problems.length} differ, e.g. ${JSON.stringify(
                problems.slice(0, 3),
              )}`,
      },
      {
        check: 'no object lost, none left after prune',
        ok: !problems.some(p => p.lost.length || p.leaked.length),
        detail: `lost ${problems.reduce(
          (n, p) => n + p.lost.length,
          0,
        )}, leaked ${problems.reduce((n, p) => n + p.leaked.length, 0)}`,
      },
      {
        check: "each commit's automatic sync executed by exactly one replica",
        ok: doubleRuns.length === 0 && overlaps.length === 0,
        detail: `${byCommit.size} commits synced automatically; ${
          doubleRuns.length
        } synced twice, ${overlaps.length} overlapping runs${
          doubleRuns.length
            ? `, e.g. ${JSON.stringify(doubleRuns.slice(0, 3))}`
            : ''
        }${overlaps.length ? `; ${overlaps.slice(0, 3).join('; ')}` : ''}`,
      },
      {
        check: 'no run left Running',
        ok: running === 0,
        detail: `${running} Running`,
      },
      {
        check: 'history rows equal runs executed',
        ok: unlogged.length === 0 && lostRows.length === 0,
        detail: `${rows.length} rows, ${begun.size} runs logged by the replicas (${interrupted.length} killed before their row was written); ${unlogged.length} rows no replica ran, ${lostRows.length} runs without a row`,
      },
    ];
    const ok = checks.every(c => c.ok);
    const result = {
      date: new Date().toISOString(),
      source: measuredSource(),
      ok,
      options: { ...options, out: undefined },
      replicas:
        'two node processes, each createGitopsEngine + the webhook route on one PostgreSQL database (bench/soakReplica.ts)',
      machine: {
        cpus: os.cpus().length,
        shared: 'a 2-core machine shared with other work',
        loadAverageAtEnd: os.loadavg().map(n => Number(n.toFixed(1))),
      },
      commits,
      deliveries,
      faults: {
        total: faults.length,
        replicaKills: faults.filter(f => f.what.startsWith('SIGKILL')).length,
        gitRestarts: faults.filter(f => f.what.startsWith('git')).length,
        kubeSimRestarts: faults.filter(f => f.what.includes('--state file'))
          .length,
        list: faults.map(f => ({
          atSeconds: Math.round((f.at - startedAt) / 1000),
          what: f.what,
        })),
      },
      convergenceSecondsAfterLastFault: convergedAfter ?? null,
      runs: { total: rows.length, phases, perReplica },
      checks,
      totalSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(__dirname, 'results', options.out),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    console.log(`
Soak: ${options.minutes} min, ${options.apps} applications, ${
      commits.total
    } commits (${commits.added} added an object, ${
      commits.removed
    } removed one), ${faults.length} faults (${
      result.faults.replicaKills
    } replica kills, ${result.faults.gitRestarts} Git restarts, ${
      result.faults.kubeSimRestarts
    } kube-sim restarts), ${rows.length} runs ${JSON.stringify(phases)}
| check                                                          | ok  | detail
|----------------------------------------------------------------|-----|-------
${checks
  .map(c => `| ${c.check.padEnd(62)} | ${c.ok ? 'yes' : 'NO '} | ${c.detail}`)
  .join('\n')}
Written to bench/results/${options.out}.`);
    failed = !ok;
    if (!ok) {
      console.log(`Logs kept in ${work}`);
      options.keep = true;
    }
  } catch (error) {
    options.keep = true;
    console.log(`Logs kept in ${work}`);
    throw error;
  } finally {
    for (const child of managed.reverse()) {
      await child.stop('SIGKILL').catch(() => undefined);
    }
    if (databaseName) {
      await admin
        .raw(`DROP DATABASE IF EXISTS ${databaseName}`)
        .catch(() => undefined);
    }
    await admin.destroy();
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch(error => {
  console.error(error);
  process.exit(2);
});
