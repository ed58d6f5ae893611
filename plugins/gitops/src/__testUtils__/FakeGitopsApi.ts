import { ResponseError } from '@backstage/errors';
import type {
  Application,
  ApplicationResource,
  EntityAnnotationError,
  Operation,
  ResourceChange,
  ResourceDiff,
  SyncRequest,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type { GitopsApi } from '../api';
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
  /** Who the fake backend says pressed a button. */
  user = 'user:default/guest';

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
