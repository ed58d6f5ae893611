/**
 * Starts the simulated clusters of the dev command (`dev` and `prod`) with their
 * controllers and state files, and writes one kubeconfig holding a context for each.
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs scripts/dev-clusters.ts <stateDir>
 *
 * Prints `ready <kubeconfig path>` when both answer, and runs until stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { startKubeSim, KubeSim } from '@mooring/kube-sim';

const CLUSTERS = [
  { name: 'dev', port: 6443 },
  { name: 'prod', port: 6444 },
];

async function main() {
  const stateDir = path.resolve(process.argv[2] ?? '.mooring');
  fs.mkdirSync(stateDir, { recursive: true });

  const sims: KubeSim[] = [];
  const merged = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [] as unknown[],
    users: [] as unknown[],
    contexts: [] as unknown[],
    'current-context': CLUSTERS[0].name,
    preferences: {},
  };

  for (const { name, port } of CLUSTERS) {
    const sim = await startKubeSim({
      port,
      controllers: true,
      stateFile: path.join(stateDir, `kube-sim-${name}.json`),
    });
    sims.push(sim);
    // Each simulated cluster gets its own cluster, user and context name.
    merged.clusters.push({
      name,
      cluster: { server: sim.url, 'certificate-authority-data': sim.caData },
    });
    merged.users.push({
      name: `${name}-admin`,
      user: { token: sim.adminToken },
    });
    merged.contexts.push({
      name,
      context: { cluster: name, user: `${name}-admin` },
    });
    process.stdout.write(`kube-sim ${name} listening on ${sim.url}\n`);
  }

  const kubeconfigPath = path.join(stateDir, 'kubeconfig');
  fs.writeFileSync(kubeconfigPath, stringify(merged), { mode: 0o600 });
  // Round-trip check: the file must parse back into the contexts we wrote.
  const check = parse(fs.readFileSync(kubeconfigPath, 'utf8'));
  if (check.contexts.length !== CLUSTERS.length) {
    throw new Error(
      `kubeconfig at ${kubeconfigPath} was not written correctly`,
    );
  }
  process.stdout.write(`ready ${kubeconfigPath}\n`);

  const stop = async () => {
    await Promise.allSettled(sims.map(s => s.stop()));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(error => {
  process.stderr.write(
    `dev clusters failed to start: ${error?.stack ?? error}\n`,
  );
  process.exit(1);
});
