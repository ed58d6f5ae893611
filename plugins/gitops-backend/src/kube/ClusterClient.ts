import {
  AppsV1Api,
  Configuration,
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  V1APIResource,
} from '@kubernetes/client-node';
import { FIELD_MANAGER } from '@mooring/plugin-gitops-common';
import pRetry from 'p-retry';
import { recordKubeRequest } from '../metrics';
import { KubeObject, describeObject } from './kubeObject';

/** Exposes discovery, which the generic object API keeps to itself. */
/** The API verb of a call, from the words that describe it (a bounded set). */
function verbOf(what: string): string {
  const first = what.split(' ', 1)[0];
  switch (first) {
    case 'Applying':
    case 'Dry-run':
      return 'apply';
    case 'Reading':
      return 'get';
    case 'Listing':
      return 'list';
    case 'Deleting':
      return 'delete';
    case 'Creating':
      return 'create';
    case 'Replacing':
      return 'update';
    case 'Discovering':
      return 'discovery';
    case 'Patching':
      return 'patch';
    case 'Scaling':
      return 'update';
    default:
      return 'other';
  }
}

/**
 * Options for one write of `api` whose body goes to the server exactly as
 * written. client-node serializes built-in kinds through its models, which
 * drop the fields they do not declare, so a typo deep in a Deployment would
 * vanish instead of being refused by the server (and a CRD schema's
 * `x-kubernetes-*` and `$ref` fields would be lost).
 */
export function asWritten(
  api: KubernetesObjectApi,
  body: unknown,
): Configuration {
  const configuration = (api as unknown as { configuration: Configuration })
    .configuration;
  const server = configuration.baseServer;
  const json = JSON.stringify(body);
  return {
    ...configuration,
    baseServer: {
      makeRequestContext(endpoint, method) {
        const context = server.makeRequestContext(endpoint, method);
        const setBody = context.setBody.bind(context);
        context.setBody = () => setBody(json);
        return context;
      },
    },
  };
}

