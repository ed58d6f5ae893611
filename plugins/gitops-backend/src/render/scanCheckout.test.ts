import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import type { GitopsRenderer } from '@mooring/plugin-gitops-node';
import { tempDir } from '../__testUtils__/gitRepos';
import { defaultRenderers, renderApplication } from './renderApplication';
import { DEFAULT_RENDER_LIMITS, readRenderLimits } from './renderLimits';
import { CheckoutScans, scanCheckout } from './scanCheckout';

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n';

function repo(files: Record<string, string> = {}) {
  const root = tempDir('scan');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

function render(
  root: string,
  appPath = 'app',
  options: { renderers?: GitopsRenderer[]; limits?: any } = {},
) {
  return renderApplication({
    repositoryRoot: root,
    path: appPath,
    namespace: 'shop',
    applicationId: 'a',
    renderers: options.renderers ?? defaultRenderers({}),
    limits: options.limits && { ...DEFAULT_RENDER_LIMITS, ...options.limits },
  });
}

const CHART = {
  'app/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
  'app/templates/cm.yaml': CM,
};

describe('the checkout scan before any renderer', () => {
  it.each([
    ['/proc/self/environ', 'app/files/environ'],
    ['/etc/passwd', 'app/files/passwd'],
    ['/etc/passwd', 'elsewhere/passwd'],
  ])(
    'refuses a chart when the checkout links %s (at %s), before helm reads it',
    async (target, link) => {
      const root = repo(CHART);
      fs.mkdirSync(path.dirname(path.join(root, link)), { recursive: true });
      fs.symlinkSync(target, path.join(root, link));
      await expect(render(root)).rejects.toThrow(
        new RegExp(`^${link}: symlink leads outside the repository`),
      );
    },
  );

  it('refuses a symlink to a folder out of the repository, and one to /proc', async () => {
    const root = repo({ 'app/cm.yaml': CM });
    fs.symlinkSync('/proc/self', path.join(root, 'app', 'self'));
    await expect(render(root)).rejects.toThrow(
      /^app\/self: symlink leads outside the repository/,
    );
  });

  it('refuses a fifo in the checkout', async () => {
    const root = repo({ 'app/cm.yaml': CM });
    execFileSync('mkfifo', [path.join(root, 'app', 'pipe.yaml')]);
    await expect(render(root)).rejects.toThrow(
      /^app\/pipe\.yaml is a device, fifo or socket/,
    );
  });

  it('accepts symlinks that stay inside the repository', async () => {
    const root = repo({ 'shared/cm.yaml': CM, 'app/.keep': '' });
    fs.symlinkSync('../shared', path.join(root, 'app', 'shared'));
    const { objects } = await render(root);
    expect(objects.map(o => o.metadata.name)).toEqual(['cm']);
  });

  it('stops a symlink DAG bomb at the file limit, fast', async () => {
    // Each level links ten times to the one below: 10^7 paths from 71 links.
    const root = repo({ 'level0/cm.yaml': CM });
    for (let level = 1; level <= 7; level++) {
      fs.mkdirSync(path.join(root, `level${level}`));
      for (let i = 0; i < 10; i++) {
        fs.symlinkSync(
          `../level${level - 1}`,
          path.join(root, `level${level}`, `l${i}`),
        );
      }
    }
    fs.symlinkSync('level7', path.join(root, 'app'));
    const started = Date.now();
    await expect(render(root)).rejects.toThrow(
      /more than 50000 files .*raise gitops\.limits\.files/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a symlink loop', async () => {
    const root = repo({ 'app/cm.yaml': CM });
    fs.symlinkSync('..', path.join(root, 'app', 'up'));
    await expect(render(root)).rejects.toThrow(
      /^app\/up: symlink is a loop of symlinks/,
    );
  });

  it('refuses a 1 GB file from its size alone, fast', async () => {
    const root = repo({ 'app/cm.yaml': CM });
    const big = path.join(root, 'app', 'big.yaml');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 1024 ** 3);
    const started = Date.now();
    await expect(render(root)).rejects.toThrow(
      /more than 536870912 bytes .*raise gitops\.limits\.repositoryBytes/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('render limits', () => {
  it('are read from gitops.limits, with defaults', () => {
    expect(readRenderLimits(new ConfigReader({}))).toEqual(
      DEFAULT_RENDER_LIMITS,
    );
    expect(
      readRenderLimits(
        new ConfigReader({
          gitops: { limits: { objectsPerApplication: 10, renderSeconds: 5 } },
        }),
      ),
    ).toMatchObject({ maxObjects: 10, maxRenderMs: 5000 });
    expect(() =>
      readRenderLimits(new ConfigReader({ gitops: { limits: { files: -1 } } })),
    ).toThrow(/gitops.limits.files must be a positive number/);
  });

  it('apply the configured object count to a render', async () => {
    const root = repo({
      'app/a.yaml': CM,
      'app/b.yaml': CM.replace('cm', 'cm2'),
    });
    const config = new ConfigReader({
      gitops: { limits: { objectsPerApplication: 1 } },
    });
    const renderers = defaultRenderers({ config });
    await expect(
      render(root, 'app', { renderers, limits: readRenderLimits(config) }),
    ).rejects.toThrow(
      /Path "app" renders to 2 objects, over the limit of 1; .*gitops\.limits\.objectsPerApplication/,
    );
  });

  it('refuse manifests over the byte limit before reading them', async () => {
    const root = repo({ 'app/a.yaml': CM });
    const renderers = defaultRenderers({
      config: new ConfigReader({ gitops: { limits: { manifestBytes: 10 } } }),
    });
    await expect(render(root, 'app', { renderers })).rejects.toThrow(
      /app\/a\.yaml hold more than 10 bytes.*gitops\.limits\.manifestBytes/,
    );
  });

  it('stop a render that takes too long', async () => {
    const root = repo({ 'app/a.yaml': CM });
    const slow: GitopsRenderer = {
      name: 'slow',
      canRender: async () => true,
      render: () => new Promise(resolve => setTimeout(() => resolve([]), 2000)),
    };
    await expect(
      render(root, 'app', { renderers: [slow], limits: { maxRenderMs: 50 } }),
    ).rejects.toThrow(
      /took more than 0.05 seconds.*gitops\.limits\.renderSeconds/,
    );
  });
});

describe('CheckoutScans', () => {
  it('scans a checkout once, however many applications render it', async () => {
    const root = repo({ 'app/a.yaml': CM });
    const scans = new CheckoutScans();
    await scans.scan(root, DEFAULT_RENDER_LIMITS);
    // A checkout never changes; this link only shows the second call did not scan.
    fs.symlinkSync('/etc', path.join(root, 'app', 'out'));
    await expect(scanCheckout(root, DEFAULT_RENDER_LIMITS)).rejects.toThrow(
      /symlink leads outside/,
    );
    await expect(
      scans.scan(root, DEFAULT_RENDER_LIMITS),
    ).resolves.toBeUndefined();
    // Other limits are another question, asked of the files again.
    await expect(
      scans.scan(root, { ...DEFAULT_RENDER_LIMITS, maxFiles: 100 }),
    ).rejects.toThrow(/symlink leads outside/);
  });

  it('remembers what it refused, and renders through it refuse too', async () => {
    const root = repo({ 'app/a.yaml': CM });
    fs.symlinkSync('/etc', path.join(root, 'app', 'out'));
    const scans = new CheckoutScans();
    const renderWith = () =>
      renderApplication({
        repositoryRoot: root,
        path: 'app',
        namespace: 'shop',
        applicationId: 'a',
        renderers: defaultRenderers({}),
        scans,
      });
    await expect(renderWith()).rejects.toThrow(/^app\/out: symlink leads/);
    fs.unlinkSync(path.join(root, 'app', 'out'));
    await expect(renderWith()).rejects.toThrow(/^app\/out: symlink leads/);
  });
});
