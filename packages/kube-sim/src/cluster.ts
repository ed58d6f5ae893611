import { randomUUID } from 'node:crypto';
import {
  applyDefaults,
  Allocator,
  defaultJobSelector,
  defaultListKeys,
} from './defaults';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  forbidden,
  gone,
  invalid,
  notFound,
} from './errors';
import {
  decodeManagedFields,
  encodeManagedFields,
  FieldScope,
  recordUpdate,
} from './managedFields';
import {
  builtinResources,
  groupVersion,
  ResourceRegistry,
  ResourceType,
  StorageView,
} from './resources';
import { listTypesFromCrdSchema, SchemaContext } from './schema';
import {
  FieldRequirement,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  Requirement,
  SelectorError,
} from './selectors';
import { ApplyConflictError, serverSideApply } from './ssa';
import { Store, StoreEvent, WatchEventType } from './store';
import {
  jsonPatch,
  mergePatch,
  PatchError,
  strategicMerge,
} from './strategicMerge';
import {
  deepClone,
  deepEqual,
  FieldsV1,
  isPlainObject,
  KubeObject,
} from './types';
import { immutableFieldChanges } from './immutableFields';
import { validateObject } from './validation';
import {
  decoderMessage,
  FieldProblem,
  FieldValidation,
  findFieldProblems,
  goValue,
  schemaTypeCause,
} from './fieldValidation';

/** Options every write takes. */
export type WriteOptions = {
  dryRun?: boolean;
  fieldManager?: string;
};

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export type ListOptions = {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
};

export type WatchOptions = {
  labelSelector?: string;
  fieldSelector?: string;
  /** Resume after this version; unset or "0" starts with the current objects. */
  resourceVersion?: string;
};

export type WatchEvent = { type: WatchEventType; object: KubeObject };

/** Kubernetes' time format: RFC 3339, seconds precision. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Keeps an owner deleted in the foreground until its dependents are gone. */
const FOREGROUND_FINALIZER = 'foregroundDeletion';

const storeKeyOf = (type: ResourceType) => `${type.group}/${type.resource}`;

function objectKey(type: ResourceType, ns: string, name: string) {
  return `${storeKeyOf(type)}|${ns}|${name}`;
}

/** Resources whose objects carry metadata.generation. */
function hasGeneration(type: ResourceType): boolean {
  return (
    Boolean(type.custom) ||
    [
      'Deployment',
      'ReplicaSet',
      'StatefulSet',
      'DaemonSet',
      'Job',
      'CronJob',
      'Ingress',
      'HorizontalPodAutoscaler',
      'CustomResourceDefinition',
    ].includes(type.kind)
  );
}

