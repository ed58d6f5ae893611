import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
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

interface ChartRepository {
  url: string;
  folder: string;
  requests: Array<{ path: string; authorized: boolean }>;
  close(): Promise<void>;
}

/**
 * A chart repository of our own on 127.0.0.1 serving the `library` chart,
 * made by helm package + helm repo index; with credentials, it answers 401
 * to requests without them, as a private repository does.
 */
async function serveChartRepository(credentials?: {
  username: string;
  password: string;
}): Promise<ChartRepository> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-helm-repo-'));
  const run = (...args: string[]) =>
    execFileSync(helm!, args, {
      env: { PATH: process.env.PATH, HOME: folder },
      stdio: 'pipe',
    });
  run(
    'package',
    path.join(TESTDATA, 'local-dependency', 'library'),
    '-d',
    folder,
  );
  const expected =
    credentials &&
    `Basic ${Buffer.from(
      `${credentials.username}:${credentials.password}`,
    ).toString('base64')}`;
  const requests: ChartRepository['requests'] = [];
  const server = http.createServer((req, res) => {
    const authorized =
      expected !== undefined && req.headers.authorization === expected;
    requests.push({ path: req.url ?? '', authorized });
    if (expected && !authorized) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="charts"' }).end();
      return;
    }
    const file = path.join(folder, path.basename(req.url ?? ''));
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
  run('repo', 'index', folder, '--url', url);
  return {
    url,
    folder,
    requests,
    close: async () => {
      await new Promise(resolve => server.close(resolve));
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

interface OciRegistry {
  /** `oci://127.0.0.1:<port>/charts`, where the `library` chart is. */
  url: string;
  folder: string;
  requests: Array<{ method: string; path: string; authorized: boolean }>;
  close(): Promise<void>;
}

/**
 * A minimal OCI distribution registry on 127.0.0.1 serving the `library`
 * chart (helm package) as `charts/library:0.2.0`, as Helm pushes charts: an
 * OCI image manifest whose config is the Chart.yaml as JSON and whose one
 * layer is the chart archive. It answers 401 to requests without the
 * credentials, as a private registry does.
 */
async function serveOciRegistry(credentials: {
  username: string;
  password: string;
}): Promise<OciRegistry> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-helm-oci-'));
  const library = path.join(TESTDATA, 'local-dependency', 'library');
  execFileSync(helm!, ['package', library, '-d', folder], {
    env: { PATH: process.env.PATH, HOME: folder },
    stdio: 'pipe',
  });
  const metadata = parse(
    fs.readFileSync(path.join(library, 'Chart.yaml'), 'utf8'),
  );
  const blobs = new Map<string, { type: string; bytes: Buffer }>();
  const descriptor = (type: string, bytes: Buffer) => {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    blobs.set(digest, { type, bytes });
    return { mediaType: type, digest, size: bytes.length };
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: descriptor(
        'application/vnd.cncf.helm.config.v1+json',
        Buffer.from(JSON.stringify(metadata)),
      ),
      layers: [
        descriptor(
          'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
          fs.readFileSync(path.join(folder, `library-${metadata.version}.tgz`)),
        ),
      ],
    }),
  );
  const manifestDigest = `sha256:${createHash('sha256')
    .update(manifest)
    .digest('hex')}`;
  const expected = `Basic ${Buffer.from(
    `${credentials.username}:${credentials.password}`,
  ).toString('base64')}`;
  const requests: OciRegistry['requests'] = [];
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url?.split('?')[0] ?? '';
    const authorized = req.headers.authorization === expected;
    requests.push({ method, path: url, authorized });
    if (!authorized) {
      res
        .writeHead(401, {
          'WWW-Authenticate': 'Basic realm="test"',
          'Content-Type': 'application/json',
        })
        .end(
          JSON.stringify({
            errors: [{ code: 'UNAUTHORIZED', message: 'sign in' }],
          }),
        );
      return;
    }
    const send = (type: string, bytes: Buffer, digest?: string) => {
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': bytes.length,
        ...(digest ? { 'Docker-Content-Digest': digest } : {}),
      });
      res.end(method === 'HEAD' ? undefined : bytes);
    };
    if (url === '/v2/' || url === '/v2') {
      send('application/json', Buffer.from('{}'));
      return;
    }
    const match =
      /^\/v2\/(.+)\/(tags\/list|manifests\/[^/]+|blobs\/[^/]+)$/.exec(url);
    if (match?.[1] === 'charts/library') {
      const [kind, reference] = match[2].split('/');
      if (kind === 'tags') {
        send(
          'application/json',
          Buffer.from(
            JSON.stringify({ name: match[1], tags: [metadata.version] }),
          ),
        );
        return;
      }
      if (
        kind === 'manifests' &&
        (reference === metadata.version || reference === manifestDigest)
      ) {
        send(
          'application/vnd.oci.image.manifest.v1+json',
          manifest,
          manifestDigest,
        );
        return;
      }
      const blob = kind === 'blobs' ? blobs.get(reference) : undefined;
      if (blob) {
        send(blob.type, blob.bytes, reference);
        return;
      }
    }
    res
      .writeHead(404, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: url }] }));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `oci://127.0.0.1:${(server.address() as AddressInfo).port}/charts`,
    folder,
    requests,
    close: async () => {
      await new Promise(resolve => server.close(resolve));
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A chart of the checkout depending on `library` from `url`. */
function writeFetchingChart(name: string, url: string) {
  const chart = path.join(repositoryRoot, name);
  fs.mkdirSync(chart);
  fs.writeFileSync(
    path.join(chart, 'Chart.yaml'),
    `apiVersion: v2\nname: ${name}\nversion: 0.1.0\ndependencies:\n  - name: library\n    version: 0.2.0\n    repository: ${url}\n`,
  );
}

/**
 * A helm that logs each command line, its environment and the mode of the
 * repositories file, then runs the real helm.
 */
function loggingHelm(folder: string): { binary: string; log: string } {
  const log = path.join(folder, 'helm.log');
  const binary = path.join(folder, 'helm');
  fs.writeFileSync(
    binary,
    `#!/bin/sh
{
  printf 'argv:'; printf ' %s' "$@"; printf '\\n'
  env
  if [ -f "$HELM_REPOSITORY_CONFIG" ]; then
    printf 'repositories file mode: %s\\n' "$(stat -c %a "$HELM_REPOSITORY_CONFIG")"
  fi
  if [ -f "$HELM_REGISTRY_CONFIG" ]; then
    printf 'registry config mode: %s\\n' "$(stat -c %a "$HELM_REGISTRY_CONFIG")"
  fi
} >> '${log}'
exec '${helm}' "$@"
`,
    { mode: 0o755 },
  );
  return { binary, log };
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
    const repository = await serveChartRepository();
    try {
      writeFetchingChart('fetching', repository.url);
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
      await repository.close();
    }
  });

  describe('a repository that needs credentials', () => {
    const password = 'Sup3r-s3cret-chart-password';
    let repository: ChartRepository;
    let wrapper: { binary: string; log: string };

    beforeAll(async () => {
      repository = await serveChartRepository({ username: 'ci', password });
      wrapper = loggingHelm(repository.folder);
      writeFetchingChart('private', repository.url);
    });

    afterAll(async () => {
      await repository?.close();
    });

    const options = (
      repositories: HelmRendererOptions['repositories'],
    ): HelmRendererOptions => ({
      binary: wrapper.binary,
      allowedRepositories: ['http://127.0.0.1:*/charts'],
      repositories,
    });

    it('is refused by the repository without credentials, naming it and where to give them', async () => {
      const error: Error = await render('private', {}, options(undefined)).then(
        () => {
          throw new Error('rendered without credentials');
        },
        e => e,
      );
      expect(error.message).toMatch(
        /^Helm could not build the dependencies of private: helm could not download the index of the chart repository http:\/\/127\.0\.0\.1:\d+\/charts \(the repository refused the request or could not be reached\); http:\/\/127\.0\.0\.1:\d+\/charts was fetched without credentials: if it needs them, an administrator gives them in gitops\.helm\.repositories$/,
      );
      expect(error.message).not.toContain(password);
    });

    it('keeps a wrong password out of the error', async () => {
      const wrong = 'Wr0ng-but-still-secret';
      const error: Error = await render(
        'private',
        {},
        options([{ url: repository.url, username: 'ci', password: wrong }]),
      ).then(
        () => {
          throw new Error('rendered with a wrong password');
        },
        e => e,
      );
      expect(error.message).toMatch(
        /^Helm could not build the dependencies of private: helm could not download the index of the chart repository http:\/\/127\.0\.0\.1:\d+\/charts \(the repository refused the request or could not be reached\); check the credentials gitops\.helm\.repositories gives for http:\/\/127\.0\.0\.1:\d+\/charts$/,
      );
      expect(error.message).not.toContain(wrong);
      expect(error.message).not.toContain(
        Buffer.from(`ci:${wrong}`).toString('base64'),
      );
    });

    it('fetches the dependency with the credentials of the entry covering its URL, never on a command line or in the environment', async () => {
      fs.writeFileSync(wrapper.log, '');
      const served = repository.requests.length;
      const objects = await render(
        'private',
        {},
        options([
          // The host's root covers /charts; another host's entry is not used.
          {
            url: repository.url.replace(/\/charts$/, ''),
            username: 'ci',
            password,
          },
          { url: 'http://localhost/charts', username: 'other', password: 'x' },
        ]),
      );
      expect(byName(objects)).toEqual(['library']);
      // The index and the chart archive were fetched signed in.
      expect(repository.requests.slice(served)).toEqual(
        expect.arrayContaining([
          { path: '/charts/index.yaml', authorized: true },
          { path: '/charts/library-0.2.0.tgz', authorized: true },
        ]),
      );
      const log = fs.readFileSync(wrapper.log, 'utf8');
      expect(log).toContain('argv: dependency build .');
      expect(log).toContain('argv: template');
      expect(log).toContain('repositories file mode: 600');
      expect(log).not.toContain(password);
      expect(log).not.toContain(
        Buffer.from(`ci:${password}`).toString('base64'),
      );
    });

    it('fetches the versions a Chart.lock pins with the credentials too', async () => {
      const chart = path.join(repositoryRoot, 'private-locked');
      fs.cpSync(path.join(repositoryRoot, 'private'), chart, {
        recursive: true,
      });
      // Lock the chart as its authors would: helm dependency update, signed in.
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-helm-lock-'));
      try {
        const repositories = path.join(home, 'repositories.yaml');
        fs.writeFileSync(
          repositories,
          `repositories:\n  - name: private\n    url: ${repository.url}\n    username: ci\n    password: ${password}\n`,
        );
        // Not execFileSync: the repository is served by this process.
        await promisify(execFile)(helm!, ['dependency', 'update', chart], {
          env: {
            PATH: process.env.PATH,
            HOME: home,
            HELM_CONFIG_HOME: home,
            HELM_CACHE_HOME: path.join(home, 'cache'),
            HELM_REPOSITORY_CONFIG: repositories,
          },
        });
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
      fs.rmSync(path.join(chart, 'charts'), { recursive: true });
      expect(fs.readFileSync(path.join(chart, 'Chart.lock'), 'utf8')).toContain(
        'version: 0.2.0',
      );
      const served = repository.requests.length;
      const objects = await render(
        'private-locked',
        {},
        options([{ url: repository.url, username: 'ci', password }]),
      );
      expect(byName(objects)).toEqual(['library']);
      expect(repository.requests.slice(served)).toContainEqual({
        path: '/charts/library-0.2.0.tgz',
        authorized: true,
      });
      expect(fs.existsSync(path.join(chart, 'charts'))).toBe(false);
    });
  });

  describe('an OCI registry that needs credentials', () => {
    const password = 'Sup3r-s3cret-registry-password';
    const base64 = Buffer.from(`ci:${password}`).toString('base64');
    let registry: OciRegistry;
    let wrapper: { binary: string; log: string };

    beforeAll(async () => {
      registry = await serveOciRegistry({ username: 'ci', password });
      wrapper = loggingHelm(registry.folder);
      writeFetchingChart('private-oci', registry.url);
    });

    afterAll(async () => {
      await registry?.close();
    });

    const options = (
      repositories: HelmRendererOptions['repositories'],
    ): HelmRendererOptions => ({
      binary: wrapper.binary,
      allowedRepositories: ['oci://127.0.0.1:*/charts'],
      repositories,
    });

    it('is refused by the registry without credentials, naming it and where to give them', async () => {
      const error: Error = await render(
        'private-oci',
        {},
        options(undefined),
      ).then(
        () => {
          throw new Error('rendered without credentials');
        },
        e => e,
      );
      expect(error.message).toMatch(
        /^Helm could not build the dependencies of private-oci: .*oci:\/\/127\.0\.0\.1:\d+\/charts was fetched without credentials: if it needs them, an administrator gives them in gitops\.helm\.repositories$/s,
      );
      expect(error.message).toContain(registry.url.replace(/^oci:\/\//, ''));
      expect(error.message).not.toContain(password);
      expect(error.message).not.toContain(base64);
    });

    it('pulls the dependency with the credentials in a private registry config, never on a command line or in the environment', async () => {
      fs.writeFileSync(wrapper.log, '');
      const served = registry.requests.length;
      const objects = await render(
        'private-oci',
        {},
        options([
          {
            url: registry.url.replace(/\/charts$/, ''),
            username: 'ci',
            password,
          },
        ]),
      );
      expect(byName(objects)).toEqual(['library']);
      const blobs = registry.requests
        .slice(served)
        .filter(r => r.path.includes('/blobs/'));
      expect(blobs.length).toBeGreaterThan(0);
      expect(blobs.every(r => r.authorized)).toBe(true);
      const log = fs.readFileSync(wrapper.log, 'utf8');
      expect(log).toMatch(/argv: dependency build \. --plain-http/);
      expect(log).toContain('argv: template');
      expect(log).toContain('registry config mode: 600');
      expect(log).not.toContain(password);
      expect(log).not.toContain(base64);
      const registryConfig = /^HELM_REGISTRY_CONFIG=(.*)$/m.exec(log)?.[1];
      expect(registryConfig).toMatch(/registry\/config\.json$/);
      expect(fs.existsSync(registryConfig!)).toBe(false);
    });
  });

  it('names the application and the binary when helm is missing', async () => {
    await expect(
      render('greeter', {}, { binary: '/opt/nowhere/helm' }),
    ).rejects.toThrow(
      'Application component~default~greeter~default: greeter is a Helm chart, but the helm binary "/opt/nowhere/helm" (gitops.helm.binary) is missing or not executable; point gitops.helm.binary at Helm 3',
    );
  });
});
