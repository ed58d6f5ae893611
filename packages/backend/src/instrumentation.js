// Metrics for Prometheus, wired as Backstage's OpenTelemetry tutorial does:
// loaded with `--require` before the backend, so every meter (Mooring's
// among them) reports to this provider. Served on 127.0.0.1:9464/metrics by
// default; MOORING_METRICS_PORT and MOORING_METRICS_HOST change where, and
// MOORING_METRICS_PORT=off turns it off.

// Prevent from running more than once (due to worker threads).
const { isMainThread } = require('node:worker_threads');

const port = process.env.MOORING_METRICS_PORT ?? '9464';

if (isMainThread && port !== 'off') {
  const { metrics } = require('@opentelemetry/api');
  const { MeterProvider } = require('@opentelemetry/sdk-metrics');
  const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');

  const exporter = new PrometheusExporter({
    host: process.env.MOORING_METRICS_HOST ?? '127.0.0.1',
    port: Number(port),
  });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
}
