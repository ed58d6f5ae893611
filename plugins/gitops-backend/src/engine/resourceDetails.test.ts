import { TestDatabases } from '@backstage/backend-test-utils';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { deployment, secret } from '../__testUtils__/fixtures';
import {
  ACTIONS_FIELD_MANAGER,
  RESTARTED_AT_ANNOTATION,
} from './resourceDetails';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const web = (namespace: string) => ({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace,
  name: 'web',
});

describe('resource details and actions against kube-sim', () => {
  const suite = kubeSimSuite('engine-details');
  const k8s = () => clusterClient(suite.sim);

  async function deployed(id: string) {
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
    });
    suite.cleanups.push(cleanup);
    const repo = new TestRepo(suite.root, id);
    repo.commit(
      {
        'app/web.yaml': deployment('web', 'nginx:1.27', 2),
        'app/db.yaml': secret('db', { password: 'hunter2' }),
      },
      'Web',
    );
    await engine.setApplications([spec(id, repo.fileUrl, 'app')]);
    await engine.start();
    await engine.refresh(id);
    await engine.sync(id, { initiatedBy: 'user:default/ada' });
    await waitFor('web synced with 2 replicas available', async () => {
      const resources = await engine.getResources(id);
      return (
        (await engine.getApplication(id)).status.sync === 'Synced' &&
        resources.find(r => r.kind === 'Deployment')?.healthMessage ===
          '2 of 2 replicas available'
      );
    });
    return engine;
  }

  async function podsOf(
    engine: Awaited<ReturnType<typeof deployed>>,
    id: string,
  ) {
    return (await engine.getResources(id))
      .filter(r => r.kind === 'Pod')
      .map(r => r.name)
      .sort();
  }

  it('shows manifests (Secrets masked), events of the Deployment and its children, and pod logs', async () => {
    const id = 'details';
    const engine = await deployed(id);

    const manifests = await engine.getManifests(id, web(id));
    expect(manifests.desired).toContain('replicas: 2');
    expect(manifests.live).toContain('uid:');
    expect(manifests.live).not.toContain('managedFields');

    const db = await engine.getManifests(id, {
      group: '',
      version: 'v1',
      kind: 'Secret',
      namespace: id,
      name: 'db',
    });
    const hunter2 = Buffer.from('hunter2').toString('base64');
    expect(`${db.live}${db.desired}`).not.toContain('hunter2');
    expect(db.live).not.toContain(hunter2);
    expect(db.live).toContain('password: ++++++++');

    // Someone else's object in the same namespace is not shown.
    await k8s().create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'not-ours', namespace: id },
    });
    await expect(
      engine.getManifests(id, {
        group: '',
        version: 'v1',
        kind: 'ConfigMap',
        namespace: id,
        name: 'not-ours',
      }),
    ).rejects.toThrow(
      'ConfigMap not-ours in namespace details is not an object of this application',
    );

    const reasons = await waitFor('the rollout’s events', async () => {
      const events = await engine.getEvents(id, web(id));
      const seen = events.map(
        (e: any) => `${e.involvedObject.kind}/${e.reason}`,
      );
      return (
        ['Deployment/ScalingReplicaSet', 'ReplicaSet/SuccessfulCreate'].every(
          r => seen.includes(r),
        ) &&
        seen.some(r => r.startsWith('Pod/')) &&
        seen
      );
    });
    expect(reasons).not.toContain('ConfigMap/');
    const times = (await engine.getEvents(id, web(id))).map((e: any) =>
      new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp).getTime(),
    );
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const [pod] = await podsOf(engine, id);
    const log = await waitFor('the pod to log', async () => {
      const text = await engine.getPodLog(id, { namespace: id, pod });
      return text.includes('INFO') && text;
    });
    expect(log).toContain('web');
    const tail = await engine.getPodLog(id, {
      namespace: id,
      pod,
      tailLines: 1,
    });
    expect(tail.trim().split('\n')).toHaveLength(1);
    await expect(
      engine.getPodLog(id, { namespace: id, pod: 'kube-proxy-x' }),
    ).rejects.toThrow('is not an object of this application');
    await expect(
      engine.getPodLog(id, { namespace: id, pod, container: 'nope' }),
    ).rejects.toThrow(/nope/);
  });

  it('shows a pod’s failed pulls in its log and its events', async () => {
    const id = 'failing';
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
    });
    suite.cleanups.push(cleanup);
    const repo = new TestRepo(suite.root, id);
    repo.commit({ 'app/web.yaml': deployment('web', 'worker:fail', 1) }, 'Web');
    await engine.setApplications([spec(id, repo.fileUrl, 'app')]);
    await engine.start();
    await engine.refresh(id);
    await engine.sync(id, { initiatedBy: 'user:default/ada' });
    const [pod] = await waitFor('a pod', async () => {
      const pods = await podsOf(engine, id);
      return pods.length > 0 && pods;
    });
    const log = await waitFor('the error lines', async () => {
      const text = await engine
        .getPodLog(id, { namespace: id, pod })
        .catch(() => '');
      return text.includes('ERROR') && text;
    });
    expect(log).toContain('pulling image "worker:fail" failed');
    await waitFor('a Failed event of the pod', async () => {
      const events = await engine.getEvents(id, web(id));
      return events.some(
        (e: any) =>
          e.involvedObject.kind === 'Pod' &&
          e.reason === 'Failed' &&
          /worker:fail/.test(e.message),
      );
    });
  });

  it('restarts a StatefulSet: its pod is made again under the same name', async () => {
    const id = 'stateful';
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
    });
    suite.cleanups.push(cleanup);
    const repo = new TestRepo(suite.root, id);
    repo.commit(
      {
        'app/db.yaml': `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres:16
`,
      },
      'DB',
    );
    await engine.setApplications([spec(id, repo.fileUrl, 'app')]);
    await engine.start();
    await engine.refresh(id);
    await engine.sync(id, { initiatedBy: 'user:default/ada' });
    const before = await waitFor('db-0', async () => {
      const pod = await k8s().get('v1', 'Pod', 'db-0', id);
      return pod?.metadata.uid;
    });
    const { run } = await engine.runResourceAction(id, {
      action: 'restart',
      resource: { ...web(id), kind: 'StatefulSet', name: 'db' },
      initiatedBy: 'user:default/ada',
    });
    expect(run.message).toBe('Restarted StatefulSet db');
    await waitFor('db-0 made again', async () => {
      const pod = await k8s().get('v1', 'Pod', 'db-0', id);
      return pod && pod.metadata.uid !== before;
    });
  });

  it('restarts a Deployment as kubectl rollout restart does (new pods), and scales it, as runs by the person', async () => {
    const id = 'actions';
    const engine = await deployed(id);
    const before = await podsOf(engine, id);

    const restarted = await engine.runResourceAction(id, {
      action: 'restart',
      resource: web(id),
      initiatedBy: 'user:default/ada',
    });
    expect(restarted.run).toMatchObject({
      phase: 'Succeeded',
      initiatedBy: 'user:default/ada',
      message: 'Restarted Deployment web',
      changes: [
        expect.objectContaining({
          kind: 'Deployment',
          name: 'web',
          action: 'configured',
        }),
      ],
    });
    const live = await k8s().get('apps/v1', 'Deployment', 'web', id);
    expect(
      live.spec.template.metadata.annotations[RESTARTED_AT_ANNOTATION],
    ).toBeTruthy();
    expect(live.metadata.managedFields.map((m: any) => m.manager)).toContain(
      ACTIONS_FIELD_MANAGER,
    );
    await waitFor('new pods to replace the old ones', async () => {
      const now = await podsOf(engine, id);
      return (
        now.length === 2 && now.every(name => !before.includes(name)) && now
      );
    });
    const [last] = await engine.getHistory(id);
    expect(last.id).toBe(restarted.run.id);
    // The restart annotation is not Git's field: no drift, nothing to undo.
    await engine.refresh(id);
    expect((await engine.getApplication(id)).status.sync).toBe('Synced');
    expect(await engine.getDiff(id)).toEqual([]);

    const scaled = await engine.runResourceAction(id, {
      action: 'scale',
      resource: web(id),
      replicas: 3,
      initiatedBy: 'user:default/ada',
    });
    expect(scaled.gitSetsReplicas).toBe(true);
    expect(scaled.run.message).toBe('Scaled Deployment web to 3');
    expect(
      (await k8s().get('apps/v1', 'Deployment', 'web', id)).spec.replicas,
    ).toBe(3);
    // Git sets the replicas: the new count is drift.
    await engine.refresh(id);
    expect((await engine.getApplication(id)).status.sync).toBe('OutOfSync');

    await expect(
      engine.runResourceAction(id, {
        action: 'restart',
        resource: { ...web(id), name: 'other' },
        initiatedBy: 'user:default/ada',
      }),
    ).rejects.toThrow('is not an object of this application');
    await expect(
      engine.runResourceAction(id, {
        action: 'scale',
        resource: {
          group: '',
          version: 'v1',
          kind: 'Secret',
          namespace: id,
          name: 'db',
        },
        replicas: 1,
        initiatedBy: 'user:default/ada',
      }),
    ).rejects.toThrow('Cannot scale a Secret');
    expect((await engine.getHistory(id)).map(r => r.message)).toEqual([
      'Scaled Deployment web to 3',
      'Restarted Deployment web',
      expect.any(String),
    ]);
  });
});
