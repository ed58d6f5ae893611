/*
 * The dev stack serves Mooring's metrics for Prometheus on the port the README
 * names, with what an SRE scrapes: applications by sync, health and cluster,
 * and the Kubernetes requests the agent made.
 */
import { expect, test } from '@playwright/test';
import { SLOW } from './support';

test('the backend serves Mooring metrics for Prometheus on 127.0.0.1:9464', async ({
  request,
}) => {
  test.setTimeout(SLOW.timeout);
  await expect(async () => {
    const response = await request.get('http://127.0.0.1:9464/metrics');
    expect(response.ok()).toBe(true);
    const text = await response.text();
    // Applications of the examples, by sync, health and cluster.
    expect(text).toMatch(
      /^mooring_applications\{sync="(Synced|OutOfSync|Unknown)",health="\w+",cluster="(dev|prod)"[^}]*\} \d+/m,
    );
    // Requests to the simulated clusters, by verb and status code.
    expect(text).toMatch(
      /^mooring_kubernetes_requests(_total)?\{cluster="(dev|prod)",verb="\w+",code="\d+"[^}]*\} \d+/m,
    );
  }).toPass({ timeout: SLOW.timeout, intervals: [1000, 2000, 5000] });
});