class DiscoveringObjectApi extends KubernetesObjectApi {
  discover(
    apiVersion: string,
    kind: string,
  ): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

/** What a direct request needs: the pool, where the server is, and the credentials' headers. */
interface DirectConnection {
  origin: string;
  /** The server URL's own path (a proxy's prefix), without a trailing slash. */
  prefix: string;
  headers: Record<string, string>;
  dispatcher: {
    request(options: {
      origin: string;
      path: string;
      method: string;
      headers: Record<string, string>;
      body: string;
    }): Promise<{
      statusCode: number;
      headers: Record<string, string | string[] | undefined>;
      body: { text(): Promise<string> };
    }>;
  };
}

/** A failure status of a direct request, shaped as `serverMessage` reads errors. */
class ServerAnswer {
  constructor(
    readonly code: number,
    readonly body: string,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {}

  get message() {
    return `HTTP-Code: ${this.code}`;
  }
}

/** How long the credentials' headers of direct requests are reused. */
const DIRECT_CONNECTION_TTL_MS = 5_000;

/** How long "not served" is trusted: a CRD applied since is seen soon after. */
const NOT_SERVED_TTL_MS = 10_000;

/** Status codes worth another try: throttling and server trouble. */
const TRANSIENT_CODES = new Set([429, 500, 502, 503, 504]);

/** The longest a `Retry-After` of the server is waited for before a try. */
const MAX_RETRY_AFTER_MS = 5_000;

/**
 * Which failures a call is sent again after. `transient`: reads and
 * idempotent writes (a server-side apply, a delete), after throttling,
 * server trouble or a lost connection; `unprocessed`: writes that must not
 * land twice (a create, whose `generateName` makes a second object; a patch;
 * a scale), only after an answer proving the server did not process the
 * request (429: API Priority and Fairness rejects before any work).
 */
type RetryPolicy = 'transient' | 'unprocessed';

/** How long the server asks to be left alone (`Retry-After`), in ms, if it says. */
function retryAfterOf(error: any): number | undefined {
  const headers = error?.headers ?? {};
  const header = Object.entries(headers).find(
    ([name]) => name.toLowerCase() === 'retry-after',
  )?.[1];
  let seconds = Number(header);
  if (!Number.isFinite(seconds)) {
    let body = error?.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        body = undefined;
      }
    }
    seconds = Number(body?.details?.retryAfterSeconds);
  }
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** An API server error with its status code and the server's own words. */
export class ClusterError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    /** The server's `Retry-After`, in ms, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ClusterError';
  }

  get transient() {
    // Server-side apply answers a body that does not fit the kind's schema
    // with a 500; sending it again cannot help.
    if (/failed to create typed patch object/.test(this.message)) return false;
    return this.code === undefined || TRANSIENT_CODES.has(this.code);
  }
}

function serverMessage(error: any): { code?: number; message: string } {
  const code = typeof error?.code === 'number' ? error.code : undefined;
  let message: string | undefined;
  const body = error?.body;
  if (typeof body === 'string') {
    try {
      message = JSON.parse(body)?.message;
    } catch {
      message = body.slice(0, 300);
    }
  } else if (body && typeof body === 'object') {
    message = body.message;
  }
  if (!message) {
    const text = String(error?.message ?? error);
    message = /HTTP-Code/.test(text) ? text.split('\n')[0] : text;
  }
  return { code: code && code >= 100 ? code : undefined, message };
}

/**
 * The values of a Secret as they may appear in the API server's words: a
 * refusal of a mistyped Secret quotes what it could not use (`.data:
 * expected map, got &{…}`), which is the secret itself. Every scalar below
 * `data` and `stringData`, and what a `data` value decodes to.
 */
function secretValues(object: KubeObject): string[] {
  if (object.kind !== 'Secret') return [];
  const values = new Set<string>();
  const collect = (value: unknown, encoded: boolean) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object') {
      for (const item of Object.values(value)) collect(item, encoded);
      return;
    }
    const text = String(value);
    values.add(text);
    const decoded = Buffer.from(text, 'base64');
    if (encoded && decoded.toString('base64') === text) {
      values.add(decoded.toString('utf8'));
    }
  };
  collect((object as any).data, true);
  collect((object as any).stringData, false);
  return [...values].filter(Boolean).sort((a, b) => b.length - a.length);
}

/** `message` with each of `values` replaced, whole words only for short ones. */
function redact(message: string, values: string[]): string {
  let redacted = message;
  for (const value of values) {
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern =
      value.length < 4
        ? new RegExp(`(?<![\\w])${escaped}(?![\\w])`, 'g')
        : new RegExp(escaped, 'g');
    redacted = redacted.replace(pattern, '[redacted]');
  }
  return redacted;
}

/**
 * client-node builds a new undici dispatcher, hence a new TLS connection, for
 * every request; the TLS options of one KubeConfig never change, so one
 * dispatcher (a keep-alive connection pool) serves all its requests.
 */
function reuseConnections(kubeConfig: KubeConfig) {
  const target = kubeConfig as unknown as {
    createDispatcher?: (cluster: unknown, options: unknown) => unknown;
    mooringReusesConnections?: boolean;
  };
  const create = target.createDispatcher?.bind(kubeConfig);
  if (!create || target.mooringReusesConnections) return;
  let dispatcher: unknown;
  target.createDispatcher = (cluster, options) => {
    dispatcher ??= create(cluster, options);
    return dispatcher;
  };
  target.mooringReusesConnections = true;
}

export interface ClusterClientOptions {
  name: string;
  kubeConfig: KubeConfig;
  /** Attempts for transient failures (429/5xx, connection errors). */
  attempts?: number;
}

/** What the engine asks of one cluster; every call is counted. */
export class ClusterClient {
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  private readonly api: DiscoveringObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly attempts: number;
  /** Kinds found not served, until when that answer is trusted. */
  private readonly notServed = new Map<string, number>();
  private readonly discovered = new Map<
    string,
    { plural: string; namespaced: boolean }
  >();
  /** Requests sent to the API server (discovery included), for the benchmark. */
  requestCount = 0;
  /** False once the kubeconfig turned out to have no connection pool of its own. */
  private directApplies = true;
  private directConnection?: { connection: DirectConnection; until: number };

