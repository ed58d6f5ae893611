import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { KubeConfig } from '@kubernetes/client-node';
import { startKubeSim } from '@mooring/kube-sim';
import { ClusterClient } from './kube/ClusterClient';
import { observeApplications, recordSync } from './metrics';

class TestReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
    });
  }
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

async function collected(reader: TestReader) {
  const { resourceMetrics } = await reader.collect();
  return new Map(
    resourceMetrics.scopeMetrics
      .flatMap(scope => scope.metrics)
      .map(metric => [metric.descriptor.name, metric]),
  );
}

describe('metrics', () => {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });

  beforeAll(() => {
    metrics.setGlobalMeterProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    metrics.disable();
  });

  it('counts Kubernetes requests by cluster, verb and code', async () => {
    const sim = await startKubeSim();
    try {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(sim.kubeconfig());
      const client = new ClusterClient({ name: 'dev', kubeConfig });
      await client.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'absent', namespace: 'default' },
      });
      await client.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'present', namespace: 'default' },
      });
    } finally {
      await sim.stop();
    }
    const metric = (await collected(reader)).get(
      'mooring_kubernetes_requests',
    )!;
    const points = metric.dataPoints.map(p => ({
      ...p.attributes,
      value: p.value,
    }));
    expect(points).toContainEqual({
      cluster: 'dev',
      verb: 'get',
      code: '404',
      value: 1,
    });
    expect(points).toContainEqual(
      expect.objectContaining({ cluster: 'dev', verb: 'apply', code: '200' }),
    );
  });

  it('records syncs by result and initiator kind, and applications by sync, health and cluster', async () => {
    recordSync({
      cluster: 'prod',
      phase: 'Failed',
      initiatedBy: 'user:default/ada',
      seconds: 2.5,
    });
    recordSync({
      cluster: 'prod',
      phase: 'Succeeded',
      initiatedBy: 'self-heal',
      seconds: 0.5,
    });
    const app = (sync: string, health: string, cluster: string) =>
      ({ status: { sync, health }, destination: { cluster } } as any);
    const stop = observeApplications(async () => [
      app('Synced', 'Healthy', 'dev'),
      app('Synced', 'Healthy', 'dev'),
      app('OutOfSync', 'Degraded', 'prod'),
    ]);
    const all = await collected(reader);
    stop();
    const syncs = all.get('mooring_syncs')!.dataPoints.map(p => ({
      ...p.attributes,
      value: p.value,
    }));
    expect(syncs).toEqual(
      expect.arrayContaining([
        { cluster: 'prod', result: 'Failed', initiator: 'user', value: 1 },
        {
          cluster: 'prod',
          result: 'Succeeded',
          initiator: 'self-heal',
          value: 1,
        },
      ]),
    );
    const durations = all.get('mooring_sync_duration_seconds')!;
    expect(durations.dataPointType).toBe(DataPointType.HISTOGRAM);
    const apps = all.get('mooring_applications')!.dataPoints.map(p => ({
      ...p.attributes,
      value: p.value,
    }));
    expect(apps).toEqual(
      expect.arrayContaining([
        { sync: 'Synced', health: 'Healthy', cluster: 'dev', value: 2 },
        { sync: 'OutOfSync', health: 'Degraded', cluster: 'prod', value: 1 },
      ]),
    );
  });
});
