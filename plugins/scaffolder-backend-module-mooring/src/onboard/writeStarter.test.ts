import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkRepoPath, writeStarter } from './writeStarter';

const values = {
  name: 'shipping',
  image: 'registry.example.com/shipping:1.0.0',
  port: 8080,
};

let repoDir: string;
beforeEach(() => {
  repoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-starter-'));
});
afterEach(() => fs.rmSync(repoDir, { recursive: true, force: true }));

/** The kinds and names of the objects in a YAML stream. */
function objects(yamlText: string) {
  return parseAllDocuments(yamlText)
    .map(doc => doc.toJS())
    .filter(Boolean)
    .map(o => ({
      kind: o.kind,
      name: o.metadata.name,
      image: o.spec?.template?.spec?.containers?.[0]?.image,
      port:
        o.spec?.template?.spec?.containers?.[0]?.ports?.[0]?.containerPort ??
        o.spec?.ports?.[0]?.targetPort,
    }))
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

const expected = [
  {
    kind: 'Deployment',
    name: 'shipping',
    image: 'registry.example.com/shipping:1.0.0',
    port: 8080,
  },
  { kind: 'Service', name: 'shipping', image: undefined, port: 8080 },
];

describe('writeStarter', () => {
  it('writes plain YAML with the placeholders filled', async () => {
    const files = await writeStarter({
      repoDir,
      folder: 'deploy/',
      starter: 'plain',
      values,
    });
    expect(files).toEqual(['deploy/deployment.yaml', 'deploy/service.yaml']);
    const all = files
      .map(f => fs.readFileSync(path.join(repoDir, f), 'utf8'))
      .join('---\n');
    expect(all).not.toContain('__');
    expect(objects(all)).toEqual(expected);
  });

  it('writes a Kustomize folder that the real kustomize (kubectl kustomize) builds', async () => {
    await writeStarter({
      repoDir,
      folder: 'k8s/app',
      starter: 'kustomize',
      values,
    });
    const built = execFileSync(
      'kubectl',
      ['kustomize', path.join(repoDir, 'k8s/app')],
      { encoding: 'utf8' },
    );
    expect(objects(built)).toEqual(expected);
    expect(built).toContain('app.kubernetes.io/name: shipping');
  });

  it('writes a Helm chart that the real helm renders', async () => {
    await writeStarter({ repoDir, folder: 'chart', starter: 'helm', values });
    const rendered = execFileSync(
      'helm',
      ['template', 'shipping', path.join(repoDir, 'chart')],
      { encoding: 'utf8', env: { ...process.env, HOME: repoDir } },
    );
    expect(objects(rendered)).toEqual(expected);
    execFileSync('helm', ['lint', path.join(repoDir, 'chart')], {
      env: { ...process.env, HOME: repoDir },
    });
  });

  it('refuses paths that leave the repository or name .git', async () => {
    for (const folder of [
      '../outside',
      'deploy/../../outside',
      '/etc/deploy',
      '.git/hooks',
      'a\\b',
      '',
      '.',
    ]) {
      await expect(
        writeStarter({ repoDir, folder, starter: 'plain', values }),
      ).rejects.toThrow(/must be a folder inside the repository/);
    }
    expect(fs.readdirSync(repoDir)).toEqual([]);
    expect(checkRepoPath('deploy/prod/')).toBe('deploy/prod');
  });

  it('refuses an existing folder and leaves it untouched', async () => {
    fs.mkdirSync(path.join(repoDir, 'deploy'));
    fs.writeFileSync(path.join(repoDir, 'deploy/service.yaml'), 'mine\n');
    await expect(
      writeStarter({ repoDir, folder: 'deploy', starter: 'plain', values }),
    ).rejects.toThrow(/'deploy' already exists in the repository/);
    expect(fs.readdirSync(path.join(repoDir, 'deploy'))).toEqual([
      'service.yaml',
    ]);
  });

  it('refuses to write through a symlinked folder', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-outside-'));
    try {
      fs.symlinkSync(outside, path.join(repoDir, 'ops'));
      await expect(
        writeStarter({
          repoDir,
          folder: 'ops/deploy',
          starter: 'plain',
          values,
        }),
      ).rejects.toThrow(/'ops' in the repository is a symlink/);
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses names, images and ports YAML or Kubernetes would misread', async () => {
    const write = (v: Partial<typeof values>) =>
      writeStarter({
        repoDir,
        folder: 'deploy',
        starter: 'plain',
        values: { ...values, ...v },
      });
    await expect(write({ name: 'Shipping_Service' })).rejects.toThrow(
      /not a valid Kubernetes name/,
    );
    await expect(
      write({ image: 'nginx\n      command: [sh]' }),
    ).rejects.toThrow(/not a container image reference/);
    await expect(write({ port: 70000 })).rejects.toThrow(/not a TCP port/);
    expect(fs.readdirSync(repoDir)).toEqual([]);
  });
});
