import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { Cluster, PatchType, timestamp, WatchEvent } from './cluster';
import {
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
  KUBE_VERSION,
} from './discovery';
import {
  ApiError,
  badRequest,
  forbidden,
  invalid,
  methodNotAllowed,
  notFound,
} from './errors';
import {
  openApiV2Document,
  openApiV3Document,
  openApiV3Index,
} from './openapi';
import {
  Attributes,
  authorize,
  forbiddenMessage,
  rulesFor,
  UserInfo,
} from './rbac';
import { KubeletTiming, kubeletTiming } from './controllers/runtime';
import {
  containerLog,
  formatLine,
  LogLine,
  logContainer,
  LogOptions,
  parseLogOptions,
  selectLines,
} from './podLogs';
import { decodeKubernetesProtobuf } from './protobuf';
import { ResourceType } from './resources';
import { crdPrinter, IncludeObject, toTable, wantsTable } from './table';
import { jsonPatch, mergePatch } from './strategicMerge';
import { isPlainObject, KubeObject } from './types';
import {
  applyMessage,
  decoderMessage,
  FieldProblem,
  FieldValidation,
  findFieldProblems,
  schemaTypeCause,
} from './fieldValidation';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type Faults = { latencyMs: number; failRate: number };

/** A parsed resource request. */
type ResourceRequest = {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
};

/** Token → user. The admin token maps to `system:masters`. */
export class TokenAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();

  add(token: string, user: string, groups: string[] = []): void {
    const all = new Set([...groups, 'system:authenticated']);
    this.tokens.set(token, { name: user, groups: [...all] });
  }

  lookup(token: string): UserInfo | undefined {
    return this.tokens.get(token);
  }

  entries(): { token: string; user: string; groups: string[] }[] {
    return [...this.tokens].map(([token, info]) => ({
      token,
      user: info.name,
      groups: info.groups,
    }));
  }
}

/** The HTTP layer: authentication, faults, routing to discovery, OpenAPI and the cluster. */
export class ApiHandler {
  private readonly watches = new Set<() => void>();
  private bookmarkIntervalMs: number;
  private readonly log?: (line: string) => void;
  private readonly kubelet: KubeletTiming;

  constructor(
    private readonly cluster: Cluster,
    private readonly auth: TokenAuthenticator,
    readonly faults: Faults,
    private readonly serverAddress: () => string,
    options: {
      bookmarkIntervalMs?: number;
      log?: (line: string) => void;
      /** How the simulated node times container logs (from the controllers' delay). */
      kubelet?: KubeletTiming;
    } = {},
  ) {
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 10_000;
    this.log = options.log;
    this.kubelet = options.kubelet ?? kubeletTiming();
  }

