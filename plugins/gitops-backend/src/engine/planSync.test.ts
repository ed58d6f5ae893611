import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { normalizedDigest, stableDigest } from '../diff/normalize';
import { KubeObject, keyOfObject } from '../kube/kubeObject';
import { PlanSyncInput, planSync } from './planSync';
import type { RenderedRevision } from './renderRevision';

function fixture(name: string): KubeObject[] {
  const text = fs.readFileSync(
    path.join(__dirname, 'testdata', `${name}.yaml`),
    'utf8',
  );
  return parseAllDocuments(text).map(doc => doc.toJSON() as KubeObject);
}

function rendered(objects: KubeObject[]): RenderedRevision {
  return {
    sha: 'a'.repeat(40),
    objects,
    hashes: new Map(objects.map(o => [keyOfObject(o), stableDigest(o)])),
    selfContained: true,
  };
}

/** What the API server keeps of an object: defaults and server metadata added. */
function asServerHas(object: KubeObject, resourceVersion = '1'): KubeObject {
  return {
    ...structuredClone(object),
    metadata: { ...object.metadata, resourceVersion, uid: 'u-1' },
  };
}

/** A cluster holding `live`, counting dry runs. */
function cluster(live: KubeObject[]) {
  const byKey = new Map(live.map(o => [keyOfObject(o), o]));
  const dryRuns: string[] = [];
  return {
    dryRuns,
    live: async (ref: KubeObject | Parameters<PlanSyncInput['live']>[0]) =>
      byKey.get(keyOfObject(ref as KubeObject)),
    dryRun: async (object: KubeObject) => {
      dryRuns.push(object.metadata.name);
      return asServerHas(object, 'dry');
    },
  };
}

function actions(plan: Awaited<ReturnType<typeof planSync>>) {
  return Object.fromEntries(
    plan.objects.map(p => [
      `${p.object.kind}/${p.object.metadata.name}`,
      p.action,
    ]),
  );
}

describe('planSync', () => {
  const [settings, web] = fixture('plan-app');

  /** A cluster where settings was changed by hand and web is as Git has it. */
  function settingsChangedLive() {
    const changed = asServerHas({ ...settings, data: { color: 'red' } });
    const fake = cluster([changed, asServerHas(web)]);
    const input = {
      applicationId: 'shop',
      rendered: rendered([settings, web]),
      inventory: [],
      previous: new Map(),
      ...fake,
    };
    return { fake, input };
  }

  it('plans missing objects as created without asking the server', async () => {
    const fake = cluster([]);
    const plan = await planSync({
      applicationId: 'shop',
      rendered: rendered([settings, web]),
      inventory: [],
      previous: new Map(),
      ...fake,
    });
    expect(actions(plan)).toEqual({
      'ConfigMap/settings': 'create',
      'Deployment/web': 'create',
    });
    expect(fake.dryRuns).toEqual([]);
  });

  it('asks the server once for a changed object, then reuses what it learned', async () => {
    const { fake, input } = settingsChangedLive();
    const first = await planSync(input);
    expect(actions(first)).toEqual({
      'ConfigMap/settings': 'update',
      'Deployment/web': 'unchanged',
    });
    expect(fake.dryRuns.sort()).toEqual(['settings', 'web']);
    const again = await planSync({ ...input, previous: first.comparisons });
    expect(actions(again)).toEqual(actions(first));
    expect(fake.dryRuns).toHaveLength(2);
  });

  it('keeps what the server made of an object as text while it is in sync, and the object itself while it differs', async () => {
    const { fake, input } = settingsChangedLive();
    const first = await planSync(input);
    const drifted = first.comparisons.get(keyOfObject(settings))!;
    const inSync = first.comparisons.get(keyOfObject(web))!;
    expect(drifted.expected?.data).toEqual(settings.data);
    expect(inSync.expected).toBeUndefined();
    expect(inSync.expectedDigest).toBe(
      normalizedDigest(asServerHas(web, 'dry')),
    );
    // The diff shows what the server would make of the drifted object.
    expect(
      first.objects.find(p => p.object === settings)?.expected?.data,
    ).toEqual(settings.data);

    // A new live version of web that reads the same (a status change) and
    // settings put back as Git has it: both in sync, no dry run.
    const live = new Map([
      [keyOfObject(settings), asServerHas(settings, '7')],
      [
        keyOfObject(web),
        { ...asServerHas(web, '8'), status: { readyReplicas: 2 } },
      ],
    ]);
    const again = await planSync({
      ...input,
      live: async ref => live.get(keyOfObject(ref as KubeObject)),
      previous: first.comparisons,
    });
    expect(actions(again)).toEqual({
      'ConfigMap/settings': 'unchanged',
      'Deployment/web': 'unchanged',
    });
    expect(fake.dryRuns).toHaveLength(2);
    expect(again.comparisons.get(keyOfObject(settings))?.expected).toBe(
      undefined,
    );

    // A live change that does not read the same is asked about again.
    live.set(keyOfObject(web), {
      ...asServerHas(web, '9'),
      spec: { ...(web as any).spec, replicas: 9 },
    });
    const third = await planSync({
      ...input,
      live: async ref => live.get(keyOfObject(ref as KubeObject)),
      previous: again.comparisons,
    });
    expect(actions(third)['Deployment/web']).toBe('update');
    expect(fake.dryRuns).toHaveLength(3);
  });

  it('without a dry run, plans what only the server can judge as an update', async () => {
    const fake = cluster([asServerHas(web)]);
    const plan = await planSync({
      applicationId: 'shop',
      rendered: rendered([web]),
      inventory: [],
      previous: new Map(),
      live: fake.live,
    });
    expect(actions(plan)).toEqual({ 'Deployment/web': 'update' });
  });

  it('finds what left Git and still carries this application tracking id', async () => {
    const other = {
      ...asServerHas(settings),
      metadata: {
        ...asServerHas(settings).metadata,
        name: 'old',
        annotations: { 'mooring.dev/tracking-id': 'other:/ConfigMap:shop/old' },
      },
    };
    const ours = {
      ...asServerHas(settings),
      metadata: {
        ...asServerHas(settings).metadata,
        name: 'legacy',
        annotations: {
          'mooring.dev/tracking-id': 'shop:/ConfigMap:shop/legacy',
        },
      },
    };
    const entry = (name: string) => ({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name,
    });
    const plan = await planSync({
      applicationId: 'shop',
      rendered: rendered([web]),
      inventory: [entry('old'), entry('legacy'), entry('gone')],
      previous: new Map(),
      ...cluster([asServerHas(web), other, ours]),
    });
    expect(plan.stale.map(s => s.entry.name)).toEqual(['legacy']);
  });

  it('records a refused object as failed, or fails the plan', async () => {
    const input: PlanSyncInput = {
      applicationId: 'shop',
      rendered: rendered([web]),
      inventory: [],
      previous: new Map(),
      live: async () => asServerHas(web, '2'),
      dryRun: async () => {
        throw new Error('admission webhook denied the request');
      },
    };
    await expect(planSync(input)).rejects.toThrow(/admission webhook/);
    const plan = await planSync({ ...input, recordFailures: true });
    expect(plan.objects[0]).toMatchObject({
      action: 'failed',
      message: 'admission webhook denied the request',
    });
  });
});
