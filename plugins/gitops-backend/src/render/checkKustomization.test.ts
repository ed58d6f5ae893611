import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { tempDir } from '../__testUtils__/gitRepos';
import { isRemoteReference } from './checkKustomization';
import { defaultRenderers, renderApplication } from './renderApplication';

jest.setTimeout(30_000);

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n';

function repo(files: Record<string, string>) {
  const root = tempDir('kustomize');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

function render(root: string, kustomize: Record<string, boolean> = {}) {
  return renderApplication({
    repositoryRoot: root,
    path: 'app',
    namespace: 'shop',
    applicationId: 'a',
    renderers: defaultRenderers({
      config: new ConfigReader({ gitops: { kustomize } }),
    }),
  });
}

describe('isRemoteReference, by kustomize’s rules', () => {
  it.each([
    'https://github.com/org/repo//deploy?ref=main',
    'http://example.com/cm.yaml',
    'HTTPS://example.com/cm.yaml',
    'git::https://example.com/org/repo',
    'GIT::example.com/org/repo',
    'git@github.com:org/repo',
    'deploy@git.example.com:org/repo.git//app',
    'github.com/org/repo/deploy',
    'GITHUB.COM/org/repo',
    'github.com:org/repo',
    'ssh://git@example.com/org/repo',
    'file:///srv/git/repo',
  ])('%s is remote', reference => {
    expect(isRemoteReference(reference)).toBe(true);
  });

  it.each([
    'deployment.yaml',
    '../base',
    './github.com.yaml',
    'github.community/org',
    'dir/with@sign/cm.yaml',
  ])('%s is local', reference => {
    expect(isRemoteReference(reference)).toBe(false);
  });
});

describe('kustomizations are checked before kustomize runs', () => {
  it.each([
    ['resources', 'resources: [git::https://example.com/org/repo]'],
    ['resources', 'resources: [deploy@example.com:org/repo]'],
    ['resources', 'resources: [GITHUB.COM/org/repo]'],
    ['resources', 'resources: ["github.com:org/repo"]'],
    ['bases', 'bases: [ssh://git@example.com/org/repo]'],
    ['components', 'components: [https://example.com/org/repo//c]'],
    ['crds', 'crds: [https://example.com/crd.yaml]'],
    ['configurations', 'configurations: [https://example.com/conf.yaml]'],
    [
      'replacements[].path',
      'replacements: [{path: "https://example.com/r.yaml"}]',
    ],
    ['openapi.path', 'openapi: {path: "https://example.com/schema.json"}'],
    ['patches[].path', 'patches: [{path: "https://example.com/p.yaml"}]'],
    ['generators', 'generators: [https://example.com/gen.yaml]'],
    ['transformers', 'transformers: [file:///tmp/t.yaml]'],
    ['validators', 'validators: [https://example.com/v.yaml]'],
  ])('refuses a remote reference in %s', async (field, kustomization) => {
    const root = repo({ 'app/kustomization.yaml': `${kustomization}\n` });
    await expect(render(root)).rejects.toThrow(
      new RegExp(
        `^app/kustomization\\.yaml: remote base .* in ${field.replace(
          /[[\]().]/g,
          '\\$&',
        )} is not allowed.*gitops\\.kustomize\\.allowRemoteBases`,
      ),
    );
  });

  it.each([
    ['configurations', 'configurations: [../../../../etc/passwd]'],
    ['replacements[].path', 'replacements: [{path: /etc/passwd}]'],
    ['openapi.path', 'openapi: {path: ../../../../../etc/passwd}'],
    ['crds', 'crds: [/proc/self/environ]'],
  ])('refuses a path out of the repository in %s', async (field, line) => {
    const root = repo({ 'app/kustomization.yaml': `${line}\n` });
    await expect(render(root)).rejects.toThrow(
      new RegExp(
        `leads outside the repository.*\\(in ${field.replace(
          /[[\].]/g,
          '\\$&',
        )}\\)`,
      ),
    );
  });

  it('checks every kustomization reached through local bases, whatever its file name', async () => {
    const root = repo({
      'app/kustomization.yaml': 'resources: [../base]\n',
      'base/Kustomization': 'resources: [../deeper]\n',
      'deeper/kustomization.yml': 'resources: [GITHUB.COM/org/repo]\n',
    });
    await expect(render(root)).rejects.toThrow(
      /^deeper\/kustomization\.yml: remote base "GITHUB\.COM\/org\/repo"/,
    );
  });

  it('refuses exec and function plugins unless gitops.kustomize.allowPlugins', async () => {
    const plugin =
      'apiVersion: example.com/v1\nkind: Inflator\nmetadata: {name: x}\n';
    const fn =
      'apiVersion: example.com/v1\nkind: Fn\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec: {path: ./run.sh}\n';
    const cases: Array<Record<string, string>> = [
      {
        'app/kustomization.yaml': 'generators: [plugin.yaml]\n',
        'app/plugin.yaml': plugin,
      },
      {
        'app/kustomization.yaml': `transformers:\n- |\n${fn
          .split('\n')
          .map(l => `  ${l}`)
          .join('\n')}\n`,
      },
      {
        'app/kustomization.yaml': 'validators: [plugins]\n',
        'app/plugins/kustomization.yaml': 'resources: []\n',
      },
    ];
    for (const files of cases) {
      await expect(render(repo(files))).rejects.toThrow(
        /^app\/kustomization\.yaml: (generators|transformers|validators) .*gitops\.kustomize\.allowPlugins/,
      );
    }
  });

  it('lets built-in transformer configs through', async () => {
    const root = repo({
      'app/kustomization.yaml':
        'resources: [cm.yaml]\ntransformers: [prefix.yaml]\n',
      'app/cm.yaml': CM,
      'app/prefix.yaml':
        'apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata: {name: p}\nprefix: team-\nfieldSpecs: [{path: metadata/name}]\n',
    });
    const { objects } = await render(root);
    expect(objects.map(o => o.metadata.name)).toEqual(['team-cm']);
  });

  it('refuses helmCharts unless gitops.kustomize.allowHelmCharts', async () => {
    const root = repo({
      'app/kustomization.yaml':
        'helmCharts: [{name: redis, repo: https://charts.example.com, version: 1.0.0}]\n',
    });
    await expect(render(root)).rejects.toThrow(
      /helmCharts are not allowed.*gitops\.kustomize\.allowHelmCharts/,
    );
  });

  it('makes no network request for a kustomization naming a URL', async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end(CM);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const line of [
        `resources: [http://127.0.0.1:${port}/cm.yaml]`,
        `resources: [git::http://127.0.0.1:${port}/org/repo]`,
        `configurations: [http://127.0.0.1:${port}/conf.yaml]`,
        `openapi: {path: "http://127.0.0.1:${port}/schema.json"}`,
      ]) {
        const root = repo({ 'app/kustomization.yaml': `${line}\n` });
        await expect(render(root)).rejects.toThrow(/is not allowed/);
      }
      expect(requests).toEqual([]);
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  });
});
