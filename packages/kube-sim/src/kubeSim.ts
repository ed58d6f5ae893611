import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { Cluster } from './cluster';
import { startControllers } from './controllers';
import { kubeletTiming } from './controllers/runtime';
import { ADMIN_GROUP, bootstrapClusterRoles } from './rbac';
import { ApiHandler, TokenAuthenticator } from './server';
import { generateCertificate, ServerCertificate } from './certificate';
import { KubeObject } from './types';

export interface KubeSimOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Serve HTTPS with a self-signed certificate (default) or plain HTTP. */
  https?: boolean;
  /** Simulate controllers (Deployments roll out, Jobs complete, …), optionally after a delay. */
  controllers?: boolean | { delayMs?: number };
  /** Added latency for every request, in milliseconds. */
  latencyMs?: number;
  /** Share of resource requests (0–1) answered with 500, 503 or 429, and of watches dropped. */
  failRate?: number;
  /** Keep all objects (and tokens) in this JSON file, across restarts. */
  stateFile?: string;
  /** How often watches that ask for bookmarks get one; 10 seconds by default. */
  bookmarkIntervalMs?: number;
  /** How many recent events per resource a watch can resume from (10,000 by default); older versions get 410 Gone. */
  watchCacheSize?: number;
  /** Kubernetes Events the controllers record: how long each lives after its last write (1 hour) and how many a namespace keeps (1,000). */
  events?: { ttlMs?: number; maxPerNamespace?: number };
}

export interface KubeSim {
  /** e.g. https://127.0.0.1:43123 */
  url: string;
  adminToken: string;
  /** base64 PEM of the server certificate (for kubeconfig certificate-authority-data); empty over HTTP. */
  caData: string;
  kubeconfig(options?: {
    contextName?: string;
    token?: string;
    user?: string;
  }): string;
  writeKubeconfig(
    path: string,
    options?: { contextName?: string },
  ): Promise<void>;
  /** Maps a bearer token to a user (and groups), the subject RBAC bindings name. */
  addToken(token: string, user: string, groups?: string[]): void;
  setFaults(faults: { latencyMs?: number; failRate?: number }): void;
  /** Closes every open watch now, as a dropped connection; returns how many. */
  dropWatches(): number;
  stop(): Promise<void>;
}

type StateFile = {
  version: 1;
  adminToken: string;
  certificate?: ServerCertificate;
  tokens: { token: string; user: string; groups: string[] }[];
  resourceVersion: number;
  objects: Record<string, KubeObject[]>;
};

function readState(path: string): StateFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e: any) {
    if (e.code === 'ENOENT') return undefined;
    throw new Error(
      `kube-sim could not read the state file ${path}: ${e.message}`,
    );
  }
  try {
    const state = JSON.parse(text) as StateFile;
    if (state.version !== 1 || typeof state.objects !== 'object')
      throw new Error('unknown format');
    return state;
  } catch (e: any) {
    throw new Error(
      `kube-sim could not load the state file ${path}: ${e.message}. Move it away to start with an empty cluster.`,
    );
  }
}

function bootstrap(cluster: Cluster): void {
  const system = { manager: 'kube-apiserver' };
  const namespaces = cluster.registry.get('', 'namespaces')!;
  for (const name of [
    'default',
    'kube-system',
    'kube-public',
    'kube-node-lease',
  ]) {
    cluster.create(namespaces, '', { metadata: { name } }, system);
  }
  const roles = cluster.registry.get(
    'rbac.authorization.k8s.io',
    'clusterroles',
  )!;
  for (const role of bootstrapClusterRoles())
    cluster.create(roles, '', role, system);
  cluster.create(
    cluster.registry.get('rbac.authorization.k8s.io', 'clusterrolebindings')!,
    '',
    {
      metadata: {
        name: 'cluster-admin',
        labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
      },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
      subjects: [
        {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Group',
          name: ADMIN_GROUP,
        },
      ],
    },
    system,
  );
}

