import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  Application,
  ApplicationResource,
  Automation,
  ResourceDiff,
  ResourceRef,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import {
  KubeObject,
  describeObject,
  keyOfObject,
  objectKey,
} from '../kube/kubeObject';
import {
  PodLogRequest,
  ResourceActionRequest,
  manifestsOf,
} from '../engine/resourceDetails';
import type {
  ApplicationSpec,
  AutomationChange,
  EngineEvent,
  GitopsEngine,
  SyncOptions,
} from '../engine/types';

/**
 * A test double of the engine: keeps applications in memory and records what
 * it was asked to do, so the tests can check what the API did and did not do.
 */
export class InMemoryTestEngine implements GitopsEngine {
  specs: ApplicationSpec[] = [];
  readonly calls: string[] = [];
  readonly runs = new Map<string, SyncRun[]>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  running = new Set<string>();
  /** Suspensions by application id, as `suspend` and `resume` leave them. */
  readonly automation = new Map<string, Automation>();

  async setApplications(specs: ApplicationSpec[]) {
    this.specs = specs;
    this.calls.push(`setApplications ${specs.map(s => s.id).join(',')}`);
  }
  async listApplications() {
    return this.specs.map(s => this.toApplication(s));
  }
  async getApplication(id: string) {
    const spec = this.specs.find(s => s.id === id);
    if (!spec) throw new NotFoundError(`No application '${id}'`);
    return this.toApplication(spec);
  }
  async getResources(id: string): Promise<ApplicationResource[]> {
    await this.getApplication(id);
    return [
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
        sync: 'Synced',
        health: 'Healthy',
        healthMessage: '',
      },
    ];
  }
  async getDiff(id: string): Promise<ResourceDiff[]> {
    await this.getApplication(id);
    return [
      {
        group: 'apps',
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
        diff: '--- live\n+++ desired\n-  replicas: 1\n+  replicas: 2\n',
      },
    ];
  }
  async getHistory(id: string, options?: { limit?: number }) {
    await this.getApplication(id);
    const runs = [...(this.runs.get(id) ?? [])].reverse();
    return options?.limit ? runs.slice(0, options.limit) : runs;
  }
  async sync(id: string, options: SyncOptions) {
    await this.getApplication(id);
    if (this.running.has(id)) {
      throw new ConflictError(`A sync of ${id} is already running`);
    }
    if (options.revision === 'no-such-branch') {
      throw new InputError(`Revision 'no-such-branch' does not exist`);
    }
    this.calls.push(`sync ${id} by ${options.initiatedBy}`);
    const run: SyncRun = {
      id: `run-${(this.runs.get(id)?.length ?? 0) + 1}`,
      revision: options.revision ?? 'abc123',
      commit: { sha: 'abc123', author: 'Ada', message: 'm', date: '' },
      startedAt: new Date().toISOString(),
      phase: options.dryRun ? 'Succeeded' : 'Running',
      initiatedBy: options.initiatedBy,
      message: '',
      dryRun: options.dryRun,
      changes: [],
    };
    this.runs.set(id, [...(this.runs.get(id) ?? []), run]);
    return run;
  }
  async rollback(id: string, runId: string, initiatedBy: string) {
    const past = (this.runs.get(id) ?? []).find(r => r.id === runId);
    if (!past) throw new NotFoundError(`No run '${runId}' of ${id}`);
    return this.sync(id, { revision: past.revision, initiatedBy });
  }
  async suspend(id: string, change: AutomationChange) {
    await this.getApplication(id);
    this.calls.push(`suspend ${id} by ${change.by}`);
    this.automation.set(id, {
      suspended: true,
      by: change.by,
      at: new Date().toISOString(),
      ...(change.reason ? { reason: change.reason } : {}),
    });
    return this.getApplication(id);
  }
  async resume(id: string, change: AutomationChange) {
    await this.getApplication(id);
    this.calls.push(`resume ${id} by ${change.by}`);
    this.automation.delete(id);
    return this.getApplication(id);
  }
  async terminate(id: string, by: string) {
    await this.getApplication(id);
    if (!this.running.has(id)) {
      throw new ConflictError(`Application ${id} has no running sync`);
    }
    this.calls.push(`terminate ${id} by ${by}`);
    const run = (this.runs.get(id) ?? []).at(-1);
    return {
      id: run?.id ?? 'run-running',
      revision: run?.revision ?? 'main',
      commit: { sha: '', author: '', message: '', date: '' },
      startedAt: run?.startedAt ?? new Date().toISOString(),
      phase: 'Running' as const,
      initiatedBy: run?.initiatedBy ?? 'auto',
      message: 'Sync started',
      changes: [],
    };
  }
  async refresh(id: string) {
    const app = await this.getApplication(id);
    this.calls.push(`refresh ${id}`);
    return app;
  }
  async refreshRepo(
    repoUrl: string,
    options?: { branch?: string; initiatedBy?: 'auto' | 'webhook' },
  ): Promise<Application[]> {
    this.calls.push(
      `refreshRepo ${repoUrl} ${options?.branch ?? '(any branch)'} by ${
        options?.initiatedBy ?? 'auto'
      }`,
    );
    return (await this.listApplications()).filter(
      a => a.source.repoUrl === repoUrl,
    );
  }
  /** The objects of each application in Git (desired) and in the cluster (live). */
  readonly objects = new Map<
    string,
    { desired: KubeObject[]; live: KubeObject[]; events?: KubeObject[] }
  >();
  private objectOf(id: string, ref: ResourceRef) {
    const { desired = [], live = [] } = this.objects.get(id) ?? {};
    const key = objectKey(ref);
    const d = desired.find(o => keyOfObject(o) === key);
    const l = live.find(o => keyOfObject(o) === key);
    if (!d && !l) {
      throw new NotFoundError(
        `${describeObject(ref)} is not an object of this application`,
      );
    }
    return { desired: d, live: l };
  }
  async getManifests(id: string, resource: ResourceRef) {
    await this.getApplication(id);
    const { desired, live } = this.objectOf(id, resource);
    return manifestsOf(live, desired);
  }
  async getEvents(id: string, resource: ResourceRef) {
    await this.getApplication(id);
    this.objectOf(id, resource);
    return (this.objects.get(id)?.events ?? []).filter(
      e => (e as any).involvedObject?.name === resource.name,
    );
  }
  async getPodLog(id: string, request: PodLogRequest) {
    await this.getApplication(id);
    this.objectOf(id, {
      group: '',
      version: 'v1',
      kind: 'Pod',
      namespace: request.namespace,
      name: request.pod,
    });
    this.calls.push(`logs ${request.pod} ${JSON.stringify(request)}`);
    return `log of ${request.pod}\n`;
  }
  async runResourceAction(id: string, request: ResourceActionRequest) {
    await this.getApplication(id);
    const { desired } = this.objectOf(id, request.resource);
    this.calls.push(
      `${request.action} ${request.resource.kind}/${request.resource.name} by ${request.initiatedBy}`,
    );
    const run: SyncRun = {
      id: `action-${this.calls.length}`,
      revision: '',
      commit: { sha: '', author: '', message: '', date: '' },
      startedAt: new Date().toISOString(),
      phase: 'Succeeded',
      initiatedBy: request.initiatedBy,
      message: `${request.action} ${request.resource.name}`,
      changes: [],
    };
    this.runs.set(id, [...(this.runs.get(id) ?? []), run]);
    return {
      run,
      gitSetsReplicas:
        request.action === 'scale' &&
        (desired as any)?.spec?.replicas !== undefined,
    };
  }
  subscribe(listener: (e: EngineEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: EngineEvent) {
    this.listeners.forEach(l => l(event));
  }
  toApplication(spec: ApplicationSpec): Application {
    const { pruneOnRemove: _, ...policy } = spec.policy;
    return {
      id: spec.id,
      entityRef: spec.entityRef,
      target: spec.target,
      source: spec.source,
      destination: spec.destination,
      policy,
      status: {
        sync: 'Synced',
        health: 'Healthy',
        message: '',
        ...(this.automation.has(spec.id)
          ? { automation: this.automation.get(spec.id) }
          : {}),
      },
    };
  }
}
