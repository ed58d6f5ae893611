import { mockServices } from '@backstage/backend-test-utils';
import { Entity, UserEntity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOnboardAction, MOORING_IDENTITY } from './createOnboardAction';

const CATALOG_INFO = `# The shipping service
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shipping
  annotations:
    backstage.io/source-location: url:SOURCE # where it lives
spec:
  type: service
  owner: guests
`;

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: os.devNull,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Seed',
      GIT_AUTHOR_EMAIL: 'seed@example.com',
      GIT_COMMITTER_NAME: 'Seed',
      GIT_COMMITTER_EMAIL: 'seed@example.com',
    },
  }).trim();
}

let root: string;
let bare: string;
let repoUrl: string;

/** A bare repository holding the given files on main, as a Git server would. */
function makeRepo(
  files: Record<string, string>,
  prepare?: (dir: string) => void,
) {
  const seed = path.join(root, 'seed');
  fs.mkdirSync(seed);
  git(seed, 'init', '--quiet', '--initial-branch=main');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(seed, file)), { recursive: true });
    fs.writeFileSync(path.join(seed, file), content);
  }
  prepare?.(seed);
  git(seed, 'add', '--all');
  git(seed, 'commit', '--quiet', '-m', 'Add shipping');
  git(root, 'clone', '--quiet', '--bare', seed, bare);
}

/** A file of the repository's main, as pushed. */
function pushed(file: string) {
  return git(root, '--git-dir', bare, 'show', `main:${file}`);
}

function entity(overrides: Partial<Entity> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'shipping',
      namespace: 'default',
      annotations: { 'backstage.io/source-location': `url:${repoUrl}` },
    },
    spec: { type: 'service', owner: 'guests' },
    ...overrides,
  };
}

const ada: UserEntity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'ada', namespace: 'default' },
  spec: {
    profile: { displayName: 'Ada Lovelace', email: 'ada@example.com' },
    memberOf: ['guests'],
  },
};

function config(gitops: object = {}) {
  return new ConfigReader({
    gitops: {
      clusters: [
        {
          name: 'dev',
          url: 'https://127.0.0.1:6443',
          serviceAccountToken: 't',
        },
      ],
      allowedRepos: [`file://${root}/**`],
      tenancy: {
        rules: [
          {
            owners: ['group:default/guests'],
            clusters: ['dev'],
            namespaces: ['shipping'],
          },
        ],
      },
      ...gitops,
    },
  });
}

function setup(
  options: {
    entities?: Entity[];
    allow?: boolean;
    gitops?: object;
  } = {},
) {
  const catalog = catalogServiceMock({
    entities: options.entities ?? [entity()],
  });
  const refreshEntity = jest
    .spyOn(catalog, 'refreshEntity')
    .mockResolvedValue();
  const permissions = mockServices.permissions.mock({
    authorize: jest.fn(async () => [
      {
        result:
          options.allow === false
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
      },
    ]) as any,
  });
  const action = createOnboardAction({
    config: config(options.gitops),
    catalog,
    permissions,
    logger: mockServices.logger.mock(),
  });
  return { action, refreshEntity, permissions };
}

type OnboardInput = Parameters<
  ReturnType<typeof createOnboardAction>['handler']
>[0]['input'];