/** Starts a simulated Kubernetes API server. */
export async function startKubeSim(
  options: KubeSimOptions = {},
): Promise<KubeSim> {
  const useHttps = options.https ?? true;
  const host = options.host ?? '127.0.0.1';
  const state = options.stateFile ? readState(options.stateFile) : undefined;
  const cluster = new Cluster({ logCapacity: options.watchCacheSize });
  const auth = new TokenAuthenticator();
  const adminToken =
    state?.adminToken ?? `ksim-admin-${randomBytes(24).toString('hex')}`;
  auth.add(adminToken, 'kube-sim-admin', [ADMIN_GROUP]);
  for (const t of state?.tokens ?? []) auth.add(t.token, t.user, t.groups);
  if (state) cluster.restore(state);
  else bootstrap(cluster);

  const certificate = useHttps
    ? state?.certificate ?? (await generateCertificate(host))
    : undefined;
  const faults = {
    latencyMs: options.latencyMs ?? 0,
    failRate: options.failRate ?? 0,
  };
  let url = '';
  const controllersOption = options.controllers;
  const delayMs =
    typeof controllersOption === 'object'
      ? controllersOption.delayMs
      : undefined;
  const handler = new ApiHandler(
    cluster,
    auth,
    faults,
    () => new URL(url).host,
    {
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      kubelet: kubeletTiming(delayMs),
      log: process.env.KUBE_SIM_LOG
        ? line => process.stderr.write(`kube-sim: ${line}\n`)
        : undefined,
    },
  );
  const server = certificate
    ? https.createServer(
        { key: certificate.key, cert: certificate.cert },
        handler.handle,
      )
    : http.createServer(handler.handle);
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  url = `${useHttps ? 'https' : 'http'}://${urlHost}:${port}`;
  const caData = certificate
    ? Buffer.from(certificate.cert).toString('base64')
    : '';

  const stopControllers = controllersOption
    ? startControllers(cluster, {
        delayMs,
        events: options.events,
        registerToken: (token, user, groups) => auth.add(token, user, groups),
        caData: certificate?.cert ?? '',
      })
    : () => {};

  // Persist the state a short while after each change, and on stop.
  let saveTimer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  const save = async () => {
    if (!options.stateFile) return;
    const snapshot = cluster.snapshot();
    const content: StateFile = {
      version: 1,
      adminToken,
      certificate,
      tokens: auth.entries().filter(t => t.token !== adminToken),
      ...snapshot,
    };
    const file = options.stateFile;
    await fs.mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(content), { mode: 0o600 });
    await fs.rename(tmp, file);
  };
  const unsubscribe = options.stateFile
    ? cluster.store.subscribeAll(() => {
        if (saveTimer) return;
        saveTimer = setTimeout(() => {
          saveTimer = undefined;
          saving = saving.then(save, save);
        }, 200);
      })
    : () => {};

  const kubeconfig = (
    opts: { contextName?: string; token?: string; user?: string } = {},
  ) => {
    const context = opts.contextName ?? 'kube-sim';
    const user = opts.user ?? (opts.token ? 'user' : 'kube-sim-admin');
    return toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: context,
          cluster: {
            server: url,
            ...(caData ? { 'certificate-authority-data': caData } : {}),
          },
        },
      ],
      users: [{ name: user, user: { token: opts.token ?? adminToken } }],
      contexts: [
        {
          name: context,
          context: { cluster: context, user, namespace: 'default' },
        },
      ],
      'current-context': context,
      preferences: {},
    });
  };

  let stopped = false;
  return {
    url,
    adminToken,
    caData,
    kubeconfig,
    async writeKubeconfig(path, opts) {
      await fs.mkdir(dirname(path), { recursive: true });
      await fs.writeFile(path, kubeconfig(opts), { mode: 0o600 });
    },
    addToken(token, user, groups) {
      auth.add(token, user, groups);
      if (options.stateFile) saving = saving.then(save, save);
    },
    setFaults(next) {
      if (next.latencyMs !== undefined) faults.latencyMs = next.latencyMs;
      if (next.failRate !== undefined) faults.failRate = next.failRate;
    },
    dropWatches: () => handler.dropWatches(),
    async stop() {
      if (stopped) return;
      stopped = true;
      stopControllers();
      unsubscribe();
      if (saveTimer) clearTimeout(saveTimer);
      handler.dropWatches();
      cluster.stop();
      await saving;
      await save();
      await new Promise<void>(resolve => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