  constructor(options: ClusterClientOptions) {
    this.name = options.name;
    this.kubeConfig = options.kubeConfig;
    reuseConnections(options.kubeConfig);
    this.api = options.kubeConfig.makeApiClient(DiscoveringObjectApi);
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.apps = options.kubeConfig.makeApiClient(AppsV1Api);
    this.attempts = options.attempts ?? 5;
  }

  /**
   * A client for the same cluster whose every request impersonates `user`
   * (e.g. `system:serviceaccount:payments:mooring`), so the cluster's own
   * RBAC judges it too.
   */
  impersonating(user: string): ClusterClient {
    const source = this.kubeConfig;
    const current = source.getCurrentUser();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: source.clusters,
      contexts: source.contexts,
      currentContext: source.currentContext,
      users: source.users.map(u =>
        u.name === current?.name ? { ...u, impersonateUser: user } : u,
      ),
    });
    return new ClusterClient({
      name: this.name,
      kubeConfig,
      attempts: this.attempts,
    });
  }

  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '';
  }

  /**
   * One API call, tried again as `retry` allows with jittered exponential
   * back-off (100 ms doubling to 2 s), after at least the server's
   * `Retry-After` (at most 5 s of it); the last failure is thrown.
   * `conflictsToo`: a 409 is worth another try as well (an apply that met a
   * concurrent write).
   */
  private call<T>(
    what: string,
    work: () => Promise<T>,
    options: {
      retry?: RetryPolicy;
      conflictsToo?: boolean;
      /** Never repeated in an error (a Secret's values). */
      secrets?: string[];
    } = {},
  ): Promise<T> {
    const policy = options.retry ?? 'transient';
    const worthRetrying = (failure: ClusterError) =>
      policy === 'unprocessed'
        ? failure.code === 429
        : failure.transient || (options.conflictsToo && failure.code === 409);
    return pRetry(
      async attempt => {
        this.requestCount++;
        const verb = verbOf(what);
        try {
          const result = await work();
          recordKubeRequest(this.name, verb, 200);
          return result;
        } catch (error) {
          const { code, message: said } = serverMessage(error);
          const message = redact(said, options.secrets ?? []);
          recordKubeRequest(this.name, verb, code ?? 'error');
          const failure = new ClusterError(
            `${what} failed on cluster ${this.name}${
              code ? ` (HTTP ${code})` : ''
            }: ${message}`,
            code,
            retryAfterOf(error),
          );
          if (!worthRetrying(failure) || attempt >= this.attempts) {
            throw new pRetry.AbortError(failure);
          }
          throw failure;
        }
      },
      {
        retries: this.attempts - 1,
        factor: 2,
        minTimeout: 100,
        maxTimeout: 2000,
        randomize: true,
        // p-retry waits for this before its own delay.
        onFailedAttempt: async failure => {
          const waitMs = (failure as unknown as ClusterError).retryAfterMs;
          if (waitMs) {
            await new Promise(resolve =>
              setTimeout(resolve, Math.min(waitMs, MAX_RETRY_AFTER_MS)),
            );
          }
        },
      },
    );
  }

  /** Plural name and scope of a kind, from discovery (cached). */
  async resourceOf(
    apiVersion: string,
    kind: string,
    options: { fresh?: boolean } = {},
  ): Promise<{ plural: string; namespaced: boolean }> {
    // A served kind keeps its plural and scope; one not served yet (its CRD
    // may come) is asked again next time (or at once when `fresh`).
    const key = `${apiVersion}/${kind}`;
    const known = this.discovered.get(key);
    if (known) return known;
    const missingUntil = this.notServed.get(key);
    if (
      !options.fresh &&
      missingUntil !== undefined &&
      Date.now() < missingUntil
    ) {
      throw this.notServedError(apiVersion, kind);
    }
    // A group/version the cluster does not serve at all answers 404, one it
    // serves without the kind answers without it: both mean "not served".
    const resource = await this.call(`Discovering ${apiVersion} ${kind}`, () =>
      this.api.discover(apiVersion, kind),
    ).catch(error => {
      if ((error as ClusterError).code === 404) return undefined;
      throw error;
    });
    if (!resource) {
      this.notServed.set(key, Date.now() + NOT_SERVED_TTL_MS);
      throw this.notServedError(apiVersion, kind);
    }
    const found = { plural: resource.name, namespaced: resource.namespaced };
    this.discovered.set(key, found);
    return found;
  }

  /** Server-side apply as field manager `mooring`, taking over conflicting fields. */
  async apply(
    object: KubeObject,
    options: { dryRun?: boolean } = {},
  ): Promise<KubeObject> {
    const body = { ...object, metadata: { ...object.metadata } };
    delete (body.metadata as any).resourceVersion;
    delete (body.metadata as any).managedFields;
    const direct = await this.directApply(body, options.dryRun);
    return this.call(
      `${options.dryRun ? 'Dry-run apply of' : 'Applying'} ${describeObject({
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
      })}`,
      direct ??
        (() =>
          this.api.patch(
            body as KubernetesObject,
            undefined,
            options.dryRun ? 'All' : undefined,
            FIELD_MANAGER,
            true,
            PatchStrategy.ServerSideApply,
            asWritten(this.api, body),
          ) as Promise<KubeObject>),
      // Applying the same object again is harmless: it is idempotent.
      { conflictsToo: true, secrets: secretValues(object) },
    );
  }

  /**
   * The apply as one plain request on the kubeconfig's own connection pool
   * (its TLS, credentials and impersonation): the body as written, the answer
   * as the server wrote it. client-node's generic path costs several times
   * the CPU per request (model (de)serialisation, fetch's web streams),
   * which dominated a fleet's cold start. Undefined (the generic path is
   * used) when the kind's plural is not known yet or the kubeconfig has no
   * connection pool of its own (a proxy, plain http).
   */
  private async directApply(
    body: KubeObject,
    dryRun: boolean | undefined,
  ): Promise<(() => Promise<KubeObject>) | undefined> {
    const known = this.discovered.get(`${body.apiVersion}/${body.kind}`);
    if (!known || !this.directApplies) return undefined;
    const connection = await this.connection();
    if (!connection) return undefined;
    const { origin, prefix, headers, dispatcher } = connection;
    const group = body.apiVersion.includes('/') ? 'apis' : 'api';
    const namespace = known.namespaced
      ? `/namespaces/${encodeURIComponent(
          body.metadata.namespace ||
            this.kubeConfig.getContextObject(this.kubeConfig.currentContext)
              ?.namespace ||
            'default',
        )}`
      : '';
    const path = `${prefix}/${group}/${body.apiVersion}${namespace}/${
      known.plural
    }/${encodeURIComponent(
      body.metadata.name,
    )}?fieldManager=${FIELD_MANAGER}&force=true${dryRun ? '&dryRun=All' : ''}`;
    const json = JSON.stringify(body);
    return async () => {
      const response = await dispatcher.request({
        origin,
        path,
        method: 'PATCH',
        headers: {
          ...headers,
          accept: 'application/json',
          'content-type': 'application/apply-patch+yaml',
        },
        body: json,
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) {
        // Read by `call` as client-node's ApiException is; no stack trace is
        // taken (refusals are answers, and a cold start meets thousands).
        throw new ServerAnswer(response.statusCode, text, response.headers);
      }
      return JSON.parse(text) as KubeObject;
    };
  }

  /**
   * The pool, origin and headers of direct requests, read again every few
   * seconds (a token from a file or a command may be renewed).
   */
  private async connection(): Promise<DirectConnection | undefined> {
    const cached = this.directConnection;
    if (cached && Date.now() < cached.until) return cached.connection;
    const connection = await this.readConnection();
    this.directConnection = connection && {
      connection,
      until: Date.now() + DIRECT_CONNECTION_TTL_MS,
    };
    return connection;
  }

  private async readConnection(): Promise<DirectConnection | undefined> {
    const context: {
      headers: Record<string, string>;
      dispatcher?: DirectConnection['dispatcher'];
    } = { headers: {} };
    await this.kubeConfig.applySecurityAuthentication({
      setHeaderParam(name: string, value: string) {
        context.headers[name] = value;
      },
      setDispatcher(dispatcher: unknown) {
        context.dispatcher = dispatcher as DirectConnection['dispatcher'];
      },
    } as any);
    if (!context.dispatcher?.request) {
      this.directApplies = false;
      return undefined;
    }
    const url = new URL(this.server);
    return {
      origin: url.origin,
      prefix: url.pathname.replace(/\/+$/, ''),
      headers: context.headers,
      dispatcher: context.dispatcher,
    };
  }

  /**
   * Creates an object (POST), as field manager `mooring`: for hooks, whose
   * `generateName` only a create honours, and for objects re-created.
   */
  async create(object: KubeObject): Promise<KubeObject> {
    const body = { ...object, metadata: { ...object.metadata } };
    delete (body.metadata as any).resourceVersion;
    delete (body.metadata as any).managedFields;
    delete (body.metadata as any).uid;
    delete (body.metadata as any).creationTimestamp;
    return this.call(
      `Creating ${describeObject({
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name ?? `${object.metadata.generateName}*`,
      })}`,
      () =>
        this.api.create(
          body as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          asWritten(this.api, body),
        ) as Promise<KubeObject>,
      // A create the server committed before failing would make a second
      // object of a generateName: sent again only when refused unprocessed.
      { retry: 'unprocessed', secrets: secretValues(object) },
    );
  }

  /**
   * Replaces an object (PUT) with `object` as it is, at the live version
   * `resourceVersion` (so a change made in between fails rather than being
   * overwritten unseen).
   */
  async replace(
    object: KubeObject,
    resourceVersion: string,
  ): Promise<KubeObject> {
    const body = {
      ...object,
      metadata: { ...object.metadata, resourceVersion },
    };
    delete (body.metadata as any).managedFields;
    return this.call(
      `Replacing ${describeObject({
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
      })}`,
      () =>
        this.api.replace(
          body as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          asWritten(this.api, body),
        ) as Promise<KubeObject>,
      // A replace that landed would fail its resourceVersion the second time.
      { retry: 'unprocessed', secrets: secretValues(object) },
    );
  }

  /** The live object, or undefined when it does not exist. */
  async get(object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  }): Promise<KubeObject | undefined> {
    try {
      return await this.call(
        `Reading ${describeObject({
          kind: object.kind,
          namespace: object.metadata.namespace,
          name: object.metadata.name,
        })}`,
        () =>
          this.api.read({
            apiVersion: object.apiVersion,
            kind: object.kind,
            metadata: { ...object.metadata },
          }) as Promise<KubeObject>,
      );
    } catch (error) {
      if ((error as ClusterError).code === 404) return undefined;
      throw error;
    }
  }

  /**
   * Deletes an object (background propagation); true when it was there.
   * With `uid`, the API server deletes it only while it is that very object
   * (a precondition), so one re-created in between is left alone.
   */
  async delete(
    object: {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace?: string };
    },
    options: { uid?: string } = {},
  ): Promise<boolean> {
    try {
      await this.call(
        `Deleting ${describeObject({
          kind: object.kind,
          namespace: object.metadata.namespace,
          name: object.metadata.name,
        })}`,
        () =>
          this.api.delete(
            {
              apiVersion: object.apiVersion,
              kind: object.kind,
              metadata: { ...object.metadata },
            },
            undefined,
            undefined,
            undefined,
            undefined,
            'Background',
            options.uid
              ? {
                  apiVersion: 'v1',
                  kind: 'DeleteOptions',
                  preconditions: { uid: options.uid },
                }
              : undefined,
          ),
      );
      return true;
    } catch (error) {
      if ((error as ClusterError).code === 404) return false;
      throw error;
    }
  }

  private notServedError(apiVersion: string, kind: string) {
    return new ClusterError(
      `Cluster ${this.name} does not serve ${kind} in ${apiVersion}; install its CRD first or fix apiVersion`,
      404,
    );
  }

  /** Creates a namespace unless it exists (not applied: Mooring does not own it). */
  async ensureNamespace(name: string): Promise<boolean> {
    const namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    };
    if (await this.get(namespace)) return false;
    try {
      await this.call(`Creating Namespace ${name}`, () =>
        this.api.create(namespace as KubernetesObject),
      );
      return true;
    } catch (error) {
      if ((error as ClusterError).code === 409) return false;
      throw error;
    }
  }

  /** Lists every object of a kind, in all namespaces. */
  /** Lists every object of a kind, in all namespaces or in `namespace`. */
  async list(apiVersion: string, kind: string, namespace?: string) {
    return this.call(
      `Listing ${kind} in ${apiVersion}${
        namespace ? ` in namespace ${namespace}` : ''
      }`,
      () => this.api.list<KubeObject>(apiVersion, kind, namespace),
    );
  }

  /**
   * A strategic merge patch as field manager `manager` (not `mooring`: a
   * person's action through Mooring must not look like Git's own fields).
   */
  async strategicPatch(
    object: {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace?: string };
    },
    patch: Record<string, unknown>,
    manager: string,
  ): Promise<KubeObject> {
    return this.call(
      `Patching ${describeObject({
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
      })}`,
      () =>
        this.api.patch(
          {
            apiVersion: object.apiVersion,
            kind: object.kind,
            metadata: { ...object.metadata },
            ...patch,
          } as KubernetesObject,
          undefined,
          undefined,
          manager,
          undefined,
          PatchStrategy.StrategicMergePatch,
        ) as Promise<KubeObject>,
      { retry: 'unprocessed' },
    );
  }

  /** Sets the replicas of a Deployment, StatefulSet or ReplicaSet through its scale subresource. */
  async scale(
    kind: 'Deployment' | 'StatefulSet' | 'ReplicaSet',
    namespace: string,
    name: string,
    replicas: number,
    manager: string,
  ): Promise<number> {
    const request = {
      name,
      namespace,
      fieldManager: manager,
      body: {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name, namespace },
        spec: { replicas },
      },
    };
    const scaled = await this.call(
      `Scaling ${describeObject({ kind, namespace, name })}`,
      () => {
        switch (kind) {
          case 'Deployment':
            return this.apps.replaceNamespacedDeploymentScale(request);
          case 'StatefulSet':
            return this.apps.replaceNamespacedStatefulSetScale(request);
          default:
            return this.apps.replaceNamespacedReplicaSetScale(request);
        }
      },
      { retry: 'unprocessed' },
    );
    return scaled.spec?.replicas ?? replicas;
  }

  /** The log of one container of a pod (the `pods/log` subresource), as text. */
  async podLog(options: {
    namespace: string;
    pod: string;
    container?: string;
    tailLines?: number;
    sinceSeconds?: number;
  }): Promise<string> {
    return this.call(
      `Reading the log of ${describeObject({
        kind: 'Pod',
        namespace: options.namespace,
        name: options.pod,
      })}`,
      () =>
        this.core.readNamespacedPodLog({
          name: options.pod,
          namespace: options.namespace,
          container: options.container,
          tailLines: options.tailLines,
          sinceSeconds: options.sinceSeconds,
        }),
    );
  }

  /** The core/v1 Events of a namespace. */
  async events(namespace: string): Promise<KubeObject[]> {
    const list = await this.call(
      `Listing Event in v1 in namespace ${namespace}`,
      () => this.core.listNamespacedEvent({ namespace }),
    );
    return list.items as unknown as KubeObject[];
  }
}
