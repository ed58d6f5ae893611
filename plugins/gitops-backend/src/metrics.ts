import {
  Counter,
  Histogram,
  Meter,
  MeterProvider,
  metrics,
} from '@opentelemetry/api';
import type { Application } from '@mooring/plugin-gitops-common';

/**
 * Mooring's metrics, through the OpenTelemetry API as Backstage instruments
 * itself: whatever meter provider the backend registers (the backend
 * package's `instrumentation.js` wires a Prometheus exporter) receives them;
 * without one they cost nothing. Attribute values are bounded sets (cluster
 * names, verbs, codes, phases, initiator kinds), never object names.
 */
const METER_NAME = '@mooring/plugin-gitops-backend';

/** Histogram buckets for durations, from a quick compare to a slow sync. */
const SECONDS_BUCKETS = [
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800,
];

interface Instruments {
  meter: Meter;
  reconcileDuration: Histogram;
  syncDuration: Histogram;
  syncs: Counter;
  kubeRequests: Counter;
  gitFetchDuration: Histogram;
}

let cached: { provider: MeterProvider; instruments: Instruments } | undefined;

/** The instruments of the meter provider registered now (re-made when it changes). */
function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const meter = provider.getMeter(METER_NAME);
  const made: Instruments = {
    meter,
    reconcileDuration: meter.createHistogram(
      'mooring_reconcile_duration_seconds',
      {
        description: 'Time to compare one application with Git and its cluster',
        unit: 's',
        advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
      },
    ),
    syncDuration: meter.createHistogram('mooring_sync_duration_seconds', {
      description: 'Time one sync took, hooks and waves included',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    }),
    syncs: meter.createCounter('mooring_syncs', {
      description: 'Syncs by result and initiator',
    }),
    kubeRequests: meter.createCounter('mooring_kubernetes_requests', {
      description: 'Kubernetes API requests by cluster, verb and status code',
    }),
    gitFetchDuration: meter.createHistogram(
      'mooring_git_fetch_duration_seconds',
      {
        description: 'Time one git fetch of a repository took',
        unit: 's',
        advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
      },
    ),
  };
  cached = { provider, instruments: made };
  return made;
}

/** `user`, `auto`, `webhook` or `self-heal`: who started a sync, as a bounded set. */
export function initiatorKind(initiatedBy: string): string {
  if (initiatedBy.startsWith('user:')) return 'user';
  if (['auto', 'webhook', 'self-heal'].includes(initiatedBy)) {
    return initiatedBy;
  }
  return 'other';
}

export function recordReconcile(
  cluster: string,
  seconds: number,
  ok: boolean,
): void {
  instruments().reconcileDuration.record(seconds, {
    cluster,
    result: ok ? 'ok' : 'error',
  });
}

export function recordSync(input: {
  cluster: string;
  phase: string;
  initiatedBy: string;
  seconds: number;
}): void {
  const attributes = {
    cluster: input.cluster,
    result: input.phase,
    initiator: initiatorKind(input.initiatedBy),
  };
  const { syncs, syncDuration } = instruments();
  syncs.add(1, attributes);
  syncDuration.record(input.seconds, attributes);
}

export function recordKubeRequest(
  cluster: string,
  verb: string,
  code: number | string,
): void {
  instruments().kubeRequests.add(1, { cluster, verb, code: String(code) });
}

export function recordGitFetch(seconds: number, ok: boolean): void {
  instruments().gitFetchDuration.record(seconds, {
    result: ok ? 'ok' : 'error',
  });
}

/**
 * Reports the applications by sync, health and cluster whenever the
 * metrics are collected. Returns a function that stops reporting.
 */
export function observeApplications(
  list: () => Promise<Application[]>,
): () => void {
  const { meter } = instruments();
  const gauge = meter.createObservableGauge('mooring_applications', {
    description: 'Applications by sync status, health and cluster',
  });
  const callback = async (result: {
    observe(value: number, attributes: Record<string, string>): void;
  }) => {
    const counts = new Map<string, number>();
    for (const app of await list().catch(() => [])) {
      const key = JSON.stringify([
        app.status.sync,
        app.status.health,
        app.destination.cluster,
      ]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, value] of counts) {
      const [sync, health, cluster] = JSON.parse(key);
      result.observe(value, { sync, health, cluster });
    }
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}
