import { ResponseError } from '@backstage/errors';
import type {
  Application,
  ApplicationResource,
  DeliveryInsights,
  EntityAnnotationError,
  Operation,
  ResourceChange,
  ResourceDiff,
  SyncRequest,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type {
  ApplicationQuery,
  GitopsApi,
  InsightsQuery,
  KubernetesEvent,
  LogsRequest,
  ResourceActionRequest,
  ResourceIdentity,
  ResourceManifests,
} from '../api';
import { makeOperation } from './fixtures';

async function httpError(status: number, name: string, message: string) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        request: { method: 'POST', url: '/api/gitops' },
        response: { statusCode: status },
      }),
      {
        status,
        statusText: name,
        headers: { 'Content-Type': 'application/json' },
      },
    ) as any,
  );
}

/**
 * An in-memory GitopsApi that behaves like the backend: syncs start a Running operation
 * that the test finishes with `finishOperation`, dry runs answer with the preview.
 */
export class FakeGitopsApi implements GitopsApi {
  apps: Application[];
  runs: Record<string, SyncRun[]> = {};
  resources: Record<string, ApplicationResource[]> = {};
  diffs: Record<string, ResourceDiff[]> = {};
  /** What a dry run reports. */
  preview: ResourceChange[] = [];
  /** When set, getApplications fails with it. */
  listError?: Error;
  /** Annotation errors the list reports. */
  annotationErrors: EntityAnnotationError[] = [];
  calls: { method: string; args: unknown[] }[] = [];
  /** Manifests by `kind/namespace/name`. */
  manifests: Record<string, ResourceManifests> = {};
  /** Events by `kind/namespace/name` of the object asked for (children included). */
  events: Record<string, KubernetesEvent[]> = {};
  /** Log text by `pod/container`. */
  logs: Record<string, string> = {};
  /** When set, runAction fails with it. */
  actionError?: Error;
  /** Who the fake backend says pressed a button. */
  user = 'user:default/guest';
  /**
   * Delivery figures by entity ref (and `entityRef|target` for one target);
   * anything else has no history.
   */
  insights: Record<string, DeliveryInsights> = {};

  constructor(apps: Application[]) {
    this.apps = apps.map(a => structuredClone(a));
  }

  private record(method: string, ...args: unknown[]) {
    this.calls.push({ method, args });
  }

  callsTo(method: string) {
    return this.calls.filter(c => c.method === method);
  }

  private find(id: string): Application {
    const app = this.apps.find(a => a.id === id);
    if (!app) throw new Error(`no app ${id}`);
    return app;
  }

  async getApplications(entityRef: string) {
    this.record('getApplications', entityRef);
    if (this.listError) throw this.listError;
    return structuredClone({
      items: this.apps.filter(a => a.entityRef === entityRef),
      errors: this.annotationErrors.filter(e => e.entityRef === entityRef),
    });
  }

  async getApplication(id: string) {
    this.record('getApplication', id);
    return structuredClone(this.find(id));
  }

  async getResources(id: string) {
    this.record('getResources', id);
    return structuredClone(this.resources[id] ?? []);
  }

  async getDiff(id: string) {
    this.record('getDiff', id);
    return structuredClone(this.diffs[id] ?? []);
  }

  async getHistory(id: string) {
    this.record('getHistory', id);
    return structuredClone(this.runs[id] ?? []);
  }

  async sync(id: string, request: SyncRequest): Promise<Operation> {
    this.record('sync', id, request);
    const app = this.find(id);
    if (request.dryRun) {
      return makeOperation({
        id: `dry-${this.calls.length}`,
        phase: 'Succeeded',
        dryRun: true,
        prune: !!request.prune,
        revision: request.revision ?? app.status.targetRevision ?? '',
        changes: structuredClone(this.preview),
        progress: undefined,
      });
    }
    return this.start(app, request.revision ?? app.status.targetRevision ?? '');
  }

  async rollback(id: string, runId: string): Promise<Operation> {
    this.record('rollback', id, runId);
    const app = this.find(id);
    const run = (this.runs[id] ?? []).find(r => r.id === runId);
    if (!run) throw await httpError(404, 'NotFoundError', `No run ${runId}`);
    return this.start(app, run.revision);
  }

  async refresh(id: string) {
    this.record('refresh', id);
  }

  async terminate(id: string): Promise<Operation> {
    this.record('terminate', id);
    const app = this.find(id);
    const operation = app.status.operation;
    if (!operation || operation.phase !== 'Running') {
      throw await httpError(
        409,
        'ConflictError',
        `No operation of ${app.entityRef} (${app.target}) is running`,
      );
    }
    app.status.operation = {
      ...operation,
      phase: 'Failed',
      finishedAt: new Date().toISOString(),
      message: `Terminated by ${this.user}`,
      waitingFor: undefined,
    };
    return structuredClone(app.status.operation);
  }

  async suspend(id: string, reason: string): Promise<Application> {
    this.record('suspend', id, reason);
    const app = this.find(id);
    app.status.automation = {
      ...app.status.automation,
      suspended: true,
      reason,
      by: this.user,
      at: new Date().toISOString(),
    };
    return structuredClone(app);
  }