function context(input: Partial<OnboardInput> = {}, user?: UserEntity) {
  const workspacePath = fs.mkdtempSync(path.join(root, 'task-'));
  return createMockActionContext<OnboardInput>({
    workspacePath,
    input: {
      entityRef: 'component:default/shipping',
      targets: [{ cluster: 'dev', namespace: 'shipping' }],
      path: 'deploy',
      starter: 'kustomize',
      image: 'registry.example.com/shipping:1.0.0',
      port: 8080,
      autoSync: true,
      selfHeal: true,
      prune: false,
      catalogInfoPath: 'catalog-info.yaml',
      ...input,
    },
    ...(user ? { user: { entity: user, ref: 'user:default/ada' } } : {}),
  });
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-onboard-'));
  bare = path.join(root, 'shipping.git');
  repoUrl = `file://${bare}`;
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('mooring:onboard', () => {
  it('commits the annotations and the starter as the person running it, pushes, and asks the catalog to refresh', async () => {
    makeRepo({ 'catalog-info.yaml': CATALOG_INFO.replace('SOURCE', repoUrl) });
    const { action, refreshEntity } = setup();
    const ctx = context({}, ada);
    await action.handler(ctx);

    const catalogInfo = pushed('catalog-info.yaml');
    expect(catalogInfo).toContain('# The shipping service');
    expect(catalogInfo).toContain('# where it lives');
    expect(catalogInfo).toContain(`    mooring.dev/cluster: dev
    mooring.dev/namespace: shipping
    mooring.dev/path: deploy
    mooring.dev/sync: auto
    mooring.dev/self-heal: "true"
    mooring.dev/repo: ${repoUrl}`);
    expect(pushed('deploy/kustomization.yaml')).toContain('- deployment.yaml');
    expect(pushed('deploy/deployment.yaml')).toContain(
      'image: registry.example.com/shipping:1.0.0',
    );
    const sha = git(root, '--git-dir', bare, 'rev-parse', 'main');
    expect(
      git(
        root,
        '--git-dir',
        bare,
        'log',
        '-1',
        '--format=%an <%ae>|%s|%b',
        'main',
      ),
    ).toMatch(
      /^Ada Lovelace <ada@example.com>\|Deploy shipping with Mooring\|Onboarded for user:default\/ada .*task mock-task-id/,
    );
    expect(ctx.output).toHaveBeenCalledWith('commitSha', sha);
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/shipping',
    );
    expect(ctx.output).toHaveBeenCalledWith('branch', 'main');
    expect(ctx.output).toHaveBeenCalledWith('applicationIds', [
      'component~default~shipping~default',
    ]);
    expect(refreshEntity).toHaveBeenCalledWith(
      'component:default/shipping',
      expect.anything(),
    );
  });

  it('fills in the defaults a template leaves out, as the scaffolder passes inputs unfilled', async () => {
    makeRepo({ 'catalog-info.yaml': CATALOG_INFO.replace('SOURCE', repoUrl) });
    const ctx = createMockActionContext<OnboardInput>({
      workspacePath: fs.mkdtempSync(path.join(root, 'task-')),
      input: {
        entityRef: 'component:default/shipping',
        targets: [{ cluster: 'dev', namespace: 'shipping' }],
      } as OnboardInput,
    });
    await setup().action.handler(ctx);
    const catalogInfo = pushed('catalog-info.yaml');
    expect(catalogInfo).toContain('mooring.dev/path: deploy');
    expect(catalogInfo).toContain('mooring.dev/sync: auto');
    expect(catalogInfo).not.toContain('mooring.dev/prune');
  });

  it('writes named targets with suffixed keys, and commits as Mooring for a user without an e-mail', async () => {
    makeRepo({ 'catalog-info.yaml': CATALOG_INFO.replace('SOURCE', repoUrl) });
    const { action } = setup({
      gitops: {
        tenancy: {
          rules: [
            { owners: ['*'], clusters: ['dev'], namespaces: ['shipping-*'] },
          ],
        },
      },
    });
    const ctx = context({
      starter: 'none',
      targets: [
        { cluster: 'dev', namespace: 'shipping-staging', name: 'staging' },
        { cluster: 'dev', namespace: 'shipping-qa', name: 'qa' },
      ],
    });
    await action.handler(ctx);
    const catalogInfo = pushed('catalog-info.yaml');
    expect(catalogInfo).toContain('mooring.dev/targets: staging,qa');
    expect(catalogInfo).toContain('mooring.dev/namespace.qa: shipping-qa');
    expect(catalogInfo).toContain('mooring.dev/cluster.staging: dev');
    expect(git(root, '--git-dir', bare, 'ls-tree', '--name-only', 'main')).toBe(
      'catalog-info.yaml',
    );
    expect(
      git(root, '--git-dir', bare, 'log', '-1', '--format=%an <%ae>', 'main'),
    ).toBe(`${MOORING_IDENTITY.name} <${MOORING_IDENTITY.email}>`);
    expect(ctx.output).toHaveBeenCalledWith('applicationIds', [
      'component~default~shipping~staging',
      'component~default~shipping~qa',
    ]);
  });

  it('refuses a second onboarding, from the catalog or from the file', async () => {
    makeRepo({ 'catalog-info.yaml': CATALOG_INFO.replace('SOURCE', repoUrl) });
    const { action } = setup();
    await action.handler(context());
    const head = git(root, '--git-dir', bare, 'rev-parse', 'main');
    // The catalog has not re-read the file yet: the file says it.
    await expect(action.handler(context({ path: 'deploy2' }))).rejects.toThrow(
      /component:default\/shipping is already onboarded: catalog-info.yaml has mooring.dev\/cluster/,
    );
    // The catalog has: it says so before anything is cloned.
    const onboarded = entity();
    onboarded.metadata.annotations!['mooring.dev/cluster'] = 'dev';
    await expect(
      setup({ entities: [onboarded] }).action.handler(context()),
    ).rejects.toThrow(/already onboarded to Mooring/);
    expect(git(root, '--git-dir', bare, 'rev-parse', 'main')).toBe(head);
  });

  it('refuses what is not a component, missing entities, and users who may not deploy it', async () => {
    makeRepo({ 'catalog-info.yaml': CATALOG_INFO.replace('SOURCE', repoUrl) });
    const head = git(root, '--git-dir', bare, 'rev-parse', 'main');
    const api = entity({ kind: 'API' });
    await expect(
      setup({ entities: [api] }).action.handler(
        context({ entityRef: 'api:default/shipping' }),
      ),
    ).rejects.toThrow(
      /api:default\/shipping is of kind API; Mooring deploys components only/,
    );
    await expect(
      setup().action.handler(context({ entityRef: 'component:default/nope' })),
    ).rejects.toThrow(/component:default\/nope is not in the catalog/);
    const denied = setup({ allow: false });
    await expect(denied.action.handler(context())).rejects.toThrow(
      /You may not deploy component:default\/shipping: gitops.application.sync is needed/,
    );
    expect(denied.permissions.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({
            name: 'gitops.application.sync',
          }),
          resourceRef: 'component:default/shipping',
        },
      ],
      expect.anything(),
    );
    expect(git(root, '--git-dir', bare, 'rev-parse', 'main')).toBe(head);
  });

  it('refuses a repository outside gitops.allowedRepos, an ungranted namespace and an unknown cluster before cloning', async () => {
    makeRepo({ 'catalog-info.yaml': CATALOG_INFO.replace('SOURCE', repoUrl) });
    const head = git(root, '--git-dir', bare, 'rev-parse', 'main');
    await expect(
      setup({
        gitops: { allowedRepos: ['https://git.example.com/**'] },
      }).action.handler(context()),
    ).rejects.toThrow(
      /Mooring would refuse to deploy component:default\/shipping: .*is not in gitops.allowedRepos.*allowed: https:\/\/git.example.com\/\*\*/,
    );
    await expect(
      setup().action.handler(
        context({ targets: [{ cluster: 'dev', namespace: 'payments' }] }),
      ),
    ).rejects.toThrow(
      /group:default\/guests may not deploy to namespace payments on cluster dev \(granted there: shipping\)/,
    );
    await expect(
      setup().action.handler(
        context({ targets: [{ cluster: 'moon', namespace: 'shipping' }] }),
      ),
    ).rejects.toThrow(/moon/);
    expect(git(root, '--git-dir', bare, 'rev-parse', 'main')).toBe(head);
  });

  it('refuses an existing folder, a symlinked one, a path leaving the repository and a huge catalog-info.yaml, pushing nothing', async () => {
    makeRepo(
      {
        'catalog-info.yaml': CATALOG_INFO.replace('SOURCE', repoUrl),
        'deploy/service.yaml': 'kind: Service\n',
      },
      seed => fs.symlinkSync('/tmp', path.join(seed, 'ops')),
    );
    const head = git(root, '--git-dir', bare, 'rev-parse', 'main');
    const { action } = setup();
    await expect(action.handler(context())).rejects.toThrow(
      /'deploy' already exists in the repository/,
    );
    await expect(
      action.handler(context({ path: 'ops/deploy' })),
    ).rejects.toThrow(/'ops' in the repository is a symlink/);
    await expect(
      action.handler(context({ path: '../../etc' })),
    ).rejects.toThrow(/must be a folder inside the repository/);
    expect(git(root, '--git-dir', bare, 'rev-parse', 'main')).toBe(head);
  });

  it('refuses a catalog-info.yaml that is huge or a symlink', async () => {
    makeRepo({
      'catalog-info.yaml': `${CATALOG_INFO.replace(
        'SOURCE',
        repoUrl,
      )}#${'x'.repeat(2 * 1024 * 1024)}\n`,
    });
    await expect(setup().action.handler(context())).rejects.toThrow(
      /catalog-info.yaml is larger than 1048576 bytes/,
    );
    fs.rmSync(root, { recursive: true });
    fs.mkdirSync(root);
    makeRepo({ 'real.yaml': CATALOG_INFO.replace('SOURCE', repoUrl) }, seed =>
      fs.symlinkSync('real.yaml', path.join(seed, 'catalog-info.yaml')),
    );
    await expect(setup().action.handler(context())).rejects.toThrow(
      /catalog-info.yaml in the repository is not a regular file/,
    );
  });

  it('says clearly when the push is refused', async () => {
    makeRepo({ 'catalog-info.yaml': CATALOG_INFO.replace('SOURCE', repoUrl) });
    // The server refuses every update of main (a protected branch).
    fs.writeFileSync(
      path.join(bare, 'hooks', 'pre-receive'),
      '#!/bin/sh\necho "main is protected" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    await expect(setup().action.handler(context())).rejects.toThrow(
      /Could not push to main of file:.*main is protected/s,
    );
  });
});
