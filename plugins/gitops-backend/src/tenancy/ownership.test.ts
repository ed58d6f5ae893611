import { keyOfObject } from '../kube/kubeObject';
import type { KubeObject } from '../kube/kubeObject';
import { checkOwnership, prunable } from './ownership';
import { manifests } from './testdata/manifests';

const APP = 'component~default~payments-api~default';
const live = manifests('live-tracked');
const [billingSettings, apiDeployment, handMadeService, copiedConfigMap] = live;
const liveByKey = new Map(live.map(o => [keyOfObject(o), o]));
const liveOf = (object: KubeObject) => liveByKey.get(keyOfObject(object));

/** The desired form of a live object: what Git renders for it. */
function desired(object: KubeObject): KubeObject {
  const { uid, annotations, ...metadata } = object.metadata;
  return { ...object, metadata };
}

describe('checkOwnership', () => {
  it("refuses to take over another application's object and names it", () => {
    const result = checkOwnership({
      applicationId: APP,
      desired: [desired(apiDeployment), desired(billingSettings)],
      live: liveOf,
    });
    expect(result).toEqual({
      conflicts: [
        {
          object: {
            group: '',
            version: 'v1',
            kind: 'ConfigMap',
            namespace: 'payments',
            name: 'settings',
          },
          ownerApplicationId: 'component~default~billing~prod',
          reason:
            'ConfigMap settings in namespace payments belongs to application component:default/billing (target prod)',
        },
      ],
      adopted: [],
      message:
        "Refused: ConfigMap settings in namespace payments belongs to application component:default/billing (target prod). Mooring never takes over another application's objects: remove it from one of the two applications. Nothing was applied.",
    });
  });

  it('adopts live objects without a tracking id and creates new ones', () => {
    const created = desired({
      ...handMadeService,
      metadata: { ...handMadeService.metadata, name: 'api-internal' },
    });
    expect(
      checkOwnership({
        applicationId: APP,
        desired: [desired(apiDeployment), desired(handMadeService), created],
        live: liveOf,
      }),
    ).toEqual({
      conflicts: [],
      adopted: [
        {
          group: '',
          version: 'v1',
          kind: 'Service',
          namespace: 'payments',
          name: 'api',
        },
      ],
    });
  });
});

describe('platform guardrails', () => {
  it('refuses to take over a quota or network policy that exists without Mooring', () => {
    const quota: KubeObject = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'team-quota', namespace: 'payments', uid: 'q-1' },
      spec: { hard: { pods: '10' } },
    };
    const policy: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-all', namespace: 'payments', uid: 'n-1' },
      spec: { podSelector: {} },
    };
    const result = checkOwnership({
      applicationId: APP,
      desired: [desired(quota), desired(policy)],
      live: object => (object.kind === 'ResourceQuota' ? quota : policy),
    });
    expect(result.adopted).toEqual([]);
    expect(result.conflicts.map(c => c.object.kind)).toEqual([
      'ResourceQuota',
      'NetworkPolicy',
    ]);
    expect(result.message).toBe(
      'Refused: ResourceQuota team-quota in namespace payments exists and is not managed by Mooring; quotas, limit ranges, network policies and RBAC the platform put there are never taken over; NetworkPolicy deny-all in namespace payments exists and is not managed by Mooring; quotas, limit ranges, network policies and RBAC the platform put there are never taken over. Remove them from Git, or ask the platform team. Nothing was applied.',
    );
  });
});

describe('prunable', () => {
  it('prunes an object this application applied and still tracks', () => {
    expect(
      prunable({ applicationId: APP, entry: {}, live: apiDeployment }),
    ).toEqual({ prune: true });
    expect(
      prunable({
        applicationId: APP,
        entry: { uid: '5b1f0c1e-0000-4000-8000-000000000002' },
        live: apiDeployment,
      }),
    ).toEqual({ prune: true });
  });

  it('keeps an object deleted and re-created by someone else', () => {
    expect(
      prunable({
        applicationId: APP,
        entry: { uid: '0d5e6a2b-0000-4000-8000-00000000aaaa' },
        live: apiDeployment,
      }),
    ).toEqual({
      prune: false,
      reason:
        'Deployment api in namespace payments was deleted and re-created (uid 5b1f0c1e-0000-4000-8000-000000000002, not 0d5e6a2b-0000-4000-8000-00000000aaaa); Mooring deletes only the object it applied',
    });
  });

  it("never prunes another application's object", () => {
    expect(
      prunable({ applicationId: APP, entry: {}, live: billingSettings }),
    ).toEqual({
      prune: false,
      reason:
        'ConfigMap settings in namespace payments belongs to application component:default/billing (target prod)',
    });
  });

  it('keeps objects whose tracking id is gone or was copied', () => {
    expect(
      prunable({ applicationId: APP, entry: {}, live: handMadeService }),
    ).toEqual({
      prune: false,
      reason:
        'Service api in namespace payments no longer carries a Mooring tracking id; someone else manages it now',
    });
    expect(
      prunable({ applicationId: APP, entry: {}, live: copiedConfigMap }),
    ).toEqual({
      prune: false,
      reason:
        'ConfigMap copied in namespace payments carries a tracking id of this application made for another object',
    });
  });

  it('has nothing to prune when the object is gone', () => {
    expect(
      prunable({ applicationId: APP, entry: {}, live: undefined }),
    ).toEqual({ prune: false, reason: 'it no longer exists' });
  });
});
