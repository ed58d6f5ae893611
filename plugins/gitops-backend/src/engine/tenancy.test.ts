import { TestDatabases } from '@backstage/backend-test-utils';
import { ANNOTATION_TRACKING_ID } from '@mooring/plugin-gitops-common';
import type { SyncRun } from '@mooring/plugin-gitops-common';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  spec,
  kubeSimSuite,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap, deployment, secret } from '../__testUtils__/fixtures';
import type { DefaultGitopsEngine } from './DefaultGitopsEngine';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const OWNER = 'group:default/payments';
const JANE = 'user:default/jane';

/** The platform's grant: payments may deploy to namespace payments on cluster dev. */
const rule = (extra: Record<string, unknown> = {}) => ({
  owners: [OWNER],
  clusters: ['dev'],
  namespaces: ['payments'],
  ...extra,
});

const clusterRoleBinding = (
  name: string,
) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${name}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: payments
`;

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.payments.example.com
spec:
  group: payments.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;

const namespace = (name: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
`;

describe('the trust boundary: an owner deploys only where it was granted', () => {
  const suite = kubeSimSuite('engine-tenancy');
  const { root, cleanups } = suite;
  const k8s = () => clusterClient(suite.sim);

  async function engineFor(
    rules: unknown[] = [rule()],
  ): Promise<DefaultGitopsEngine> {
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
      tenancy: { rules },
      // The same cluster under a name the owner was not granted.
      extraClusters: [
        {
          name: 'prod',
          url: suite.sim.url,
          serviceAccountToken: suite.sim.adminToken,
          caData: suite.sim.caData,
        },
      ],
    });
    cleanups.push(cleanup);
    await engine.start();
    return engine;
  }

  /** A repository with the manifests under `app/`. */
  function repoWith(name: string, files: Record<string, string>) {
    const repo = new TestRepo(root, name);
    const prefixed: Record<string, string> = {};
    for (const [file, content] of Object.entries(files)) {
      prefixed[`app/${file}`] = content;
    }
    repo.commit(prefixed, 'Manifests');
    return repo;
  }

  /** The payments team's application of `repo`, in namespace payments unless told. */
  function paymentsApp(
    id: string,
    repo: TestRepo,
    overrides: Parameters<typeof spec>[3] = {},
  ) {
    return spec(id, repo.fileUrl, 'app', {
      namespace: 'payments',
      owner: OWNER,
      ...overrides,
    });
  }

  /** Starts a sync by Jane and waits for its run to end. */
  async function syncAndWait(
    engine: DefaultGitopsEngine,
    id: string,
  ): Promise<SyncRun> {
    const started = await engine.sync(id, { initiatedBy: JANE });
    return waitFor(`the sync of ${id} to end`, async () => {
      const run = (await engine.getHistory(id)).find(r => r.id === started.id);
      return run && run.phase !== 'Running' && run;
    });
  }

  /** The status once the comparison after the sync has recorded the refusal. */
  async function refusedStatus(engine: DefaultGitopsEngine, id: string) {
    return waitFor(`the status of ${id} to show the refusal`, async () => {
      const { status } = await engine.getApplication(id);
      return status.refusal ? status : undefined;
    });
  }

  async function expectAbsent(
    objects: Array<[string, string, string, string?]>,
  ) {
    for (const [apiVersion, kind, name, ns] of objects) {
      expect({
        kind,
        name,
        live: await k8s().get(apiVersion, kind, name, ns),
      }).toEqual({ kind, name, live: undefined });
    }
  }

  /**
   * Syncs an application that must be refused; checks nothing was applied
   * and that the run and the status give the same reason.
   */
  async function expectRefused(
    engine: DefaultGitopsEngine,
    id: string,
    absent: Array<[string, string, string, string?]>,
    reason: RegExp,
  ) {
    const run = await syncAndWait(engine, id);
    expect(run.phase).toBe('Failed');
    expect(run.message).toMatch(reason);
    expect(run.message).toMatch(/Nothing was applied\.$/);
    expect(run.changes).toEqual([]);
    await expectAbsent(absent);
    const status = await refusedStatus(engine, id);
    expect(status.refusal).toBe(run.message);
    expect(status.message).toBe(run.message);
    expect(status.sync).toBe('OutOfSync');
    return run;
  }

  it('syncs an application in its granted namespace', async () => {
    const repo = repoWith('granted', {
      'settings.yaml': configMap('granted-settings', { mode: 'fast' }),
      'web.yaml': deployment('granted-web', 'nginx:1.27'),
    });
    const engine = await engineFor();
    await engine.setApplications([paymentsApp('granted', repo)]);
    const run = await syncAndWait(engine, 'granted');
    expect(run.phase).toBe('Succeeded');
    expect(run.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'granted-settings',
          action: 'created',
        }),
        expect.objectContaining({ name: 'granted-web', action: 'created' }),
      ]),
    );
    const settings = await k8s().get(
      'v1',
      'ConfigMap',
      'granted-settings',
      'payments',
    );
    expect(settings.data).toEqual({ mode: 'fast' });
    expect(settings.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
      'granted:/ConfigMap:payments/granted-settings',
    );
    expect(
      await k8s().get('apps/v1', 'Deployment', 'granted-web', 'payments'),
    ).toBeDefined();
    expect((await engine.getApplication('granted')).status.refusal).toBe(
      undefined,
    );
  });

  it('refuses a destination namespace that is not granted', async () => {
    const repo = repoWith('elsewhere', {
      'settings.yaml': configMap('elsewhere-settings', { a: '1' }),
      'web.yaml': deployment('elsewhere-web', 'nginx:1.27'),
    });
    const engine = await engineFor();
    await engine.setApplications([
      paymentsApp('elsewhere', repo, { namespace: 'elsewhere' }),
    ]);
    const run = await expectRefused(
      engine,
      'elsewhere',
      [
        ['v1', 'Namespace', 'elsewhere'],
        ['v1', 'ConfigMap', 'elsewhere-settings', 'elsewhere'],
        ['apps/v1', 'Deployment', 'elsewhere-web', 'elsewhere'],
      ],
      /ConfigMap elsewhere-settings is in namespace elsewhere, which is not granted to group:default\/payments/,
    );
    expect(run.message).toContain('(granted: cluster dev; namespace payments)');
  });

  it('refuses an explicit metadata.namespace that is not granted, and applies none of the sync', async () => {
    const repo = repoWith('explicit', {
      'own.yaml': configMap('explicit-own', { a: '1' }),
      'other.yaml': configMap(
        'explicit-other',
        { a: '1' },
        '\n  namespace: other',
      ),
    });
    const engine = await engineFor();
    await engine.setApplications([paymentsApp('explicit', repo)]);
    const run = await expectRefused(
      engine,
      'explicit',
      [
        ['v1', 'ConfigMap', 'explicit-other', 'other'],
        ['v1', 'ConfigMap', 'explicit-own', 'payments'],
        ['v1', 'Namespace', 'other'],
      ],
      /ConfigMap explicit-other is in namespace other \(its metadata\.namespace\), which is not granted to group:default\/payments/,
    );
    expect(run.message).toContain('(granted: cluster dev; namespace payments)');
  });

  it('refuses kube-system', async () => {
    const repo = repoWith('kube-system', {
      'own.yaml': configMap('ks-own', { a: '1' }),
      'coredns.yaml': configMap(
        'ks-coredns-custom',
        { a: '1' },
        '\n  namespace: kube-system',
      ),
    });
    const engine = await engineFor();
    await engine.setApplications([
      paymentsApp('ks', repo),
      paymentsApp('ks-destination', repo, { namespace: 'kube-system' }),
    ]);
    const run = await expectRefused(
      engine,
      'ks',
      [
        ['v1', 'ConfigMap', 'ks-coredns-custom', 'kube-system'],
        ['v1', 'ConfigMap', 'ks-own', 'payments'],
      ],
      /ConfigMap ks-coredns-custom is in namespace kube-system \(its metadata\.namespace\), which is not granted/,
    );
    await expectRefused(
      engine,
      'ks-destination',
      [
        ['v1', 'ConfigMap', 'ks-coredns-custom', 'kube-system'],
        ['v1', 'ConfigMap', 'ks-own', 'kube-system'],
      ],
      /ConfigMap ks-own is in namespace kube-system, which is not granted/,
    );
    expect(run.message).toBe(
      'Refused: ConfigMap ks-coredns-custom is in namespace kube-system (its metadata.namespace), which is not granted to group:default/payments (granted: cluster dev; namespace payments). Nothing was applied.',
    );
  });

  it('refuses a ClusterRoleBinding to cluster-admin', async () => {
    const repo = repoWith('crb', {
      'own.yaml': configMap('crb-own', { a: '1' }),
      'admin.yaml': clusterRoleBinding('payments-cluster-admin'),
    });
    const engine = await engineFor();
    await engine.setApplications([paymentsApp('crb', repo)]);
    const run = await expectRefused(
      engine,
      'crb',
      [
        [
          'rbac.authorization.k8s.io/v1',
          'ClusterRoleBinding',
          'payments-cluster-admin',
        ],
        ['v1', 'ConfigMap', 'crb-own', 'payments'],
      ],
      /ClusterRoleBinding payments-cluster-admin is cluster-scoped and group:default\/payments may manage no cluster-scoped kinds/,
    );
    expect(run.message).toBe(
      'Refused: ClusterRoleBinding payments-cluster-admin is cluster-scoped and group:default/payments may manage no cluster-scoped kinds (granted: cluster dev; namespace payments). Nothing was applied.',
    );
  });

  it('refuses a CustomResourceDefinition', async () => {
    const repo = repoWith('crd', {
      'own.yaml': configMap('crd-own', { a: '1' }),
      'crd.yaml': crd,
    });
    const engine = await engineFor();
    await engine.setApplications([paymentsApp('crd', repo)]);
    const run = await expectRefused(
      engine,
      'crd',
      [
        [
          'apiextensions.k8s.io/v1',
          'CustomResourceDefinition',
          'widgets.payments.example.com',
        ],
        ['v1', 'ConfigMap', 'crd-own', 'payments'],
      ],
      /CustomResourceDefinition widgets\.payments\.example\.com is cluster-scoped and group:default\/payments may manage no cluster-scoped kinds/,
    );
    expect(run.message).toBe(
      'Refused: CustomResourceDefinition widgets.payments.example.com is cluster-scoped and group:default/payments may manage no cluster-scoped kinds (granted: cluster dev; namespace payments). Nothing was applied.',
    );
  });

  it('refuses a cluster that is not granted', async () => {
    const repo = repoWith('prod', {
      'own.yaml': configMap('prod-own', { a: '1' }),
    });
    const engine = await engineFor();
    await engine.setApplications([
      paymentsApp('on-prod', repo, { cluster: 'prod' }),
    ]);
    const run = await expectRefused(
      engine,
      'on-prod',
      // `prod` is the same kube-sim: nothing may have landed there either.
      [['v1', 'ConfigMap', 'prod-own', 'payments']],
      /group:default\/payments may not deploy to cluster prod/,
    );
    expect(run.message).toBe(
      'Refused: group:default/payments may not deploy to cluster prod (granted: cluster dev). Nothing was applied.',
    );
  });

  it("refuses another application's objects, naming that application, and leaves them alone", async () => {
    const repoA = repoWith('owner-a', {
      'shared.yaml': configMap('shared', { from: 'a' }),
    });
    const repoB = repoWith('owner-b', {
      'shared.yaml': configMap('shared', { from: 'b' }),
      'own.yaml': configMap('b-own', { from: 'b' }),
    });
    const engine = await engineFor();
    await engine.setApplications([
      paymentsApp('app-a', repoA),
      paymentsApp('app-b', repoB),
    ]);
    expect((await syncAndWait(engine, 'app-a')).phase).toBe('Succeeded');
    const before = await k8s().get('v1', 'ConfigMap', 'shared', 'payments');
    expect(before.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
      'app-a:/ConfigMap:payments/shared',
    );

    const run = await expectRefused(
      engine,
      'app-b',
      [['v1', 'ConfigMap', 'b-own', 'payments']],
      /ConfigMap shared in payments belongs to application app-a|ConfigMap payments\/shared belongs to application app-a|shared.*belongs to application app-a/,
    );
    expect(run.message).toMatch(
      /never takes over another application's objects/,
    );
    const after = await k8s().get('v1', 'ConfigMap', 'shared', 'payments');
    expect(after.data).toEqual({ from: 'a' });
    expect(after.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
      'app-a:/ConfigMap:payments/shared',
    );
    expect(after.metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    // A's status is untouched by B's attempt.
    expect((await engine.getApplication('app-a')).status.refusal).toBe(
      undefined,
    );
  });

  it('adopts an object without a tracking id in the granted namespace', async () => {
    await k8s().create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'adopt-me', namespace: 'payments' },
      data: { by: 'hand' },
    } as any);
    const repo = repoWith('adopt', {
      'adopt.yaml': configMap('adopt-me', { by: 'git' }),
    });
    const engine = await engineFor();
    await engine.setApplications([paymentsApp('adopt', repo)]);
    const run = await syncAndWait(engine, 'adopt');
    expect(run.phase).toBe('Succeeded');
    expect(run.changes).toEqual([
      expect.objectContaining({
        kind: 'ConfigMap',
        namespace: 'payments',
        name: 'adopt-me',
        action: 'adopted',
      }),
    ]);
    const live = await k8s().get('v1', 'ConfigMap', 'adopt-me', 'payments');
    expect(live.data).toEqual({ by: 'git' });
    expect(live.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
      'adopt:/ConfigMap:payments/adopt-me',
    );
  });

  it('syncs Namespace objects when clusterResources grants Namespace', async () => {
    const repo = repoWith('namespaces', {
      'ns.yaml': namespace('payments'),
      'tools.yaml': namespace('payments-tools'),
      'settings.yaml': configMap('ns-settings', { a: '1' }),
    });
    // Without the cluster-scoped kind, only the granted namespace's own Namespace passes.
    const refusing = await engineFor();
    await refusing.setApplications([paymentsApp('namespaces', repo)]);
    await expectRefused(
      refusing,
      'namespaces',
      [
        ['v1', 'Namespace', 'payments-tools'],
        ['v1', 'ConfigMap', 'ns-settings', 'payments'],
      ],
      /Namespace payments-tools is not a namespace granted to group:default\/payments, and group:default\/payments may manage no cluster-scoped kinds/,
    );

    const engine = await engineFor([rule({ clusterResources: ['Namespace'] })]);
    await engine.setApplications([paymentsApp('namespaces', repo)]);
    const run = await syncAndWait(engine, 'namespaces');
    expect(run.message).not.toMatch(/Refused/);
    expect(run.phase).toBe('Succeeded');
    const payments = await k8s().get('v1', 'Namespace', 'payments');
    expect(payments.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
      'namespaces:/Namespace:/payments',
    );
    expect(await k8s().get('v1', 'Namespace', 'payments-tools')).toBeDefined();
    expect(
      await k8s().get('v1', 'ConfigMap', 'ns-settings', 'payments'),
    ).toBeDefined();
  });

  it('reports a refusal from a dry run and applies nothing', async () => {
    const repo = repoWith('dry', {
      'own.yaml': configMap('dry-own', { a: '1' }),
      'coredns.yaml': configMap(
        'dry-coredns',
        { a: '1' },
        '\n  namespace: kube-system',
      ),
    });
    const engine = await engineFor();
    await engine.setApplications([paymentsApp('dry', repo)]);
    const run = await engine.sync('dry', { dryRun: true, initiatedBy: JANE });
    expect(run.phase).toBe('Failed');
    expect(run.dryRun).toBe(true);
    expect(run.message).toMatch(
      /^Dry run: Refused: ConfigMap dry-coredns is in namespace kube-system \(its metadata\.namespace\), which is not granted to group:default\/payments \(granted: cluster dev; namespace payments\)\. Nothing was applied\.$/,
    );
    await expectAbsent([
      ['v1', 'ConfigMap', 'dry-coredns', 'kube-system'],
      ['v1', 'ConfigMap', 'dry-own', 'payments'],
    ]);
    expect((await engine.getHistory('dry'))[0]).toMatchObject({
      id: run.id,
      dryRun: true,
      phase: 'Failed',
    });
  });

  describe('with a service account to impersonate', () => {
    beforeAll(async () => {
      // The platform's side: a service account that may manage only ConfigMaps.
      const admin = clusterClient(suite.sim);
      await admin.patch(
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'payments' },
        } as any,
        'platform',
      );
      await admin.patch(
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'mooring', namespace: 'payments' },
        } as any,
        'platform',
      );
      await admin.patch(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'mooring-configmaps', namespace: 'payments' },
          rules: [
            {
              apiGroups: [''],
              resources: ['configmaps'],
              verbs: [
                'get',
                'list',
                'watch',
                'create',
                'update',
                'patch',
                'delete',
              ],
            },
          ],
        } as any,
        'platform',
      );
      await admin.patch(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'mooring-configmaps', namespace: 'payments' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'Role',
            name: 'mooring-configmaps',
          },
          subjects: [
            { kind: 'ServiceAccount', name: 'mooring', namespace: 'payments' },
          ],
        } as any,
        'platform',
      );
    });

    const impersonatingRules = () => [rule({ serviceAccount: 'mooring' })];

    it('syncs what the Role allows', async () => {
      const repo = repoWith('sa-allowed', {
        'settings.yaml': configMap('sa-settings', { a: '1' }),
      });
      const engine = await engineFor(impersonatingRules());
      await engine.setApplications([paymentsApp('sa-allowed', repo)]);
      const run = await syncAndWait(engine, 'sa-allowed');
      expect({ phase: run.phase, message: run.message }).toMatchObject({
        phase: 'Succeeded',
      });
      const live = await k8s().get(
        'v1',
        'ConfigMap',
        'sa-settings',
        'payments',
      );
      expect(live.data).toEqual({ a: '1' });
      // The cluster saw the service account apply it, not Mooring's credential.
      expect(live.metadata.managedFields.map((f: any) => f.manager)).toContain(
        'mooring',
      );
    });

    it('is refused by the cluster (403) for what the grant allows but the Role does not', async () => {
      const repo = repoWith('sa-forbidden', {
        'token.yaml': secret('sa-token', { token: 's3cret' }),
      });
      const engine = await engineFor(impersonatingRules());
      await engine.setApplications([paymentsApp('sa-forbidden', repo)]);
      const run = await syncAndWait(engine, 'sa-forbidden');
      expect(run.phase).toBe('Failed');
      expect(run.message).toMatch(/HTTP 403/);
      // Even reading it goes through the service account, so the cluster
      // refuses the read before any write is tried.
      expect(run.message).toMatch(
        /secrets "sa-token" is forbidden: User "system:serviceaccount:payments:mooring" cannot get resource "secrets"/,
      );
      expect(run.message).not.toMatch(/Refused:/);
      // The application's status shows the failed operation with the cluster's words.
      const { status } = await engine.getApplication('sa-forbidden');
      expect(status.operation).toMatchObject({
        phase: 'Failed',
        message: run.message,
      });
      // The comparison reads as the service account too: it cannot watch Secrets.
      expect(status.message).toMatch(
        /Cannot watch Secret .*forbidden: User "system:serviceaccount:payments:mooring" cannot list resource "secrets"/,
      );
      // A dry run asks the cluster as the service account too.
      const dryRun = await engine.sync('sa-forbidden', {
        dryRun: true,
        initiatedBy: JANE,
      });
      expect(dryRun.phase).toBe('Failed');
      expect(dryRun.message).not.toMatch(/Refused:/);
      expect(dryRun.changes).toEqual([
        expect.objectContaining({
          name: 'sa-token',
          action: 'failed',
          message: expect.stringMatching(
            /HTTP 403.*User "system:serviceaccount:payments:mooring" cannot/,
          ),
        }),
      ]);
      expect(await k8s().get('v1', 'Secret', 'sa-token', 'payments')).toBe(
        undefined,
      );
    });
  });

  describe('prune', () => {
    /** Deletes an object and creates it again under the same name and tracking id (a new uid). */
    async function recreate(name: string) {
      const old = await k8s().get('v1', 'ConfigMap', name, 'payments');
      await k8s().delete(old);
      await waitFor(
        `${name} to be gone`,
        async () => !(await k8s().get('v1', 'ConfigMap', name, 'payments')),
      );
      const created = await k8s().create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace: 'payments',
          labels: old.metadata.labels,
          annotations: old.metadata.annotations,
        },
        data: { recreated: 'by someone else' },
      } as any);
      expect(created.metadata.uid).not.toBe(old.metadata.uid);
      expect(created.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
        old.metadata.annotations[ANNOTATION_TRACKING_ID],
      );
      return created;
    }

    /** Gives a live object the tracking id of another application. */
    async function handOver(name: string, toApplication: string) {
      const live = await k8s().get('v1', 'ConfigMap', name, 'payments');
      live.metadata.annotations[
        ANNOTATION_TRACKING_ID
      ] = `${toApplication}:/ConfigMap:payments/${name}`;
      await k8s().replace(live);
    }

    it('never deletes a re-created object or one that another application now tracks', async () => {
      const repo = repoWith('prune', {
        'keep.yaml': configMap('prune-keep', { a: '1' }),
        'old.yaml': configMap('prune-old', { a: '1' }),
        'moved.yaml': configMap('prune-moved', { a: '1' }),
        'gone.yaml': configMap('prune-gone', { a: '1' }),
      });
      const engine = await engineFor();
      await engine.setApplications([
        paymentsApp('pruner', repo, { prune: true }),
      ]);
      expect((await syncAndWait(engine, 'pruner')).phase).toBe('Succeeded');

      const recreated = await recreate('prune-old');
      await handOver('prune-moved', 'someone-else');
      repo.commit(
        {
          'app/old.yaml': null,
          'app/moved.yaml': null,
          'app/gone.yaml': null,
        },
        'Drop three',
      );
      await engine.refresh('pruner');
      const run = await syncAndWait(engine, 'pruner');
      expect(run.phase).toBe('Succeeded');
      // Only the object this application applied, and still tracks, goes.
      expect(run.changes.filter(c => c.action === 'deleted')).toEqual([
        expect.objectContaining({ name: 'prune-gone' }),
      ]);
      await expectAbsent([['v1', 'ConfigMap', 'prune-gone', 'payments']]);
      const old = await k8s().get('v1', 'ConfigMap', 'prune-old', 'payments');
      expect(old.metadata.uid).toBe(recreated.metadata.uid);
      expect(old.data).toEqual({ recreated: 'by someone else' });
      const moved = await k8s().get(
        'v1',
        'ConfigMap',
        'prune-moved',
        'payments',
      );
      expect(moved.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
        'someone-else:/ConfigMap:payments/prune-moved',
      );
      expect(
        await k8s().get('v1', 'ConfigMap', 'prune-keep', 'payments'),
      ).toBeDefined();

      // Not tracked any more: another sync leaves them alone too.
      expect((await syncAndWait(engine, 'pruner')).phase).toBe('Succeeded');
      expect(
        (await k8s().get('v1', 'ConfigMap', 'prune-old', 'payments')).metadata
          .uid,
      ).toBe(recreated.metadata.uid);
    });

    it("on remove deletes only this application's objects", async () => {
      const repo = repoWith('remove', {
        // Deleted in reverse name order: a-mine goes last, after the others were judged.
        'mine.yaml': configMap('a-remove-mine', { a: '1' }),
        'recreated.yaml': configMap('remove-recreated', { a: '1' }),
        'moved.yaml': configMap('remove-moved', { a: '1' }),
      });
      const engine = await engineFor();
      await engine.setApplications([
        paymentsApp('remover', repo, { pruneOnRemove: true }),
      ]);
      expect((await syncAndWait(engine, 'remover')).phase).toBe('Succeeded');
      const recreated = await recreate('remove-recreated');
      await handOver('remove-moved', 'someone-else');

      await engine.setApplications([]);
      await waitFor(
        'the removed application to delete its object',
        async () =>
          !(await k8s().get('v1', 'ConfigMap', 'a-remove-mine', 'payments')),
      );
      const still = await k8s().get(
        'v1',
        'ConfigMap',
        'remove-recreated',
        'payments',
      );
      expect(still.metadata.uid).toBe(recreated.metadata.uid);
      expect(
        (await k8s().get('v1', 'ConfigMap', 'remove-moved', 'payments'))
          .metadata.annotations[ANNOTATION_TRACKING_ID],
      ).toBe('someone-else:/ConfigMap:payments/remove-moved');
    });
  });

  it("refuses another application's cluster-scoped custom resource whose CRD the platform installed", async () => {
    await k8s().create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'realms.platform.example.com' },
      spec: {
        group: 'platform.example.com',
        scope: 'Cluster',
        names: {
          plural: 'realms',
          singular: 'realm',
          kind: 'Realm',
          listKind: 'RealmList',
        },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                'x-kubernetes-preserve-unknown-fields': true,
              },
            },
          },
        ],
      },
    } as any);
    const realm = (owner: string) => `apiVersion: platform.example.com/v1
kind: Realm
metadata:
  name: shared-realm
spec:
  owner: ${owner}
`;
    const engine = await engineFor([
      rule({ clusterResources: ['platform.example.com/Realm'] }),
    ]);
    const first = repoWith('realm-b', { 'realm.yaml': realm('b') });
    const second = repoWith('realm-a', { 'realm.yaml': realm('a') });
    await engine.setApplications([
      paymentsApp('realm-b', first),
      paymentsApp('realm-a', second),
    ]);
    await waitFor(
      'the Realm kind to be served',
      async () => (await engine.refresh('realm-b')).status.sync !== 'Unknown',
    );
    expect((await syncAndWait(engine, 'realm-b')).phase).toBe('Succeeded');
    const live = await k8s().get(
      'platform.example.com/v1',
      'Realm',
      'shared-realm',
    );
    expect(live.metadata.namespace).toBeUndefined();
    expect(live.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
      'realm-b:platform.example.com/Realm:/shared-realm',
    );
    await waitFor('the owner to see its Realm in sync', async () =>
      (await engine.refresh('realm-b')).status.sync === 'Synced'
        ? true
        : undefined,
    );

    const taken = await syncAndWait(engine, 'realm-a');
    expect(taken.phase).toBe('Failed');
    expect(taken.message).toContain('belongs to application realm-b');
    const after = await k8s().get(
      'platform.example.com/v1',
      'Realm',
      'shared-realm',
    );
    expect(after.spec.owner).toBe('b');
    expect(after.metadata.annotations[ANNOTATION_TRACKING_ID]).toMatch(
      /^realm-b:/,
    );
  });

  it('never prunes a Namespace it adopted, nor one that holds other applications', async () => {
    const engine = await engineFor([
      rule({ namespaces: ['payments', 'shared-ns'] }),
    ]);
    const victim = repoWith('ns-victim', {
      'data.yaml': configMap('victim-data', { a: '1' }),
    });
    const taker = repoWith('ns-taker', {
      'namespace.yaml': namespace('shared-ns'),
      'marker.yaml': configMap('taker-marker', { a: '1' }),
    });
    await engine.setApplications([
      paymentsApp('ns-victim', victim, { namespace: 'shared-ns' }),
      paymentsApp('ns-taker', taker, { namespace: 'shared-ns', prune: true }),
    ]);
    // The victim's sync creates shared-ns (without a tracking id); the taker adopts it.
    expect((await syncAndWait(engine, 'ns-victim')).phase).toBe('Succeeded');
    const adopted = await syncAndWait(engine, 'ns-taker');
    expect(adopted.changes).toContainEqual(
      expect.objectContaining({ kind: 'Namespace', action: 'adopted' }),
    );

    taker.commit({ 'app/namespace.yaml': null }, 'Drop the namespace');
    await engine.refresh('ns-taker');
    const pruned = await syncAndWait(engine, 'ns-taker');
    expect(pruned.phase).toBe('Succeeded');
    expect(pruned.changes).not.toContainEqual(
      expect.objectContaining({ kind: 'Namespace', action: 'deleted' }),
    );
    expect(await k8s().get('v1', 'Namespace', 'shared-ns')).toBeTruthy();
    expect(
      await k8s().get('v1', 'ConfigMap', 'victim-data', 'shared-ns'),
    ).toBeTruthy();
  });

  it('syncs a CustomResourceDefinition and an object of its kind from one folder, when granted', async () => {
    const engine = await engineFor([
      rule({ clusterResources: ['CustomResourceDefinition'] }),
    ]);
    const repo = repoWith('crd-and-widget', {
      'crd.yaml': crd,
      'widget.yaml': `apiVersion: payments.example.com/v1
kind: Widget
metadata:
  name: first-widget
spec:
  size: 3
`,
    });
    await engine.setApplications([paymentsApp('widgets', repo)]);
    // Before the sync the cluster does not serve Widget: that is no error.
    const before = await engine.refresh('widgets');
    expect(before.status.sync).toBe('OutOfSync');
    const run = await syncAndWait(engine, 'widgets');
    expect(run.phase).toBe('Succeeded');
    expect(
      (
        await k8s().get(
          'payments.example.com/v1',
          'Widget',
          'first-widget',
          'payments',
        )
      ).spec.size,
    ).toBe(3);
  });

  it("leaves in place, untracked, a Namespace it created that now holds another application's objects", async () => {
    const engine = await engineFor([
      rule({
        namespaces: ['payments', 'own-ns'],
        clusterResources: ['Namespace'],
      }),
    ]);
    const owner = repoWith('ns-owner', {
      'namespace.yaml': namespace('own-ns'),
      'marker.yaml': configMap('owner-marker', { a: '1' }),
    });
    const guest = repoWith('ns-guest', {
      'data.yaml': configMap('guest-data', { a: '1' }),
    });
    await engine.setApplications([
      paymentsApp('ns-owner', owner, { namespace: 'own-ns', prune: true }),
      paymentsApp('ns-guest', guest, { namespace: 'own-ns' }),
    ]);
    expect((await syncAndWait(engine, 'ns-owner')).phase).toBe('Succeeded');
    expect((await syncAndWait(engine, 'ns-guest')).phase).toBe('Succeeded');

    owner.commit({ 'app/namespace.yaml': null }, 'Drop the namespace');
    await engine.refresh('ns-owner');
    const pruned = await syncAndWait(engine, 'ns-owner');
    expect(pruned.phase).toBe('Succeeded');
    expect(pruned.message).toContain(
      'Left in place and no longer tracked: Namespace own-ns holds objects of application ns-guest',
    );
    expect(await k8s().get('v1', 'Namespace', 'own-ns')).toBeTruthy();
    expect(
      await k8s().get('v1', 'ConfigMap', 'guest-data', 'own-ns'),
    ).toBeTruthy();
    // Not waiting for a prune that never comes.
    await waitFor('the owner to be Synced', async () =>
      (await engine.refresh('ns-owner')).status.sync === 'Synced'
        ? true
        : undefined,
    );
  });
});