  async resume(id: string, reason?: string): Promise<Application> {
    this.record('resume', id, reason);
    const app = this.find(id);
    const { window, manualSyncBlocked } = app.status.automation ?? {};
    app.status.automation = { suspended: false, window, manualSyncBlocked };
    return structuredClone(app);
  }

  async listApplications(query: ApplicationQuery) {
    this.record('listApplications', query);
    if (this.listError) throw this.listError;
    const q = query.q?.toLowerCase();
    const matching = this.apps.filter(
      a =>
        (!query.cluster || a.destination.cluster === query.cluster) &&
        (!query.namespace || a.destination.namespace === query.namespace) &&
        (!query.sync || a.status.sync === query.sync) &&
        (!query.health || a.status.health === query.health) &&
        (!q || `${a.entityRef} ${a.target}`.toLowerCase().includes(q)),
    );
    const start = query.cursor ? Number(query.cursor) : 0;
    const limit = query.limit ?? 50;
    const end = start + limit;
    return structuredClone({
      items: matching.slice(start, end),
      ...(end < matching.length ? { nextCursor: String(end) } : {}),
    });
  }

  async getManifests(id: string, resource: ResourceIdentity) {
    this.record('getManifests', id, resource);
    this.find(id);
    const key = `${resource.kind}/${resource.namespace}/${resource.name}`;
    const manifests = this.manifests[key];
    if (!manifests) {
      throw await httpError(404, 'NotFoundError', `No object ${key}`);
    }
    return structuredClone(manifests);
  }

  async getEvents(id: string, resource: ResourceIdentity) {
    this.record('getEvents', id, resource);
    this.find(id);
    const key = `${resource.kind}/${resource.namespace}/${resource.name}`;
    return structuredClone(this.events[key] ?? []);
  }

  async getLogs(id: string, request: LogsRequest) {
    this.record('getLogs', id, request);
    this.find(id);
    const text = this.logs[`${request.pod}/${request.container ?? ''}`];
    if (text === undefined) {
      throw await httpError(
        404,
        'NotFoundError',
        `No container ${request.container} in pod ${request.pod}`,
      );
    }
    if (!request.tailLines) return text;
    const lines = text.split('\n').filter(Boolean);
    return lines
      .slice(-request.tailLines)
      .map(line => `${line}\n`)
      .join('');
  }

  async runAction(id: string, request: ResourceActionRequest) {
    this.record('runAction', id, request);
    this.find(id);
    if (this.actionError) throw this.actionError;
  }

  async getInsights(query: InsightsQuery): Promise<DeliveryInsights> {
    this.record('getInsights', query);
    const key = query.target
      ? `${query.entityRef}|${query.target}`
      : query.entityRef;
    const found = this.insights[key];
    if (found) return structuredClone(found);
    const to = query.to ?? new Date().toISOString();
    return {
      entityRef: query.entityRef,
      ...(query.target ? { target: query.target } : {}),
      from: query.from ?? to,
      to,
      components: [],
      targets: [],
      deployments: { count: 0, perDay: 0 },
      leadTime: { count: 0 },
      changeFailureRate: { failures: 0, deployments: 0 },
      timeToRestore: { count: 0 },
      days: [],
    };
  }

  /** Fails runAction as the backend would, with a Backstage error body. */
  async failActions(status: number, name: string, message: string) {
    this.actionError = await httpError(status, name, message);
  }

  private async start(app: Application, revision: string) {
    if (app.status.operation?.phase === 'Running') {
      throw await httpError(
        409,
        'ConflictError',
        `A sync of ${app.entityRef} (${app.target}) is already running`,
      );
    }
    const operation = makeOperation({
      id: `op-${this.calls.length}`,
      runId: `run-${this.calls.length}`,
      revision,
    });
    app.status.operation = operation;
    return structuredClone(operation);
  }

  /** Ends the running operation of an application as the backend would. */
  finishOperation(id: string, phase: 'Succeeded' | 'Failed' = 'Succeeded') {
    const app = this.find(id);
    const operation = app.status.operation!;
    const finishedAt = new Date().toISOString();
    app.status.operation = {
      ...operation,
      phase,
      finishedAt,
      message: phase === 'Succeeded' ? 'Sync complete' : 'Apply failed',
      progress: { done: 3, total: 3 },
      changes: structuredClone(this.preview),
    };
    if (phase === 'Succeeded') {
      app.status.sync = 'Synced';
      app.status.syncedRevision = operation.revision;
      this.diffs[id] = [];
    }
    this.runs[id] = [
      {
        id: operation.runId,
        revision: operation.revision,
        commit: {
          sha: operation.revision,
          author: 'Ada Lovelace',
          message: 'Raise payments replicas to 3',
          date: finishedAt,
        },
        startedAt: operation.startedAt,
        finishedAt,
        phase,
        initiatedBy: operation.initiatedBy,
        message: app.status.operation.message,
        changes: structuredClone(this.preview),
      },
      ...(this.runs[id] ?? []),
    ];
  }
}
