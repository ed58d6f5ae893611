import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type {
  ClusterCapabilities,
  RenderRequest,
} from '@mooring/plugin-gitops-node';
import { createHelmRenderer, HelmRendererOptions } from './helmRenderer';
import { findOnPath } from './runTool';

const TESTDATA = path.join(__dirname, 'helm', 'testdata');

// These tests run the real helm: scripts/env.sh installs it into .tools/.
const helm = findOnPath('helm');

const cluster: ClusterCapabilities = {
  kubeVersion: 'v1.32.0',
  apiVersions: ['v1', 'v1/ConfigMap', 'apps/v1', 'apps/v1/Deployment'],
};

let repositoryRoot: string;

beforeAll(() => {
  if (!helm) {
    throw new Error(
      'helm is not on PATH; run the tests after `source scripts/env.sh`, which installs Helm into .tools/',
    );
  }
  repositoryRoot = fs.realpathSync(
    fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-helm-test-')),
  );
  fs.cpSync(TESTDATA, repositoryRoot, { recursive: true });
});

afterAll(() => {
  if (repositoryRoot)
    fs.rmSync(repositoryRoot, { recursive: true, force: true });
});

function render(
  chart: string,
  request: Partial<RenderRequest> = {},
  options: HelmRendererOptions = {},
) {
  return createHelmRenderer(options).render({
    directory: path.join(repositoryRoot, chart),
    repositoryRoot,
    namespace: 'shop',
    applicationId: 'component~default~greeter~default',
    clusterCapabilities: async () => cluster,
    ...request,
  });
}

function byName(objects: Array<{ metadata: { name: string } }>) {
  return objects.map(o => o.metadata.name).sort();
}

