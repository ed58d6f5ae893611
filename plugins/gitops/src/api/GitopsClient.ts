import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  Application,
  ApplicationListResponse,
  ApplicationResource,
  AutomationRequest,
  DeliveryInsights,
  ListResponse,
  Operation,
  ResourceDiff,
  SyncRequest,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type { GitopsApi, InsightsQuery } from './GitopsApi';
import type {
  ApplicationPage,
  ApplicationQuery,
  KubernetesEvent,
  LogsRequest,
  ResourceActionRequest,
  ResourceIdentity,
  ResourceManifests,
} from './operating';

/** A query string of the values that are set (empty strings and undefined left out). */
function queryOf(values: Record<string, string | number | undefined>) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  return query.toString();
}

function selectorOf(resource: ResourceIdentity) {
  const { group, version, kind, namespace, name } = resource;
  // group is '' for the core API group and must still be sent.
  return new URLSearchParams({
    group,
    version,
    kind,
    namespace,
    name,
  }).toString();
}

/**
 * Talks to the `gitops` backend plugin through the app's discovery and fetch APIs,
 * so requests carry the user's Backstage token.
 * @public
 */
export class GitopsClient implements GitopsApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getApplications(entityRef: string): Promise<ApplicationListResponse> {
    const query = new URLSearchParams({ entityRef });
    const body = await this.request<ApplicationListResponse>(
      `/applications?${query}`,
    );
    return { items: body.items, errors: body.errors ?? [] };
  }

  getApplication(id: string): Promise<Application> {
    return this.request<Application>(`/applications/${encodeURIComponent(id)}`);
  }

  async getResources(id: string): Promise<ApplicationResource[]> {
    const body = await this.request<ListResponse<ApplicationResource>>(
      `/applications/${encodeURIComponent(id)}/resources`,
    );
    return body.items;
  }

  async getDiff(id: string): Promise<ResourceDiff[]> {
    const body = await this.request<ListResponse<ResourceDiff>>(
      `/applications/${encodeURIComponent(id)}/diff`,
    );
    return body.items;
  }

  async getHistory(id: string): Promise<SyncRun[]> {
    const body = await this.request<ListResponse<SyncRun>>(
      `/applications/${encodeURIComponent(id)}/history`,
    );
    return body.items;
  }

  async sync(id: string, request: SyncRequest): Promise<Operation> {
    const body = await this.request<{ operation: Operation }>(
      `/applications/${encodeURIComponent(id)}/sync`,
      { method: 'POST', body: request },
    );
    return body.operation;
  }

  async terminate(id: string): Promise<Operation> {
    const body = await this.request<{ operation: Operation }>(
      `/applications/${encodeURIComponent(id)}/terminate`,
      { method: 'POST', body: {} },
    );
    return body.operation;
  }

  suspend(id: string, reason: string): Promise<Application> {
    const request: AutomationRequest = { reason };
    return this.request<Application>(
      `/applications/${encodeURIComponent(id)}/suspend`,
      { method: 'POST', body: request },
    );
  }

  resume(id: string, reason?: string): Promise<Application> {
    const request: AutomationRequest = reason ? { reason } : {};
    return this.request<Application>(
      `/applications/${encodeURIComponent(id)}/resume`,
      { method: 'POST', body: request },
    );
  }

  async rollback(id: string, runId: string): Promise<Operation> {
    const body = await this.request<{ operation: Operation }>(
      `/applications/${encodeURIComponent(id)}/rollback`,
      { method: 'POST', body: { runId } },
    );
    return body.operation;
  }

  async refresh(id: string): Promise<void> {
    await this.request<unknown>(
      `/applications/${encodeURIComponent(id)}/refresh`,
      { method: 'POST', body: {} },
    );
  }

  getInsights(query: InsightsQuery): Promise<DeliveryInsights> {
    return this.request<DeliveryInsights>(`/insights?${queryOf({ ...query })}`);
  }

  async listApplications(query: ApplicationQuery): Promise<ApplicationPage> {
    const body = await this.request<ApplicationPage>(
      `/applications?${queryOf({ ...query })}`,
    );
    return {
      items: body.items,
      ...(body.nextCursor ? { nextCursor: body.nextCursor } : {}),
    };
  }

  getManifests(
    id: string,
    resource: ResourceIdentity,
  ): Promise<ResourceManifests> {
    return this.request<ResourceManifests>(
      `/applications/${encodeURIComponent(id)}/manifests?${selectorOf(
        resource,
      )}`,
    );
  }

  async getEvents(
    id: string,
    resource: ResourceIdentity,
  ): Promise<KubernetesEvent[]> {
    const body = await this.request<ListResponse<KubernetesEvent>>(
      `/applications/${encodeURIComponent(id)}/events?${selectorOf(resource)}`,
    );
    return body.items;
  }

  async getLogs(id: string, request: LogsRequest): Promise<string> {
    const response = await this.send(
      `/applications/${encodeURIComponent(id)}/logs?${queryOf({
        ...request,
      })}`,
      'text/plain',
    );
    return response.text();
  }

  async runAction(id: string, request: ResourceActionRequest): Promise<void> {
    await this.request<unknown>(
      `/applications/${encodeURIComponent(id)}/actions`,
      { method: 'POST', body: request },
    );
  }

  private async send(path: string, accept: string): Promise<Response> {
    const baseUrl = await this.discoveryApi.getBaseUrl('gitops');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      headers: { Accept: accept },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }

  private async request<T>(
    path: string,
    options?: { method: 'POST'; body: unknown },
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('gitops');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: options?.method ?? 'GET',
      headers: options
        ? { 'Content-Type': 'application/json', Accept: 'application/json' }
        : { Accept: 'application/json' },
      body: options ? JSON.stringify(options.body) : undefined,
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