  /** Closes every open watch (a dropped connection, as clients see it). */
  dropWatches(): number {
    const count = this.watches.size;
    for (const close of [...this.watches]) close();
    return count;
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.log) {
      const started = Date.now();
      res.on('finish', () =>
        this.log!(
          `${req.method} ${req.url} ${res.statusCode} ${
            Date.now() - started
          }ms accept=${req.headers.accept ?? ''} content-type=${
            req.headers['content-type'] ?? ''
          }`,
        ),
      );
    }
    const delay = this.faults.latencyMs;
    const run = () => {
      this.route(req, res).catch(error => this.fail(res, error));
    };
    if (delay > 0) setTimeout(run, delay);
    else run();
  };

  private send(
    res: ServerResponse,
    code: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      ...headers,
    });
    res.end(text);
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (error instanceof ApiError) {
      const headers: Record<string, string> = {};
      if (error.retryAfterSeconds !== undefined)
        headers['Retry-After'] = String(error.retryAfterSeconds);
      this.send(res, error.code, error.toStatus(), headers);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.send(
      res,
      500,
      new ApiError(
        500,
        'InternalError',
        `Internal error occurred: ${message}`,
      ).toStatus(),
    );
  }

  private authenticate(req: IncomingMessage): UserInfo | undefined {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m ? this.auth.lookup(m[1]) : undefined;
  }

  /** `kubectl --as=USER --as-group=GROUP`: act as another user when RBAC allows `impersonate`. */
  private impersonate(req: IncomingMessage, user: UserInfo): UserInfo {
    const as = req.headers['impersonate-user'];
    if (typeof as !== 'string' || as === '') return user;
    const raw = req.headers['impersonate-group'];
    const groups = [raw ?? []]
      .flat()
      .flatMap(g => g.split(','))
      .map(g => g.trim())
      .filter(Boolean);
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(as);
    const checks: Attributes[] = [
      sa
        ? {
            kind: 'resource',
            verb: 'impersonate',
            group: '',
            resource: 'serviceaccounts',
            namespace: sa[1],
            name: sa[2],
          }
        : {
            kind: 'resource',
            verb: 'impersonate',
            group: '',
            resource: 'users',
            name: as,
          },
      ...groups.map(g => ({
        kind: 'resource' as const,
        verb: 'impersonate',
        group: '',
        resource: 'groups',
        name: g,
      })),
    ];
    for (const attrs of checks) {
      if (!authorize(this.cluster.store, user, attrs))
        throw forbidden(forbiddenMessage(user, attrs));
    }
    const implied = sa
      ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`]
      : [];
    return {
      name: as,
      groups: [...new Set([...groups, ...implied, 'system:authenticated'])],
    };
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kube-sim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (['/version', '/healthz', '/livez', '/readyz'].includes(path)) {
      if (path === '/version') this.send(res, 200, KUBE_VERSION);
      else {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
      }
      return;
    }
    const authenticated = this.authenticate(req);
    if (!authenticated) {
      throw new ApiError(
        401,
        'Unauthorized',
        'Unauthorized: give a valid bearer token (the admin token is in the kubeconfig kube-sim wrote)',
      );
    }
    const user = this.impersonate(req, authenticated);
    const segments = path.split('/').filter(Boolean);
    const isDiscovery =
      path === '/api' ||
      path === '/apis' ||
      path.startsWith('/openapi') ||
      (segments[0] === 'api' && segments.length === 2) ||
      (segments[0] === 'apis' && segments.length <= 3);
    if (isDiscovery) {
      if (
        !authorize(this.cluster.store, user, {
          kind: 'nonResource',
          verb: 'get',
          path,
        })
      ) {
        throw forbidden(
          forbiddenMessage(user, { kind: 'nonResource', verb: 'get', path }),
        );
      }
      if (method !== 'GET')
        throw methodNotAllowed(
          `the server does not allow ${method} on ${path}`,
        );
      this.discovery(req, res, path, segments);
      return;
    }
    const parsed = this.parseResourcePath(segments);
    if (!parsed) {
      throw new ApiError(
        404,
        'NotFound',
        'the server could not find the requested resource',
        {},
      );
    }
    if (this.faults.failRate > 0 && Math.random() < this.faults.failRate) {
      throw injectedFault();
    }
    await this.resource(req, res, url, parsed, user);
  }

  private discovery(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    segments: string[],
  ): void {
    const registry = this.cluster.registry;
    let body: unknown;
    if (path === '/api') body = apiVersions(this.serverAddress());
    else if (path === '/apis') body = apiGroupList(registry);
    else if (segments[0] === 'api')
      body = apiResourceList(registry, '', segments[1]);
    else if (segments[0] === 'apis' && segments.length === 2)
      body = apiGroupDocument(registry, segments[1]);
    else if (segments[0] === 'apis' && segments.length === 3)
      body = apiResourceList(registry, segments[1], segments[2]);
    else if (path === '/openapi/v3') body = openApiV3Index(registry);
    else if (segments[0] === 'openapi' && segments[1] === 'v3') {
      const rest = segments.slice(2);
      if (rest[0] === 'api' && rest.length === 2)
        body = openApiV3Document(registry, '', rest[1]);
      if (rest[0] === 'apis' && rest.length === 3)
        body = openApiV3Document(registry, rest[1], rest[2]);
    } else if (path === '/openapi/v2') {
      const accept = req.headers.accept ?? '';
      if (accept && !accept.includes('json') && !accept.includes('*/*')) {
        throw new ApiError(
          406,
          'NotAcceptable',
          'only application/json is served at /openapi/v2; use /openapi/v3',
        );
      }
      body = openApiV2Document(registry);
    }
    if (body === undefined) {
      throw new ApiError(
        404,
        'NotFound',
        `the server could not find the requested resource (GET ${path})`,
      );
    }
    this.send(res, 200, body);
  }

  private parseResourcePath(segments: string[]): ResourceRequest | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 3) {
      group = '';
      version = segments[1];
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 4) {
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    const registry = this.cluster.registry;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const type = registry.find(group, version, rest[2]);
      if (type?.namespaced) {
        if (rest.length > 5) return undefined;
        return {
          type,
          version,
          namespace: rest[1],
          name: rest[3],
          subresource: rest[4],
        };
      }
    }
    const type = registry.find(group, version, rest[0]);
    if (!type || rest.length > 3) return undefined;
    if (type.namespaced && rest.length > 1) return undefined;
    return { type, version, name: rest[1], subresource: rest[2] };
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES)
        throw new ApiError(
          413,
          'RequestEntityTooLarge',
          'the request is larger than 3 MiB; split the object',
        );
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  private parseBody(data: Buffer, contentType: string): unknown {
    if (contentType.includes('protobuf')) {
      if (data.length === 0) return undefined;
      try {
        return decodeKubernetesProtobuf(data);
      } catch (e) {
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the protobuf request body could not be read: ${
            (e as Error).message
          }`,
        );
      }
    }
    if (contentType.includes('cbor')) {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unsupported format (${contentType}); send JSON or YAML`,
      );
    }
    const text = data.toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      return contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
    } catch (e) {
      throw badRequest(
        `the request body is not valid ${
          contentType.includes('yaml') ? 'YAML' : 'JSON'
        }: ${(e as Error).message}`,
      );
    }
  }

  /**
   * Checks a written object against its kind's type schema, as the API
   * server's decoders do. Values of the wrong type are always refused.
   * Undeclared fields are refused by server-side apply always (with
   * structured-merge-diff's words, as a 500 like Kubernetes answers), and by
   * create and update as `fieldValidation` asks: Strict refuses them, Warn
   * (the default) drops them with a `Warning` header, Ignore drops them.
   * Patches are checked on the patched object, in the cluster.
   */
  private checkFields(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    request: { version: string; namespace?: string; name?: string },
    verb: string,
    mode: FieldValidation,
    body: unknown,
  ): void {
    const contentType = String(req.headers['content-type'] ?? '');
    const isApply =
      verb === 'patch' && contentType.startsWith('application/apply-patch');
    if (type.createOnly || !(verb === 'create' || verb === 'update' || isApply))
      return;
    const target = { ...type, version: request.version };
    if (isApply) {
      const problems = findFieldProblems(target, body, {
        firstUnknownPerObject: true,
      });
      if (problems.length === 0) return;
      const gv = `${type.group}/${request.version}`;
      throw new ApiError(
        500,
        '',
        `failed to create typed patch object (${request.namespace ?? ''}/${
          request.name ?? ''
        }; ${gv}, Kind=${type.kind}): ${applyMessage(
          problems,
          this.cluster.schemaContext(type),
        )}`,
      );
    }
    const problems = findFieldProblems(target, body, {
      prune: mode !== 'Strict',
    });
    const cannotHandle = `${type.kind} in version "${request.version}" cannot be handled as a ${type.kind}`;
    const typeProblems = problems.filter(p => p.problem === 'type');
    if (typeProblems.length && type.custom) {
      // A custom resource is checked by its CRD's schema validation.
      throw invalid(
        type.kind,
        String((body as KubeObject).metadata?.name ?? request.name ?? ''),
        typeProblems.map(schemaTypeCause),
        type.group,
      );
    }
    const typeProblem = typeProblems[0];
    if (typeProblem) {
      throw badRequest(`${cannotHandle}: ${decoderMessage(typeProblem)}`);
    }
    if (problems.length === 0) return;
    if (mode === 'Strict') {
      throw badRequest(
        `${cannotHandle}: strict decoding error: ${problems
          .map(decoderMessage)
          .join(', ')}`,
      );
    }
    if (mode === 'Warn') {
      res.setHeader('Warning', problems.map(warningOf));
    }
  }

  private async resource(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    request: ResourceRequest,
    user: UserInfo,
  ): Promise<void> {
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const { type, version, namespace, name, subresource } = request;
    const watch = q.get('watch') === 'true' || q.get('watch') === '1';
    let verb: string;
    if (method === 'GET') verb = name ? 'get' : 'list';
    else if (method === 'POST') verb = 'create';
    else if (method === 'PUT') verb = 'update';
    else if (method === 'PATCH') verb = 'patch';
    else if (method === 'DELETE') verb = name ? 'delete' : 'deletecollection';
    else
      throw methodNotAllowed(`the server does not allow the method ${method}`);
    if (verb === 'list' && watch) verb = 'watch';
    if (method === 'POST' && name && subresource !== 'token') {
      throw methodNotAllowed(
        `POST is not allowed on a named ${type.kind}; use PUT or PATCH`,
      );
    }
    if (subresource && !type.subresources.includes(subresource)) {
      throw new ApiError(
        404,
        'NotFound',
        `the server could not find the requested resource (${type.resource}/${subresource})`,
      );
    }
    if (subresource && !name)
      throw badRequest('a subresource needs an object name');
    const attrs: Attributes = {
      kind: 'resource',
      verb,
      group: type.group,
      resource: type.resource,
      subresource,
      // As the real API server does, a request for one Namespace counts as
      // in that namespace, so a RoleBinding there may grant reading it.
      namespace:
        type.group === '' && type.resource === 'namespaces' && name
          ? name
          : namespace,
      name,
    };
    if (!authorize(this.cluster.store, user, attrs)) {
      throw forbidden(forbiddenMessage(user, attrs), {
        ...(name ? { name } : {}),
        ...(type.group ? { group: type.group } : {}),
        kind: type.resource,
      });
    }
    if (type.createOnly && verb !== 'create') {
      throw methodNotAllowed(`${type.resource} only support create`);
    }
    const dryRunValues = q.getAll('dryRun');
    if (dryRunValues.some(v => v !== 'All')) {
      throw badRequest(
        `unsupported dryRun value ${dryRunValues.join(
          ',',
        )}: the only supported value is "All"`,
      );
    }
    let dryRun = dryRunValues.length > 0;
    const manager =
      q.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']);
    const ns = namespace ?? '';
    const data = method === 'GET' ? Buffer.alloc(0) : await this.readBody(req);
    const body = this.parseBody(
      data,
      String(req.headers['content-type'] ?? 'application/json'),
    );
    const fieldValidation = fieldValidationOf(q);
    if (!subresource)
      this.checkFields(req, res, type, request, verb, fieldValidation, body);

    if (verb === 'watch') {
      this.watch(
        req,
        res,
        q,
        request,
        wantsTable(req.headers.accept) ? tableOptions(type, q) : undefined,
      );
      return;
    }
    if (type.createOnly) {
      this.send(res, 201, this.review(type, body, user));
      return;
    }
    if (subresource === 'token') {
      this.send(res, 201, this.tokenRequest(ns, name!, body));
      return;
    }
    if (subresource === 'log') {
      if (method !== 'GET')
        throw methodNotAllowed(`the log subresource only allows GET`);
      this.podLog(req, res, ns, name!, q);
      return;
    }
    if (subresource === 'scale') {
      this.send(
        res,
        200,
        this.scale(
          type,
          ns,
          name!,
          method,
          body,
          String(req.headers['content-type'] ?? ''),
          manager,
          dryRun,
        ),
      );
      return;
    }
    const listOpts = {
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      limit: q.get('limit') ? Number(q.get('limit')) : undefined,
      continue: q.get('continue') ?? undefined,
    };
    const table = wantsTable(req.headers.accept)
      ? tableOptions(type, q)
      : undefined;
    switch (verb) {
      case 'get': {
        const obj = this.cluster.get(type, ns, name!, version);
        this.send(
          res,
          200,
          table
            ? toTable(type, [obj], {
                ...table,
                resourceVersion: obj.metadata.resourceVersion,
              })
            : obj,
        );
        return;
      }
      case 'list': {
        const list = this.cluster.list(type, namespace, listOpts, version);
        if (table) {
          const shown = toTable(type, list.items, table);
          shown.metadata = list.metadata;
          this.send(res, 200, shown);
        } else {
          this.send(res, 200, list);
        }
        return;
      }
      case 'create': {
        const created = this.cluster.create(
          type,
          ns,
          body,
          { dryRun, manager, fieldManager: manager },
          version,
        );
        this.send(res, 201, created);
        return;
      }
      case 'update':
        this.send(
          res,
          200,
          this.cluster.replace(
            type,
            ns,
            name!,
            body,
            { dryRun, manager, subresource },
            version,
          ),
        );
        return;
      case 'patch': {
        const patchType = patchTypeOf(
          String(req.headers['content-type'] ?? ''),
        );
        const existed = Boolean(this.cluster.getRaw(type, ns, name!));
        const warnings: FieldProblem[] = [];
        const result = this.cluster.patch(
          type,
          ns,
          name!,
          patchType,
          body,
          {
            dryRun,
            manager,
            fieldManager: q.get('fieldManager') ?? undefined,
            force: q.get('force') === 'true',
            subresource,
            fieldValidation,
            fieldWarnings: warnings,
          },
          version,
        );
        if (warnings.length > 0)
          res.setHeader('Warning', warnings.map(warningOf));
        this.send(res, existed ? 200 : 201, result);
        return;
      }
      case 'delete':
      case 'deletecollection': {
        const options = isPlainObject(body) ? body : {};
        if (Array.isArray(options.dryRun) && options.dryRun.includes('All'))
          dryRun = true;
        const propagationPolicy =
          q.get('propagationPolicy') ??
          options.propagationPolicy ??
          (options.orphanDependents === true ? 'Orphan' : undefined);
        if (
          !propagationPolicy &&
          type.group === 'batch' &&
          type.kind === 'Job'
        ) {
          res.setHeader(
            'Warning',
            '299 - "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"',
          );
        }
        if (verb === 'delete') {
          const deleted = this.cluster.delete(
            type,
            ns,
            name!,
            { dryRun, propagationPolicy, preconditions: options.preconditions },
            version,
          );
          this.send(res, 200, deleted);
        } else {
          this.send(
            res,
            200,
            this.cluster.deleteCollection(
              type,
              namespace,
              listOpts,
              { dryRun, propagationPolicy },
              version,
            ),
          );
        }
        return;
      }
      default:
        throw methodNotAllowed(`the server does not allow ${verb}`);
    }
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    q: URLSearchParams,
    request: ResourceRequest,
    table?: TableOptions,
  ): void {
    const { type, version, namespace } = request;
    let stop: () => void = () => {};
    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const write = (
      event: WatchEvent | { type: 'ERROR' | 'BOOKMARK'; object: unknown },
    ) => {
      if (closed) return;
      if (
        table &&
        (event.type === 'ADDED' ||
          event.type === 'MODIFIED' ||
          event.type === 'DELETED')
      ) {
        const obj = event.object as KubeObject;
        const row = toTable(type, [obj], {
          ...table,
          resourceVersion: obj.metadata.resourceVersion,
        });
        res.write(`${JSON.stringify({ type: event.type, object: row })}\n`);
        return;
      }
      res.write(serializeEvent(event));
    };
    const close = () => {
      if (closed) return;
      closed = true;
      stop();
      for (const t of timers) clearTimeout(t);
      this.watches.delete(close);
      res.end();
    };
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    this.watches.add(close);
    req.on('close', close);
    res.on('close', close);
    try {
      stop = this.cluster.watch(
        type,
        namespace,
        {
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
          resourceVersion: q.get('resourceVersion') ?? undefined,
        },
        write,
        version,
      );
    } catch (error) {
      const status =
        error instanceof ApiError
          ? error.toStatus()
          : new ApiError(500, 'InternalError', String(error)).toStatus();
      write({ type: 'ERROR', object: status });
      close();
      return;
    }
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) timers.push(setTimeout(close, timeout * 1000));
    if (q.get('allowWatchBookmarks') === 'true') {
      const bookmark = () => {
        write({
          type: 'BOOKMARK',
          object: {
            kind: type.kind,
            apiVersion: type.group ? `${type.group}/${version}` : version,
            metadata: { resourceVersion: String(this.cluster.store.currentRv) },
          },
        });
        timers.push(setTimeout(bookmark, this.bookmarkIntervalMs));
      };
      timers.push(setTimeout(bookmark, this.bookmarkIntervalMs));
    }
    if (this.faults.failRate > 0 && Math.random() < this.faults.failRate) {
      timers.push(setTimeout(close, 200 + Math.random() * 2000));
    }
  }

  /**
   * GET pods/{name}/log: the simulated lines of a container (see podLogs),
   * as text; with `follow`, new lines as they are written, until the
   * container exits or the pod goes away.
   */
  private podLog(
    req: IncomingMessage,
    res: ServerResponse,
    ns: string,
    name: string,
    q: URLSearchParams,
  ): void {
    const pods = this.cluster.registry.get('', 'pods')!;
    const pod = this.cluster.get(pods, ns, name);
    const options = parseLogOptions(q, name);
    const { container, list } = logContainer(pod, options.container);
    if (options.previous) {
      throw badRequest(
        `previous terminated container "${container.name}" in pod "${name}" not found`,
      );
    }
    const headers = {
      'Content-Type': 'text/plain',
      'Cache-Control': 'no-cache, private',
    };
    // A pod not scheduled yet has no node to read from: an empty log.
    if (!pod.spec?.nodeName) {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    const now = Date.now();
    const first = containerLog(pod, container, list, this.kubelet, now);
    let budget = options.limitBytes ?? Infinity;
    const render = (lines: LogLine[]) => {
      let text = '';
      for (const line of lines) {
        if (budget <= 0) break;
        const formatted = formatLine(line, options.timestamps);
        const piece =
          formatted.length > budget
            ? Buffer.from(formatted).subarray(0, budget).toString()
            : formatted;
        budget -= Buffer.byteLength(piece);
        text += piece;
      }
      return text;
    };
    const initial = render(selectLines(first.lines, options, now));
    if (!options.follow || first.ended || budget <= 0) {
      res.writeHead(200, headers);
      res.end(initial);
      return;
    }
    res.writeHead(200, { ...headers, 'Transfer-Encoding': 'chunked' });
    if (initial) res.write(initial);
    else res.flushHeaders();
    this.followLog(req, res, pod, container, list, first.lines, first.next, {
      ...options,
      write: lines => {
        const text = render(lines);
        if (text) res.write(text);
        return budget > 0;
      },
    });
  }

  private followLog(
    req: IncomingMessage,
    res: ServerResponse,
    pod: KubeObject,
    container: any,
    list: 'containers' | 'initContainers',
    sent: LogLine[],
    next: number | undefined,
    options: LogOptions & { write: (lines: LogLine[]) => boolean },
  ): void {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    const uid = pod.metadata.uid;
    let lastTime = sent.length ? sent[sent.length - 1].time : -Infinity;
    let atLastTime = sent.filter(l => l.time === lastTime).length;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let unsubscribe = () => {};
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.watches.delete(close);
      res.end();
    };
    const tick = () => {
      timer = undefined;
      if (closed) return;
      const live = this.cluster.getRaw(
        this.cluster.registry.get('', 'pods')!,
        ns,
        name,
      );
      if (!live || live.metadata.uid !== uid) {
        close();
        return;
      }
      let log;
      try {
        log = containerLog(live, container, list, this.kubelet);
      } catch {
        close();
        return;
      }
      let seenAtLast = 0;
      const fresh = log.lines.filter(l => {
        if (l.time > lastTime) return true;
        if (l.time === lastTime) return ++seenAtLast > atLastTime;
        return false;
      });
      if (fresh.length > 0) {
        const newest = fresh[fresh.length - 1].time;
        atLastTime =
          (newest === lastTime ? atLastTime : 0) +
          fresh.filter(l => l.time === newest).length;
        lastTime = newest;
        if (!options.write(fresh)) {
          close();
          return;
        }
      }
      if (log.ended) {
        close();
        return;
      }
      if (log.next !== undefined)
        timer = setTimeout(tick, Math.max(0, log.next - Date.now()));
    };
    // The pod changing (its container exiting, the pod deleted) is looked at at once.
    unsubscribe = this.cluster.store.subscribe('/pods', event => {
      const obj = event.object;
      if (obj.metadata.namespace !== ns || obj.metadata.name !== name) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(tick, 0);
    });
    this.watches.add(close);
    req.on('close', close);
    res.on('close', close);
    if (next !== undefined)
      timer = setTimeout(tick, Math.max(0, next - Date.now()));
  }

  private review(
    type: ResourceType,
    body: unknown,
    user: UserInfo,
  ): KubeObject {
    const review = (isPlainObject(body) ? body : {}) as KubeObject;
    const base = {
      apiVersion: `${type.group}/v1`,
      kind: type.kind,
      metadata: { creationTimestamp: null as any },
    };
    if (type.kind === 'SelfSubjectReview') {
      return {
        ...base,
        status: { userInfo: { username: user.name, groups: user.groups } },
      };
    }
    const spec = review.spec ?? {};
    if (type.kind === 'SelfSubjectRulesReview') {
      const rules = rulesFor(this.cluster.store, user, spec.namespace);
      const admin = user.groups.includes('system:masters');
      return {
        ...base,
        spec,
        status: {
          resourceRules: admin
            ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]
            : rules
                .filter(r => r.resources)
                .map(r => ({
                  verbs: r.verbs,
                  apiGroups: r.apiGroups,
                  resources: r.resources,
                  ...(r.resourceNames
                    ? { resourceNames: r.resourceNames }
                    : {}),
                })),
          nonResourceRules: admin
            ? [{ verbs: ['*'], nonResourceURLs: ['*'] }]
            : rules
                .filter(r => r.nonResourceURLs)
                .map(r => ({
                  verbs: r.verbs,
                  nonResourceURLs: r.nonResourceURLs,
                })),
          incomplete: false,
        },
      };
    }
    let attrs: Attributes;
    if (spec.nonResourceAttributes) {
      attrs = {
        kind: 'nonResource',
        verb: spec.nonResourceAttributes.verb ?? 'get',
        path: spec.nonResourceAttributes.path ?? '/',
      };
    } else if (spec.resourceAttributes) {
      const r = spec.resourceAttributes;
      attrs = {
        kind: 'resource',
        verb: r.verb ?? 'get',
        group: r.group ?? '',
        resource: r.resource ?? '',
        subresource: r.subresource || undefined,
        namespace: r.namespace || undefined,
        name: r.name || undefined,
      };
    } else {
      throw badRequest(
        'a SelfSubjectAccessReview needs spec.resourceAttributes or spec.nonResourceAttributes',
      );
    }
    const allowed = authorize(this.cluster.store, user, attrs);
    return {
      ...base,
      spec,
      status: allowed
        ? { allowed: true, reason: 'RBAC: allowed by a matching rule' }
        : { allowed: false },
    };
  }

  private tokenRequest(ns: string, name: string, body: unknown): KubeObject {
    const sa = this.cluster.getRaw(
      this.cluster.registry.get('', 'serviceaccounts')!,
      ns,
      name,
    );
    if (!sa) throw notFound('serviceaccounts', name);
    const request = (isPlainObject(body) ? body : {}) as KubeObject;
    const seconds = Number(request.spec?.expirationSeconds ?? 3600);
    const token = `ksim-sa-${randomBytes(24).toString('hex')}`;
    this.auth.add(token, `system:serviceaccount:${ns}:${name}`, [
      'system:serviceaccounts',
      `system:serviceaccounts:${ns}`,
    ]);
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name, namespace: ns, creationTimestamp: timestamp() },
      spec: {
        audiences: request.spec?.audiences ?? [
          'https://kubernetes.default.svc',
        ],
        expirationSeconds: seconds,
        boundObjectRef: null,
      },
      status: {
        token,
        expirationTimestamp: timestamp(new Date(Date.now() + seconds * 1000)),
      },
    };
  }

  private scale(
    type: ResourceType,
    ns: string,
    name: string,
    method: string,
    body: unknown,
    contentType: string,
    manager: string,
    dryRun: boolean,
  ): KubeObject {
    const toScale = (obj: KubeObject): KubeObject => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: {
        replicas: obj.status?.replicas ?? 0,
        selector: Object.entries<string>(obj.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      },
    });
    const live = this.cluster.get(type, ns, name);
    if (method === 'GET') return toScale(live);
    let replicas: unknown;
    if (method === 'PUT') replicas = (body as any)?.spec?.replicas;
    else if (method === 'PATCH') {
      const patchType = patchTypeOf(contentType);
      const patched: any =
        patchType === 'json'
          ? jsonPatch(toScale(live), body)
          : mergePatch(toScale(live), body);
      replicas = patched?.spec?.replicas;
    } else
      throw methodNotAllowed(`the scale subresource does not allow ${method}`);
    if (typeof replicas !== 'number' || replicas < 0) {
      throw badRequest(
        `spec.replicas of the Scale for ${type.resource} "${name}" must be a number of 0 or more`,
      );
    }
    const updated = this.cluster.patch(
      type,
      ns,
      name,
      'merge',
      { spec: { replicas } },
      { manager, dryRun },
    );
    return toScale(updated);
  }
}

/** One JSON line per watch event; the same event object going to many watches is serialised once. */
const serialized = new WeakMap<object, Map<string, string>>();

function serializeEvent(event: { type: string; object: unknown }): string {
  const object = event.object as object;
  let byType = serialized.get(object);
  if (!byType) {
    byType = new Map();
    serialized.set(object, byType);
  }
  let line = byType.get(event.type);
  if (line === undefined) {
    line = `${JSON.stringify(event)}\n`;
    byType.set(event.type, line);
  }
  return line;
}

type TableOptions = {
  includeObject: IncludeObject;
  printer?: ReturnType<typeof crdPrinter>;
};

function tableOptions(type: ResourceType, q: URLSearchParams): TableOptions {
  const include = q.get('includeObject');
  return {
    includeObject:
      include === 'None' || include === 'Object' ? include : 'Metadata',
    printer: type.custom ? crdPrinter(type.printerColumns) : undefined,
  };
}

function patchTypeOf(contentType: string): PatchType {
  const ct = contentType.split(';')[0].trim();
  switch (ct) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format (${
          ct || 'no Content-Type'
        }) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

/** Kubernetes names an unnamed manager after the client: `kubectl/v1.32 (…)` → `kubectl`. */
/** The `fieldValidation` query parameter; Warn when absent, as in Kubernetes. */
function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const mode = q.get('fieldValidation') ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
    throw badRequest(
      `fieldValidation must be Strict, Warn or Ignore, not "${mode}"`,
    );
  }
  return mode;
}

/** A `Warning` header value for a dropped field, as the API server words it. */
function warningOf(problem: FieldProblem): string {
  return `299 - ${JSON.stringify(decoderMessage(problem))}`;
}

function managerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? 'unknown').split('/')[0].trim();
  return prefix.slice(0, 128) || 'unknown';
}

function injectedFault(): ApiError {
  const pick = Math.floor(Math.random() * 3);
  if (pick === 0) {
    return new ApiError(
      429,
      'TooManyRequests',
      'kube-sim: injected fault: too many requests, retry after 1 second',
      { retryAfterSeconds: 1 },
      1,
    );
  }
  if (pick === 1) {
    return new ApiError(
      503,
      'ServiceUnavailable',
      'kube-sim: injected fault: the server is temporarily unavailable, retry after 1 second',
      { retryAfterSeconds: 1 },
      1,
    );
  }
  return new ApiError(
    500,
    'InternalError',
    'kube-sim: injected fault: internal error',
  );
}