describe('createHelmRenderer, with the real helm', () => {
  it('applies values.yaml, then the values files of the target in order', async () => {
    const [staging] = await render('greeter', {
      target: 'staging',
      helm: {
        valuesFiles: ['values-staging.yaml'],
        releaseName: 'greeter-staging',
      },
    });
    const [prod] = await render('greeter', {
      namespace: 'shop-prod',
      target: 'prod',
      helm: {
        valuesFiles: ['values-staging.yaml', 'values-prod.yaml'],
        releaseName: 'greeter-prod',
      },
    });
    expect(staging.metadata).toMatchObject({
      name: 'greeter-staging-greeting',
      namespace: 'shop',
    });
    expect(staging.data).toMatchObject({
      greeting: 'hello from staging',
      replicas: '1',
    });
    expect(prod.metadata).toMatchObject({
      name: 'greeter-prod-greeting',
      namespace: 'shop-prod',
    });
    expect(prod.data).toMatchObject({
      greeting: 'hello from prod',
      replicas: '3',
    });
  });

  it('names the release after the entity and target when no release is given', async () => {
    const [object] = await render('greeter', {
      applicationId: 'component~default~greeter~prod',
      target: 'prod',
    });
    expect(object.metadata.name).toBe('greeter-prod-greeting');
  });

  it("shows the cluster's version and APIs as .Capabilities", async () => {
    const [without] = await render('greeter');
    const [withWidgets] = await render('greeter', {
      clusterCapabilities: async () => ({
        kubeVersion: 'v1.31.4',
        apiVersions: [...cluster.apiVersions, 'example.mooring.dev/v1/Widget'],
      }),
    });
    expect(without.data).toMatchObject({
      kubeVersion: 'v1.32.0',
      hasWidgets: 'false',
    });
    expect(withWidgets.data).toMatchObject({
      kubeVersion: 'v1.31.4',
      hasWidgets: 'true',
    });
  });

  it('refuses values files outside the checkout', async () => {
    await expect(
      render('greeter', {
        helm: { valuesFiles: ['../hooks/Chart.yaml'], releaseName: 'g' },
      }),
    ).rejects.toThrow(
      /Values file "\.\.\/hooks\/Chart\.yaml" \(mooring\.dev\/helm-values\) of greeter must be relative to the chart folder, without '\.\.'/,
    );
    await expect(
      render('greeter', {
        helm: { valuesFiles: ['/etc/passwd'], releaseName: 'g' },
      }),
    ).rejects.toThrow(/must be relative to the chart folder/);
    fs.symlinkSync(
      '/etc/passwd',
      path.join(repositoryRoot, 'greeter', 'passwd.yaml'),
    );
    try {
      await expect(
        render('greeter', {
          helm: { valuesFiles: ['passwd.yaml'], releaseName: 'g' },
        }),
      ).rejects.toThrow(
        /passwd\.yaml.*symlink that leads outside the repository/,
      );
    } finally {
      fs.rmSync(path.join(repositoryRoot, 'greeter', 'passwd.yaml'));
    }
    await expect(
      render('greeter', {
        helm: { valuesFiles: ['values-qa.yaml'], releaseName: 'g' },
      }),
    ).rejects.toThrow(/values-qa\.yaml.*does not exist in the repository/);
  });

  it("renders a chart's crds/ folder with its templates", async () => {
    const objects = await render('widgets', {
      helm: { valuesFiles: [], releaseName: 'w' },
    });
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'CustomResourceDefinition/widgets.example.mooring.dev',
      'Widget/w',
    ]);
  });

  it('builds a file:// dependency inside the checkout without writing to it', async () => {
    const objects = await render('local-dependency/app');
    expect(byName(objects)).toEqual(['app', 'library']);
    expect(objects.find(o => o.metadata.name === 'library')?.data).toEqual({
      colour: 'blue',
    });
    expect(
      fs.existsSync(path.join(repositoryRoot, 'local-dependency/app/charts')),
    ).toBe(false);
  });

  it('refuses a file:// dependency outside the checkout', async () => {
    const chart = path.join(repositoryRoot, 'escaping');
    fs.mkdirSync(chart);
    fs.writeFileSync(
      path.join(chart, 'Chart.yaml'),
      'apiVersion: v2\nname: escaping\nversion: 0.1.0\ndependencies:\n  - name: secrets\n    version: 0.1.0\n    repository: file://../../outside\n',
    );
    await expect(render('escaping')).rejects.toThrow(
      /escaping\/Chart\.yaml: dependency "secrets": Path "\.\.\/\.\.\/outside" leads outside the repository/,
    );
  });

  it("meets a chart's kubeVersion constraint with the cluster's version", async () => {
    await expect(render('needs-kube-1-30')).resolves.toHaveLength(1);
    await expect(
      render('needs-kube-1-30', {
        clusterCapabilities: async () => ({
          ...cluster,
          kubeVersion: 'v1.28.9',
        }),
      }),
    ).rejects.toThrow(
      /Helm could not render needs-kube-1-30: helm failed: .*chart requires kubeVersion: >=1\.30\.0 which is incompatible with Kubernetes v1\.28\.9/,
    );
  });

  it('leaves out helm test hooks and marks the other hooks as sync hooks', async () => {
    const objects = await render('hooks');
    expect(byName(objects)).toEqual(['announce', 'migrate', 'web']);
    const annotations = (name: string) =>
      objects.find(o => o.metadata.name === name)?.metadata.annotations;
    expect(annotations('migrate')).toMatchObject({
      'mooring.dev/hook': 'PreSync',
      'mooring.dev/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'mooring.dev/sync-wave': '-5',
    });
    expect(annotations('announce')).toMatchObject({
      'mooring.dev/hook': 'PostSync',
    });
    expect(annotations('web')).toBeUndefined();
  });

  it('refuses a dependency on a repository gitops.helm.allowedRepositories does not list', async () => {
    await expect(
      render(
        'remote-dependency',
        {},
        {
          allowedRepositories: ['https://charts.example.com/incubator/**'],
        },
      ),
    ).rejects.toThrow(
      'remote-dependency/Chart.yaml: dependency "redis" comes from https://charts.example.com/stable, which gitops.helm.allowedRepositories does not list (allowed: https://charts.example.com/incubator/**); vendor it into charts/',
    );
  });

  it('fetches a dependency from an allowed repository', async () => {
    // A chart repository of our own on 127.0.0.1, made by helm package + helm repo index.
    const served = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-helm-repo-'));
    const run = (...args: string[]) =>
      execFileSync(helm!, args, {
        env: { PATH: process.env.PATH, HOME: served },
        stdio: 'pipe',
      });
    run(
      'package',
      path.join(TESTDATA, 'local-dependency', 'library'),
      '-d',
      served,
    );
    const server = http.createServer((req, res) => {
      const file = path.join(served, path.basename(req.url ?? ''));
      if (!fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/charts`;
    try {
      run('repo', 'index', served, '--url', url);
      const chart = path.join(repositoryRoot, 'fetching');
      fs.mkdirSync(chart);
      fs.writeFileSync(
        path.join(chart, 'Chart.yaml'),
        `apiVersion: v2\nname: fetching\nversion: 0.1.0\ndependencies:\n  - name: library\n    version: 0.2.0\n    repository: ${url}\n`,
      );
      await expect(render('fetching')).rejects.toThrow(
        /dependency "library" comes from http:\/\/127\.0\.0\.1:\d+\/charts, which gitops\.helm\.allowedRepositories does not list \(allowed: none\)/,
      );
      const objects = await render(
        'fetching',
        {},
        {
          allowedRepositories: ['http://127.0.0.1:*/charts'],
        },
      );
      expect(byName(objects)).toEqual(['library']);
    } finally {
      server.close();
      fs.rmSync(served, { recursive: true, force: true });
    }
  });

  it('names the application and the binary when helm is missing', async () => {
    await expect(
      render('greeter', {}, { binary: '/opt/nowhere/helm' }),
    ).rejects.toThrow(
      'Application component~default~greeter~default: greeter is a Helm chart, but the helm binary "/opt/nowhere/helm" (gitops.helm.binary) is missing or not executable; point gitops.helm.binary at Helm 3',
    );
  });
});