function splitSelectors(
  type: ResourceType,
  opts: {
    labelSelector?: string;
    fieldSelector?: string;
  },
) {
  try {
    const fields = opts.fieldSelector
      ? parseFieldSelector(opts.fieldSelector)
      : [];
    const label = type.fieldLabel;
    return {
      labels: opts.labelSelector ? parseLabelSelector(opts.labelSelector) : [],
      fields: label
        ? fields.map(f => ({ ...f, path: label(f.path.join('.')).split('.') }))
        : fields,
    };
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}

function matches(
  obj: KubeObject,
  selectors: { labels: Requirement[]; fields: FieldRequirement[] },
): boolean {
  return (
    matchesLabels(selectors.labels, obj.metadata.labels) &&
    matchesFields(selectors.fields, obj)
  );
}

/**
 * The API semantics over the store: identity and versions, defaults,
 * validation, optimistic concurrency, managed fields and server-side apply,
 * finalizers, namespace lifecycle, garbage collection, CRDs.
 */
export class Cluster {
  readonly registry: ResourceRegistry;
  readonly store: Store;
  private readonly ownerIndex = new Map<string, Set<string>>();
  private readonly uidIndex = new Map<string, string>();
  private nextIp = 1;
  private nextNodePort = 30000;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  readonly allocate: Allocator = {
    clusterIP: () => {
      const n = this.nextIp++;
      return `10.96.${(n >> 8) & 255}.${n & 255}`;
    },
    nodePort: () => this.nextNodePort++,
  };

  constructor(options: { logCapacity?: number } = {}) {
    this.registry = new ResourceRegistry(builtinResources());
    this.store = new Store(options.logCapacity ?? 10_000);
    this.store.subscribeAll(event => this.onEvent(event));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(fn: () => void, ms = 0): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  schemaContext(type: ResourceType): SchemaContext {
    return {
      kind: type.kind,
      custom: type.custom,
      customListTypes: type.customListTypes,
    };
  }

  /** Looks a resource type up by apiVersion and kind. */
  typeFor(apiVersion: string, kind: string): ResourceType | undefined {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    return this.registry.byKind(group, kind);
  }

  // ---- reads ----------------------------------------------------------

  /** The object as served at a version: apiVersion and kind set. */
  private present(
    type: ResourceType,
    obj: KubeObject,
    version?: string,
  ): KubeObject {
    return {
      apiVersion: groupVersion(type.group, version ?? type.versions[0]),
      kind: type.kind,
      ...obj,
      ...(version ? { apiVersion: groupVersion(type.group, version) } : {}),
    };
  }

  /** Watches share one presented copy per stored object and version, so each serialises it once. */
  private readonly presented = new WeakMap<
    KubeObject,
    Map<string, KubeObject>
  >();

  private presentShared(
    type: ResourceType,
    obj: KubeObject,
    version?: string,
  ): KubeObject {
    let byVersion = this.presented.get(obj);
    if (!byVersion) {
      byVersion = new Map();
      this.presented.set(obj, byVersion);
    }
    const key = version ?? '';
    let shown = byVersion.get(key);
    if (!shown) {
      shown = this.present(type, obj, version);
      byVersion.set(key, shown);
    }
    return shown;
  }

  /** The stored resource a view (events.k8s.io/v1 Events) is served from. */
  private viewOf(
    type: ResourceType,
  ): { stored: ResourceType; view: StorageView } | undefined {
    if (!type.storage) return undefined;
    const stored = this.registry.get(type.storage.group, type.storage.resource);
    return stored ? { stored, view: type.storage } : undefined;
  }

  /** Converted views shared by every watch, so each serialises an event once. */
  private readonly viewed = new WeakMap<KubeObject, KubeObject>();

  private fromStoredShared(view: StorageView, obj: KubeObject): KubeObject {
    const cached = this.viewed.get(obj);
    if (cached) return cached;
    const shown = view.fromStored(obj);
    this.viewed.set(obj, shown);
    return shown;
  }

  /** A body written through a view, checked against the view and converted to its stored form. */
  private toStoredBody(
    type: ResourceType,
    view: StorageView,
    ns: string,
    body: unknown,
    name?: string,
  ): KubeObject {
    const obj = this.checkBody(type, ns, deepClone(body), name);
    return view.toStored({
      ...obj,
      apiVersion: groupVersion(type.group, type.versions[0]),
      kind: type.kind,
    });
  }

  getRaw(type: ResourceType, ns: string, name: string): KubeObject | undefined {
    const view = this.viewOf(type);
    if (view) return this.getRaw(view.stored, ns, name);
    return this.store.get(storeKeyOf(type), type.namespaced ? ns : '', name);
  }

  get(
    type: ResourceType,
    ns: string,
    name: string,
    version?: string,
  ): KubeObject {
    const view = this.viewOf(type);
    if (view) return view.view.fromStored(this.get(view.stored, ns, name));
    const obj = this.getRaw(type, ns, name);
    if (!obj) throw notFound(type.resource, name, type.group);
    return this.present(type, obj, version);
  }

  list(
    type: ResourceType,
    ns: string | undefined,
    opts: ListOptions = {},
    version?: string,
  ): KubeObject {
    const view = this.viewOf(type);
    if (view) {
      const list = this.list(view.stored, ns, opts);
      return {
        ...list,
        kind: type.listKind,
        apiVersion: groupVersion(type.group, version ?? type.versions[0]),
        items: (list.items as KubeObject[]).map(view.view.fromStored),
      };
    }
    const selectors = splitSelectors(type, opts);
    const all = this.store.list(
      storeKeyOf(type),
      type.namespaced ? ns : undefined,
    );
    let startAfter = '';
    if (opts.continue) {
      try {
        startAfter = JSON.parse(
          Buffer.from(opts.continue, 'base64').toString(),
        ).start;
      } catch {
        throw badRequest(
          `the continue token "${opts.continue}" is not valid; list again without it`,
        );
      }
    }
    const items: KubeObject[] = [];
    let remaining = 0;
    let lastKey = '';
    for (const obj of all) {
      const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
      if (startAfter && key <= startAfter) continue;
      if (!matches(obj, selectors)) continue;
      if (opts.limit && items.length >= opts.limit) {
        remaining++;
        continue;
      }
      items.push(type.custom ? this.present(type, obj, version) : obj);
      lastKey = key;
    }
    const metadata: Record<string, unknown> = {
      resourceVersion: String(this.store.currentRv),
    };
    if (remaining > 0) {
      metadata.continue = Buffer.from(
        JSON.stringify({ start: lastKey }),
      ).toString('base64');
      metadata.remainingItemCount = remaining;
    }
    return {
      kind: type.listKind,
      apiVersion: groupVersion(type.group, version ?? type.versions[0]),
      metadata,
      items,
    };
  }

  /**
   * Starts a watch. Events before `resourceVersion` that the log still holds
   * are replayed first; a version older than the log answers 410 Gone.
   * Returns a function that stops the watch.
   */
  watch(
    type: ResourceType,
    ns: string | undefined,
    opts: WatchOptions,
    send: (event: WatchEvent) => void,
    version?: string,
  ): () => void {
    const view = this.viewOf(type);
    if (view) {
      return this.watch(view.stored, ns, opts, event =>
        send({
          type: event.type,
          object: this.fromStoredShared(view.view, event.object),
        }),
      );
    }
    const selectors = splitSelectors(type, opts);
    const key = storeKeyOf(type);
    const inScope = (obj: KubeObject) =>
      !type.namespaced || ns === undefined || obj.metadata.namespace === ns;
    const deliver = (event: StoreEvent) => {
      if (!inScope(event.object)) return;
      const now = matches(event.object, selectors);
      const before = event.previous
        ? matches(event.previous, selectors)
        : false;
      let typeOut: WatchEventType | undefined;
      if (event.type === 'MODIFIED') {
        if (now && before) typeOut = 'MODIFIED';
        else if (now) typeOut = 'ADDED';
        else if (before) typeOut = 'DELETED';
      } else if (now) {
        typeOut = event.type;
      }
      if (typeOut)
        send({
          type: typeOut,
          object: this.presentShared(type, event.object, version),
        });
    };
    const rv = opts.resourceVersion;
    if (rv === undefined || rv === '' || rv === '0') {
      const existing = this.store.list(key, type.namespaced ? ns : undefined);
      for (const obj of existing) {
        if (matches(obj, selectors))
          send({ type: 'ADDED', object: this.present(type, obj, version) });
      }
      return this.store.subscribe(key, deliver);
    }
    const from = Number(rv);
    if (!Number.isInteger(from) || from < 0) {
      throw badRequest(
        `invalid resourceVersion "${rv}": expected a number from a list or watch`,
      );
    }
    const backlog = this.store.eventsSince(key, from);
    if (!backlog) {
      throw gone(
        `too old resource version: ${rv} (${this.store.oldestServable(key)})`,
      );
    }
    for (const event of backlog) deliver(event);
    return this.store.subscribe(key, deliver);
  }

  // ---- writes ---------------------------------------------------------

  private requireNamespace(
    type: ResourceType,
    ns: string,
    creating: boolean,
  ): void {
    if (!type.namespaced) return;
    if (!ns)
      throw badRequest(`${type.resource} are namespaced: name a namespace`);
    const namespace = this.store.get('/namespaces', '', ns);
    if (!namespace) throw notFound('namespaces', ns);
    if (creating && namespace.metadata.deletionTimestamp) {
      throw forbidden(
        `${type.resource} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
        { kind: type.resource, ...(type.group ? { group: type.group } : {}) },
      );
    }
  }

  private checkBody(
    type: ResourceType,
    ns: string,
    body: unknown,
    name?: string,
  ): KubeObject {
    if (!isPlainObject(body))
      throw badRequest(`the request body must be a ${type.kind} object`);
    const obj = body as KubeObject;
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw badRequest(
        `the kind "${obj.kind}" of the object does not match the resource ${type.resource} (kind ${type.kind}) of the request path`,
      );
    }
    if (obj.apiVersion !== undefined) {
      const ok = type.versions.some(
        v => groupVersion(type.group, v) === obj.apiVersion,
      );
      if (!ok) {
        throw badRequest(
          `the apiVersion "${
            obj.apiVersion
          }" of the object does not match the request path (${type.versions
            .map(v => groupVersion(type.group, v))
            .join(', ')})`,
        );
      }
    }
    if (type.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      obj.metadata.namespace = ns;
    } else {
      delete obj.metadata.namespace;
    }
    if (
      name !== undefined &&
      obj.metadata.name !== undefined &&
      obj.metadata.name !== name
    ) {
      throw badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (name !== undefined) obj.metadata.name = name;
    return obj;
  }

  create(
    type: ResourceType,
    ns: string,
    body: unknown,
    opts: WriteOptions & { manager: string },
    version?: string,
  ): KubeObject {
    if (type.createOnly)
      throw badRequest(
        `${type.resource} are reviews; they are answered, not stored`,
      );
    const view = this.viewOf(type);
    if (view) {
      return view.view.fromStored(
        this.create(
          view.stored,
          ns,
          this.toStoredBody(type, view.view, ns, body),
          opts,
        ),
      );
    }
    const obj = this.checkBody(type, ns, deepClone(body));
    const generateName = obj.metadata.generateName;
    if (!obj.metadata.name && generateName) {
      // As the API server does, a generated name that is taken is tried again.
      for (let attempt = 0; attempt < 8; attempt++) {
        obj.metadata.name = `${generateName}${randomSuffix()}`;
        if (!this.getRaw(type, ns, obj.metadata.name)) break;
      }
    }
    this.requireNamespace(type, ns, true);
    if (obj.metadata.name && this.getRaw(type, ns, obj.metadata.name)) {
      throw alreadyExists(type.resource, obj.metadata.name, type.group);
    }
    if (type.kind === 'Pod' && !type.custom) {
      this.admitServiceAccount(ns, obj, generateName);
    }
    obj.kind = type.kind;
    obj.apiVersion = groupVersion(type.group, version ?? type.versions[0]);
    this.recordUpdateManager(type, undefined, obj, 'all', {
      manager: opts.manager,
    });
    return this.commit(type, undefined, obj, opts);
  }

  /**
   * The ServiceAccount admission plugin: a pod naming a ServiceAccount that
   * does not exist is refused (`default` is left to the controllers, which
   * create it in every namespace).
   */
  private admitServiceAccount(
    ns: string,
    pod: KubeObject,
    generateName?: string,
  ): void {
    const account = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount;
    if (typeof account !== 'string' || !account || account === 'default')
      return;
    if (this.store.get('/serviceaccounts', ns, account)) return;
    const shown = generateName ?? pod.metadata.name ?? '';
    throw forbidden(
      `pods "${shown}" is forbidden: error looking up service account ${ns}/${account}: serviceaccount "${account}" not found`,
      { name: shown, kind: 'pods' },
    );
  }

  /**
   * Sets `next.metadata.managedFields` (next carries its served apiVersion):
   * the fields this Update changed from `live`, within `scope`, move to
   * `opts.manager`.
   */
  private recordUpdateManager(
    type: ResourceType,
    live: KubeObject | undefined,
    next: KubeObject,
    scope: FieldScope,
    opts: { manager: string; subresource?: string },
  ): void {
    const entries = recordUpdate({
      entries: decodeManagedFields(live?.metadata.managedFields),
      before: live,
      after: next,
      ctx: this.schemaContext(type),
      scope,
      manager: opts.manager,
      apiVersion: next.apiVersion!,
      subresource: opts.subresource,
      time: timestamp(),
    });
    next.metadata.managedFields = encodeManagedFields(entries);
  }

  /** PUT: replace the object (or only its status through the status subresource). */
  replace(
    type: ResourceType,
    ns: string,
    name: string,
    body: unknown,
    opts: WriteOptions & { manager: string; subresource?: string },
    version?: string,
  ): KubeObject {
    const view = this.viewOf(type);
    if (view) {
      return view.view.fromStored(
        this.replace(
          view.stored,
          ns,
          name,
          this.toStoredBody(type, view.view, ns, body, name),
          opts,
        ),
      );
    }
    const obj = this.checkBody(type, ns, deepClone(body), name);
    const live = this.getRaw(type, ns, name);
    // Like most built-in kinds, an update never creates: PUT to a missing object is 404.
    if (!live) throw notFound(type.resource, name, type.group);
    requireLatestVersion(type, name, obj, live);
    if (obj.metadata.uid && obj.metadata.uid !== live.metadata.uid) {
      throw conflict(
        type.resource,
        name,
        `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${live.metadata.uid}`,
        type.group,
      );
    }
    const next = this.scopeWrite(type, live, obj, opts.subresource);
    return this.commitUpdate(type, live, next, opts, version);
  }

  /** Keeps the parts of the live object that this endpoint may not change. */
  private scopeWrite(
    type: ResourceType,
    live: KubeObject,
    next: KubeObject,
    subresource?: string,
  ): KubeObject {
    if (subresource === 'status') {
      return { ...deepClone(live), status: next.status };
    }
    const result: KubeObject = { ...next, metadata: { ...next.metadata } };
    if (type.subresources.includes('status')) {
      if (live.status === undefined) delete result.status;
      else result.status = deepClone(live.status);
    }
    return result;
  }

  private commitUpdate(
    type: ResourceType,
    live: KubeObject,
    next: KubeObject,
    opts: WriteOptions & { manager: string; subresource?: string },
    version?: string,
  ): KubeObject {
    next.kind = type.kind;
    next.apiVersion = groupVersion(type.group, version ?? type.versions[0]);
    const scope = fieldScope(type, opts.subresource);
    if (
      next.metadata.managedFields === undefined ||
      deepEqual(next.metadata.managedFields, live.metadata.managedFields)
    ) {
      this.recordUpdateManager(type, live, next, scope, opts);
    }
    return this.commit(type, live, next, opts);
  }

  patch(
    type: ResourceType,
    ns: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    opts: WriteOptions & {
      manager: string;
      subresource?: string;
      force?: boolean;
      /** Check the patched object's fields (requests do; the controllers' own patches need not). */
      fieldValidation?: FieldValidation;
      /** Receives the fields dropped under `fieldValidation` Warn. */
      fieldWarnings?: FieldProblem[];
    },
    version?: string,
  ): KubeObject {
    const view = this.viewOf(type);
    if (view && patchType === 'apply') {
      const config = isPlainObject(patch)
        ? this.toStoredBody(type, view.view, ns, patch, name)
        : patch;
      return view.view.fromStored(
        this.patch(view.stored, ns, name, 'apply', config, opts),
      );
    }
    const live = this.getRaw(type, ns, name);
    if (patchType === 'apply')
      return this.apply(type, ns, name, live, patch, opts, version);
    if (!live) throw notFound(type.resource, name, type.group);
    const base = view
      ? this.get(type, ns, name)
      : this.present(type, live, version);
    let patched: unknown;
    try {
      if (patchType === 'json') patched = jsonPatch(base, patch);
      else if (patchType === 'merge') patched = mergePatch(base, patch);
      else {
        if (type.custom) {
          throw new ApiError(
            415,
            'UnsupportedMediaType',
            `strategic merge patch is not supported for custom resources (${type.resource}.${type.group}); use a JSON merge patch, a JSON patch or server-side apply`,
          );
        }
        patched = strategicMerge(base, patch, this.schemaContext(type));
      }
    } catch (e) {
      if (e instanceof PatchError) {
        throw new ApiError(
          422,
          'Invalid',
          `the patch for ${type.resource} "${name}" could not be applied: ${e.message}`,
        );
      }
      throw e;
    }
    if (opts.fieldValidation && !opts.subresource) {
      this.checkPatchedFields(type, patch, patched, opts, version);
    }
    if (view) return this.replace(type, ns, name, patched, opts);
    const obj = this.checkBody(type, ns, patched, name);
    requireLatestVersion(type, name, obj, live);
    const next = this.scopeWrite(type, live, obj, opts.subresource);
    return this.commitUpdate(type, live, next, opts, version);
  }

  /**
   * As the API server decodes a patched object: a value of the wrong type is
   * refused, undeclared fields are refused (Strict) or dropped.
   */
  private checkPatchedFields(
    type: ResourceType,
    patch: unknown,
    patched: unknown,
    opts: { fieldValidation?: FieldValidation; fieldWarnings?: FieldProblem[] },
    version?: string,
  ): void {
    const problems = findFieldProblems(
      { ...type, version: version ?? type.versions[0] },
      patched,
      { prune: opts.fieldValidation !== 'Strict' },
    );
    const typeProblems = problems.filter(p => p.problem === 'type');
    if (typeProblems.length && type.custom) {
      throw invalid(
        type.kind,
        String((patched as KubeObject)?.metadata?.name ?? ''),
        typeProblems.map(schemaTypeCause),
        type.group,
      );
    }
    const typeProblem = typeProblems[0];
    if (typeProblem) {
      throw new ApiError(
        422,
        'Invalid',
        ` "" is invalid: patch: Invalid value: ${JSON.stringify(
          goValue(patch),
        )}: ${decoderMessage(typeProblem)}`,
        {
          name: '',
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: `Invalid value: ${JSON.stringify(
                goValue(patch),
              )}: ${decoderMessage(typeProblem)}`,
              field: 'patch',
            },
          ],
        },
      );
    }
    if (problems.length === 0) return;
    if (opts.fieldValidation === 'Strict') {
      throw badRequest(
        `strict decoding error: ${problems.map(decoderMessage).join(', ')}`,
      );
    }
    if (opts.fieldValidation === 'Warn') opts.fieldWarnings?.push(...problems);
  }

  private apply(
    type: ResourceType,
    ns: string,
    name: string,
    live: KubeObject | undefined,
    body: unknown,
    opts: WriteOptions & {
      manager: string;
      subresource?: string;
      force?: boolean;
    },
    version?: string,
  ): KubeObject {
    if (!opts.fieldManager) {
      throw badRequest(
        'PATCH requests with the apply patch type (application/apply-patch+yaml) need a fieldManager query parameter',
      );
    }
    if (!isPlainObject(body) || !body.apiVersion || !body.kind) {
      throw badRequest(
        `an applied configuration must be a ${type.kind} object with apiVersion and kind`,
      );
    }
    const config = this.checkBody(type, ns, deepClone(body), name);
    if (live && opts.subresource !== 'status') {
      // metadata.resourceVersion in an applied configuration is a precondition.
      requireLatestVersion(type, name, config, live);
    }
    if (!live) {
      if (opts.subresource) throw notFound(type.resource, name, type.group);
      this.requireNamespace(type, ns, true);
    }
    defaultListKeys(type.kind, config);
    const scope = fieldScope(type, opts.subresource);
    const apiVersion = groupVersion(type.group, version ?? type.versions[0]);
    let result;
    try {
      result = serverSideApply({
        live,
        config,
        ctx: this.schemaContext(type),
        scope,
        manager: opts.manager,
        force: Boolean(opts.force),
        apiVersion,
        subresource: opts.subresource,
        time: timestamp(),
      });
    } catch (e) {
      if (e instanceof ApplyConflictError) {
        throw new ApiError(409, 'Conflict', e.message, {
          name,
          ...(type.group ? { group: type.group } : {}),
          kind: type.resource,
          causes: e.conflicts.map(c => ({
            type: 'FieldManagerConflict',
            message: `conflict with ${c.manager}`,
            field: c.field,
          })),
        });
      }
      throw e;
    }
    const next = result.object;
    next.kind = type.kind;
    next.apiVersion = apiVersion;
    next.metadata.name = name;
    if (type.namespaced) next.metadata.namespace = ns;
    next.metadata.managedFields = encodeManagedFields(result.managers);
    // Defaults filled in when apply creates the object belong to no manager, as in Kubernetes.
    return this.commit(type, live, next, opts);
  }

  /**
   * Validates, defaults and stores a new state of an object. Nothing is
   * stored (and no version spent) when it equals the live one or on dry runs.
   */
  private commit(
    type: ResourceType,
    live: KubeObject | undefined,
    next: KubeObject,
    opts: WriteOptions,
  ): KubeObject {
    const meta = next.metadata;
    if (live) {
      meta.name = live.metadata.name;
      meta.uid = live.metadata.uid;
      meta.creationTimestamp = live.metadata.creationTimestamp;
      if (live.metadata.deletionTimestamp)
        meta.deletionTimestamp = live.metadata.deletionTimestamp;
      else delete meta.deletionTimestamp;
      if (live.metadata.generation !== undefined)
        meta.generation = live.metadata.generation;
      if (live.metadata.generateName !== undefined)
        meta.generateName = live.metadata.generateName;
    } else {
      meta.uid = randomUUID();
      meta.creationTimestamp = timestamp();
      delete meta.deletionTimestamp;
      if (hasGeneration(type)) meta.generation = 1;
      else delete meta.generation;
    }
    delete meta.resourceVersion;
    delete meta.selfLink;
    applyDefaults(type.kind, next, this.allocate);
    if (!live && type.group === 'batch' && type.kind === 'Job')
      defaultJobSelector(next);
    if (type.kind === 'CustomResourceDefinition') this.prepareCrd(next, live);
    const causes = validateObject(next);
    if (live) {
      causes.push(...immutableFieldChanges(type.group, type.kind, live, next));
    }
    if (causes.length > 0)
      throw invalid(type.kind, meta.name ?? '', causes, type.group);
    if (live && hasGeneration(type) && specChanged(live, next)) {
      meta.generation = (live.metadata.generation ?? 0) + 1;
    }
    if (live) {
      const before = {
        ...live,
        metadata: { ...live.metadata, resourceVersion: undefined },
      };
      if (deepEqual(stripTimes(before), stripTimes(next)))
        return this.present(type, live);
    }
    if (
      live?.metadata.deletionTimestamp &&
      (meta.finalizers ?? []).length === 0
    ) {
      // The last finalizer is gone: the object goes away now.
      if (opts.dryRun) return this.present(type, next);
      meta.resourceVersion = String(this.store.nextRv());
      this.store.remove(storeKeyOf(type), next);
      return this.present(type, next);
    }
    if (opts.dryRun) {
      meta.resourceVersion = live?.metadata.resourceVersion ?? '';
      return this.present(type, next);
    }
    meta.resourceVersion = String(this.store.nextRv());
    this.store.put(storeKeyOf(type), next, live);
    return this.present(type, next);
  }

  /**
   * Stores an Event the simulated components record, without the generic
   * write path: an event they build needs no defaults, validation or field
   * merging, and they record many. Its managed fields are the writer's
   * Update, as the generic path would record them. Refused (like any
   * create) in a missing or terminating namespace, or when the name is taken.
   */
  createEvent(ns: string, event: KubeObject, manager: string): KubeObject {
    const type = this.registry.get('', 'events')!;
    this.requireNamespace(type, ns, true);
    const name = event.metadata.name!;
    if (this.getRaw(type, ns, name)) throw alreadyExists('events', name);
    const now = timestamp();
    const next: KubeObject = {
      ...event,
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        ...event.metadata,
        namespace: ns,
        uid: randomUUID(),
        creationTimestamp: now,
        resourceVersion: String(this.store.nextRv()),
        managedFields: [
          {
            manager,
            operation: 'Update',
            apiVersion: 'v1',
            time: now,
            fieldsType: 'FieldsV1',
            fieldsV1: plainFields(event),
          },
        ],
      },
    };
    this.store.put(storeKeyOf(type), next);
    return next;
  }

  /** Updates top-level fields of a recorded Event (its count and times), as `createEvent` stores it. */
  updateEvent(
    ns: string,
    name: string,
    changes: Record<string, unknown>,
    manager: string,
  ): KubeObject {
    const type = this.registry.get('', 'events')!;
    const live = this.getRaw(type, ns, name);
    if (!live) throw notFound('events', name);
    const now = timestamp();
    const managed = live.metadata.managedFields ?? [];
    const mine = managed.find(
      m => m.manager === manager && m.operation === 'Update',
    );
    const fieldsV1 = { ...mine?.fieldsV1 };
    for (const key of Object.keys(changes)) {
      if (changes[key] !== null && changes[key] !== undefined)
        fieldsV1[`f:${key}`] = plainFields(changes[key]);
    }
    const next: KubeObject = {
      ...live,
      ...changes,
      metadata: {
        ...live.metadata,
        resourceVersion: String(this.store.nextRv()),
        managedFields: [
          ...managed.filter(m => m !== mine),
          {
            manager,
            operation: 'Update',
            apiVersion: 'v1',
            time: now,
            fieldsType: 'FieldsV1',
            fieldsV1,
          },
        ],
      },
    };
    this.store.put(storeKeyOf(type), next, live);
    return next;
  }

  /**
   * Writes status on behalf of a controller: no managed-field conflicts.
   * `spec` fields are set in the same write (a pod's binding to its node
   * with the kubelet's first status).
   */
  writeStatus(
    type: ResourceType,
    live: KubeObject,
    status: unknown,
    manager: string,
    spec?: Record<string, unknown>,
  ): KubeObject {
    const next: KubeObject = { ...deepClone(live), status };
    if (spec) next.spec = { ...next.spec, ...spec };
    return this.commitUpdate(type, live, next, {
      manager,
      subresource: type.subresources.includes('status') ? 'status' : undefined,
    });
  }

  delete(
    type: ResourceType,
    ns: string,
    name: string,
    opts: WriteOptions & {
      propagationPolicy?: string;
      preconditions?: { uid?: string; resourceVersion?: string };
    } = {},
    version?: string,
  ): KubeObject {
    const view = this.viewOf(type);
    if (view)
      return view.view.fromStored(this.delete(view.stored, ns, name, opts));
    const live = this.getRaw(type, ns, name);
    if (!live) throw notFound(type.resource, name, type.group);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== live.metadata.uid) {
      throw conflict(
        type.resource,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid}`,
        type.group,
      );
    }
    if (
      pre.resourceVersion &&
      pre.resourceVersion !== live.metadata.resourceVersion
    ) {
      throw conflict(
        type.resource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
        type.group,
      );
    }
    if (
      type.kind === 'Namespace' &&
      ['default', 'kube-system', 'kube-public'].includes(name)
    ) {
      throw forbidden(
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        {
          name,
          kind: 'namespaces',
        },
      );
    }
    if (opts.dryRun) return this.present(type, live, version);
    const policy = opts.propagationPolicy ?? defaultPropagation(type);
    const uid = live.metadata.uid!;
    if (policy === 'Orphan') this.orphanDependents(uid);
    const finalizers = [...(live.metadata.finalizers ?? [])];
    if (
      policy === 'Foreground' &&
      type.kind !== 'Namespace' &&
      this.ownerIndex.get(uid)?.size
    ) {
      // The owner stays, being deleted, until its dependents are gone.
      if (live.metadata.deletionTimestamp)
        return this.present(type, live, version);
      const next = deepClone(live);
      next.metadata.deletionTimestamp = timestamp();
      next.metadata.deletionGracePeriodSeconds = 0;
      next.metadata.finalizers = [...finalizers, FOREGROUND_FINALIZER];
      next.metadata.resourceVersion = String(this.store.nextRv());
      this.store.put(storeKeyOf(type), next, live);
      this.later(() => this.deleteDependentsFirst(uid));
      return this.present(type, next, version);
    }
    if (type.kind === 'Namespace') {
      if (live.metadata.deletionTimestamp)
        return this.present(type, live, version);
      const next = deepClone(live);
      next.metadata.deletionTimestamp = timestamp();
      next.status = { ...next.status, phase: 'Terminating' };
      next.metadata.resourceVersion = String(this.store.nextRv());
      this.store.put(storeKeyOf(type), next, live);
      this.later(() => this.finalizeNamespace(name));
      return this.present(type, next, version);
    }
    if (finalizers.length > 0) {
      if (live.metadata.deletionTimestamp)
        return this.present(type, live, version);
      const next = deepClone(live);
      next.metadata.deletionTimestamp = timestamp();
      next.metadata.deletionGracePeriodSeconds = 0;
      next.metadata.resourceVersion = String(this.store.nextRv());
      this.store.put(storeKeyOf(type), next, live);
      return this.present(type, next, version);
    }
    const removed = deepClone(live);
    removed.metadata.resourceVersion = String(this.store.nextRv());
    this.store.remove(storeKeyOf(type), removed);
    return this.present(type, removed, version);
  }

  deleteCollection(
    type: ResourceType,
    ns: string | undefined,
    listOpts: ListOptions,
    opts: WriteOptions & { propagationPolicy?: string },
    version?: string,
  ): KubeObject {
    const view = this.viewOf(type);
    if (view) {
      const list = this.deleteCollection(view.stored, ns, listOpts, opts);
      return {
        ...list,
        kind: type.listKind,
        apiVersion: groupVersion(type.group, version ?? type.versions[0]),
        items: (list.items as KubeObject[]).map(view.view.fromStored),
      };
    }
    const list = this.list(type, ns, {
      labelSelector: listOpts.labelSelector,
      fieldSelector: listOpts.fieldSelector,
    });
    const items: KubeObject[] = [];
    for (const item of list.items as KubeObject[]) {
      try {
        items.push(
          this.delete(
            type,
            item.metadata.namespace ?? '',
            item.metadata.name!,
            opts,
            version,
          ),
        );
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { ...list, items };
  }

  // ---- lifecycle: namespaces, garbage collection, CRDs -------------------

  private finalizeNamespace(name: string): void {
    const namespace = this.store.get('/namespaces', '', name);
    if (!namespace?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const type of this.registry.all()) {
      if (!type.namespaced || type.createOnly) continue;
      for (const obj of this.store.list(storeKeyOf(type), name)) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue;
        this.delete(type, name, obj.metadata.name!, {
          propagationPolicy: 'Background',
        });
      }
    }
    if (remaining > 0) {
      this.later(() => this.finalizeNamespace(name), 20);
      return;
    }
    const removed = deepClone(namespace);
    removed.spec = { ...removed.spec, finalizers: [] };
    removed.metadata.resourceVersion = String(this.store.nextRv());
    this.store.remove('/namespaces', removed);
  }

  private orphanDependents(uid: string): void {
    for (const key of [...(this.ownerIndex.get(uid) ?? [])]) {
      const found = this.lookupKey(key);
      if (!found) continue;
      const next = deepClone(found.obj);
      next.metadata.ownerReferences = (
        next.metadata.ownerReferences ?? []
      ).filter(r => r.uid !== uid);
      if (next.metadata.ownerReferences.length === 0)
        delete next.metadata.ownerReferences;
      next.metadata.resourceVersion = String(this.store.nextRv());
      this.store.put(storeKeyOf(found.type), next, found.obj);
    }
  }

  private lookupKey(
    key: string,
  ): { type: ResourceType; obj: KubeObject } | undefined {
    const [storeKey, ns, name] = key.split('|');
    const slash = storeKey.indexOf('/');
    const type = this.registry.get(
      storeKey.slice(0, slash),
      storeKey.slice(slash + 1),
    );
    if (!type) return undefined;
    const obj = this.store.get(storeKey, ns, name);
    return obj ? { type, obj } : undefined;
  }

  private onEvent(event: StoreEvent): void {
    const obj = event.object;
    const slash = event.resourceKey.indexOf('/');
    const type = this.registry.get(
      event.resourceKey.slice(0, slash),
      event.resourceKey.slice(slash + 1),
    );
    if (!type) return;
    const key = objectKey(
      type,
      obj.metadata.namespace ?? '',
      obj.metadata.name!,
    );
    for (const ref of event.previous?.metadata.ownerReferences ?? []) {
      this.ownerIndex.get(ref.uid)?.delete(key);
    }
    if (event.type === 'DELETED') {
      for (const ref of obj.metadata.ownerReferences ?? []) {
        const dependents = this.ownerIndex.get(ref.uid);
        dependents?.delete(key);
        if (dependents && dependents.size === 0)
          this.later(() => this.finishForegroundDeletion(ref.uid));
      }
      this.uidIndex.delete(obj.metadata.uid!);
      const uid = obj.metadata.uid!;
      if (this.ownerIndex.get(uid)?.size)
        this.later(() => this.collectGarbage(uid));
      if (type.kind === 'CustomResourceDefinition') this.removeCrd(obj);
      return;
    }
    this.uidIndex.set(obj.metadata.uid!, key);
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.ownerIndex.get(ref.uid);
      if (!set) {
        set = new Set();
        this.ownerIndex.set(ref.uid, set);
      }
      set.add(key);
    }
    if (type.kind === 'CustomResourceDefinition') this.registerCrd(obj);
  }

  /**
   * Foreground deletion: the dependents of an owner being deleted go first
   * (in the foreground too when they have dependents of their own), those
   * with other owners only lose the reference; the owner goes when none is
   * left.
   */
  private deleteDependentsFirst(ownerUid: string): void {
    for (const key of [...(this.ownerIndex.get(ownerUid) ?? [])]) {
      const found = this.lookupKey(key);
      if (!found) continue;
      const refs = found.obj.metadata.ownerReferences ?? [];
      const others = refs.filter(
        r => r.uid !== ownerUid && this.uidIndex.has(r.uid),
      );
      try {
        if (others.length === 0) {
          if (!found.obj.metadata.deletionTimestamp) {
            this.delete(
              found.type,
              found.obj.metadata.namespace ?? '',
              found.obj.metadata.name!,
              {
                propagationPolicy: this.ownerIndex.get(found.obj.metadata.uid!)
                  ?.size
                  ? 'Foreground'
                  : 'Background',
              },
            );
          }
        } else {
          const next = deepClone(found.obj);
          next.metadata.ownerReferences = refs.filter(r => r.uid !== ownerUid);
          next.metadata.resourceVersion = String(this.store.nextRv());
          this.store.put(storeKeyOf(found.type), next, found.obj);
        }
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    this.finishForegroundDeletion(ownerUid);
  }

  /** Removes the foregroundDeletion finalizer of an owner whose dependents are all gone. */
  private finishForegroundDeletion(ownerUid: string): void {
    if (this.ownerIndex.get(ownerUid)?.size) return;
    const found = this.lookupKey(this.uidIndex.get(ownerUid) ?? '');
    const finalizers = found?.obj.metadata.finalizers ?? [];
    if (!found || !finalizers.includes(FOREGROUND_FINALIZER)) return;
    const next = deepClone(found.obj);
    next.metadata.finalizers = finalizers.filter(
      f => f !== FOREGROUND_FINALIZER,
    );
    if (next.metadata.finalizers.length === 0) {
      delete next.metadata.finalizers;
      next.metadata.resourceVersion = String(this.store.nextRv());
      this.store.remove(storeKeyOf(found.type), next);
      return;
    }
    next.metadata.resourceVersion = String(this.store.nextRv());
    this.store.put(storeKeyOf(found.type), next, found.obj);
  }

  /** Deletes dependents whose owners are all gone; drops dangling references otherwise. */
  private collectGarbage(ownerUid: string): void {
    const dependents = [...(this.ownerIndex.get(ownerUid) ?? [])];
    this.ownerIndex.delete(ownerUid);
    for (const key of dependents) {
      const found = this.lookupKey(key);
      if (!found) continue;
      const refs = found.obj.metadata.ownerReferences ?? [];
      const alive = refs.filter(r => this.uidIndex.has(r.uid));
      try {
        if (alive.length === 0) {
          if (!found.obj.metadata.deletionTimestamp) {
            this.delete(
              found.type,
              found.obj.metadata.namespace ?? '',
              found.obj.metadata.name!,
              { propagationPolicy: 'Background' },
            );
          }
        } else if (alive.length < refs.length) {
          const next = deepClone(found.obj);
          next.metadata.ownerReferences = alive;
          next.metadata.resourceVersion = String(this.store.nextRv());
          this.store.put(storeKeyOf(found.type), next, found.obj);
        }
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
  }

  /** Checks a CRD's names and fills in its status, as the apiextensions server does. */
  private prepareCrd(crd: KubeObject, live: KubeObject | undefined): void {
    const spec = crd.spec ?? {};
    const causes = [];
    const plural = spec.names?.plural;
    if (!spec.group)
      causes.push({
        field: 'spec.group',
        message: 'Required value',
        reason: 'FieldValueRequired',
      });
    if (!plural || !spec.names?.kind) {
      causes.push({
        field: 'spec.names',
        message: 'Required value: names.plural and names.kind are required',
        reason: 'FieldValueRequired',
      });
    }
    if (
      plural &&
      spec.group &&
      crd.metadata.name !== `${plural}.${spec.group}`
    ) {
      causes.push({
        field: 'metadata.name',
        message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`,
      });
    }
    if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
      causes.push({
        field: 'spec.scope',
        message: `Unsupported value: "${spec.scope}": supported values: "Cluster", "Namespaced"`,
        reason: 'FieldValueNotSupported',
      });
    }
    const versions = Array.isArray(spec.versions) ? spec.versions : [];
    if (versions.length === 0)
      causes.push({
        field: 'spec.versions',
        message: 'Required value: at least one version',
        reason: 'FieldValueRequired',
      });
    if (
      versions.length > 0 &&
      versions.filter((v: any) => v.storage).length !== 1
    ) {
      causes.push({
        field: 'spec.versions',
        message:
          'Invalid value: must have exactly one version marked as storage version',
      });
    }
    if (causes.length > 0)
      throw invalid(
        'CustomResourceDefinition',
        crd.metadata.name ?? '',
        causes,
        'apiextensions.k8s.io',
      );
    const existing = this.registry.get(spec.group, plural);
    if (!live && existing && !existing.custom) {
      throw invalid(
        'CustomResourceDefinition',
        crd.metadata.name!,
        [
          {
            field: 'spec.names.plural',
            message: `Invalid value: "${plural}": is already in use by a built-in resource`,
          },
        ],
        'apiextensions.k8s.io',
      );
    }
    spec.conversion ??= { strategy: 'None' };
    const accepted = {
      listKind: `${spec.names.kind}List`,
      singular: spec.names.kind.toLowerCase(),
      ...spec.names,
    };
    spec.names = accepted;
    const time =
      live?.status?.conditions?.[0]?.lastTransitionTime ?? timestamp();
    crd.status = {
      acceptedNames: accepted,
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
          lastTransitionTime: time,
        },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
          lastTransitionTime: time,
        },
      ],
      storedVersions: [versions.find((v: any) => v.storage)?.name],
    };
  }

  private registerCrd(crd: KubeObject): void {
    const spec = crd.spec;
    const served = (spec.versions as any[]).filter(v => v.served !== false);
    const storage = served.find(v => v.storage) ?? served[0];
    if (!storage) return;
    const ordered = [storage, ...served.filter(v => v !== storage)];
    const subresources = storage.subresources ?? {};
    this.registry.add({
      group: spec.group,
      versions: ordered.map(v => v.name),
      resource: spec.names.plural,
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      shortNames: spec.names.shortNames,
      categories: spec.names.categories,
      verbs: [
        'delete',
        'deletecollection',
        'get',
        'list',
        'patch',
        'create',
        'update',
        'watch',
      ],
      subresources: [
        ...(subresources.status ? ['status'] : []),
        ...(subresources.scale ? ['scale'] : []),
      ],
      custom: true,
      customListTypes: listTypesFromCrdSchema(storage.schema?.openAPIV3Schema),
      customSchemas: Object.fromEntries(
        served.map(v => [v.name, v.schema?.openAPIV3Schema]),
      ),
      printerColumns: storage.additionalPrinterColumns,
    });
  }

  private removeCrd(crd: KubeObject): void {
    const type = this.registry.get(crd.spec.group, crd.spec.names.plural);
    if (!type?.custom) return;
    for (const obj of this.store.list(storeKeyOf(type))) {
      const removed = deepClone(obj);
      removed.metadata.resourceVersion = String(this.store.nextRv());
      this.store.remove(storeKeyOf(type), removed);
    }
    this.registry.remove(type.group, type.resource);
  }

  // ---- state ----------------------------------------------------------

  /** Every stored object with its resource key, for persistence. */
  snapshot(): {
    resourceVersion: number;
    objects: Record<string, KubeObject[]>;
  } {
    const objects: Record<string, KubeObject[]> = {};
    for (const key of this.store.resourceKeys()) {
      const items = this.store.list(key);
      if (items.length > 0) objects[key] = items;
    }
    return { resourceVersion: this.store.currentRv, objects };
  }

  /** Restores a snapshot into an empty cluster: CRDs first, so their resources exist. */
  restore(snapshot: {
    resourceVersion: number;
    objects: Record<string, KubeObject[]>;
  }): void {
    const crdKey = 'apiextensions.k8s.io/customresourcedefinitions';
    const keys = [
      ...Object.keys(snapshot.objects).filter(k => k === crdKey),
      ...Object.keys(snapshot.objects).filter(k => k !== crdKey),
    ];
    for (const key of keys) {
      const objects = snapshot.objects[key];
      this.store.load(key, objects);
      const slash = key.indexOf('/');
      for (const obj of objects) {
        if (key === crdKey) this.registerCrd(obj);
        const type = this.registry.get(
          key.slice(0, slash),
          key.slice(slash + 1),
        );
        if (!type) continue;
        const okey = objectKey(
          type,
          obj.metadata.namespace ?? '',
          obj.metadata.name!,
        );
        this.uidIndex.set(obj.metadata.uid!, okey);
        for (const ref of obj.metadata.ownerReferences ?? []) {
          if (!this.ownerIndex.has(ref.uid))
            this.ownerIndex.set(ref.uid, new Set());
          this.ownerIndex.get(ref.uid)!.add(okey);
        }
        if (type.kind === 'Service')
          this.nextIp = Math.max(
            this.nextIp,
            ipNumber(obj.spec?.clusterIP) + 1,
          );
      }
    }
    while (this.store.currentRv < snapshot.resourceVersion) this.store.nextRv();
    this.store.setHistoryFloor(snapshot.resourceVersion);
    // Finish namespace deletions that were under way.
    for (const ns of this.store.list('/namespaces')) {
      if (ns.metadata.deletionTimestamp)
        this.later(() => this.finalizeNamespace(ns.metadata.name!));
    }
  }
}

/** The FieldsV1 of a value with no lists (an Event's fields but its metadata); null fields are not set. */
function plainFields(value: unknown): FieldsV1 {
  if (!isPlainObject(value)) return {};
  const out: FieldsV1 = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
    if (child === null || child === undefined) continue;
    out[`f:${key}`] = plainFields(child);
  }
  return out;
}

/**
 * The propagation of a delete that names none: batch/v1 Jobs keep their
 * pods (Kubernetes' legacy default, which kubectl overrides with
 * Background), everything else collects its dependents in the background.
 */
function defaultPropagation(type: ResourceType): string {
  return type.group === 'batch' && type.kind === 'Job'
    ? 'Orphan'
    : 'Background';
}

/** A write that names a resourceVersion must name the live one (optimistic concurrency). */
function requireLatestVersion(
  type: ResourceType,
  name: string,
  written: KubeObject,
  live: KubeObject,
): void {
  const requested = written.metadata.resourceVersion;
  if (requested && requested !== live.metadata.resourceVersion) {
    throw conflict(
      type.resource,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
      type.group,
    );
  }
}

function fieldScope(type: ResourceType, subresource?: string): FieldScope {
  if (subresource === 'status') return 'status';
  return type.subresources.includes('status') ? 'main' : 'all';
}

function ipNumber(ip: unknown): number {
  const m = typeof ip === 'string' ? /^10\.96\.(\d+)\.(\d+)$/.exec(ip) : null;
  return m ? Number(m[1]) * 256 + Number(m[2]) : 0;
}

/** Everything but metadata and status: a change here bumps metadata.generation. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !deepEqual(strip(a), strip(b));
}

function stripTimes(obj: KubeObject): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      managedFields: obj.metadata.managedFields?.map(entry => ({
        ...entry,
        time: undefined,
      })),
    },
  };
}

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters like Kubernetes' generateName suffixes. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++)
    out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}
