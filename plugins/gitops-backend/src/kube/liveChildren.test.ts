import { parseAllDocuments } from 'yaml';
import { childKindsOf, liveChildren } from './liveChildren';
import type { KubeObject } from './kubeObject';

// A Deployment's live family as a controller leaves it, plus strangers that
// must not be attached: a ReplicaSet of another Deployment and a Pod in another namespace.
const LIVE = parseAllDocuments(`
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-7d4b9
  namespace: shop
  uid: rs-1
  ownerReferences: [{ apiVersion: apps/v1, kind: Deployment, name: web, uid: d-1, controller: true }]
status: { replicas: 2, readyReplicas: 2, availableReplicas: 2 }
spec: { replicas: 2 }
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-55f6c
  namespace: shop
  uid: rs-2
  ownerReferences: [{ apiVersion: apps/v1, kind: Deployment, name: api, uid: d-2, controller: true }]
spec: { replicas: 1 }
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9-a
  namespace: shop
  ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9, uid: rs-1, controller: true }]
status:
  phase: Running
  conditions: [{ type: Ready, status: 'True' }]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9-b
  namespace: shop
  ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9, uid: rs-1, controller: true }]
status:
  phase: Running
  conditions: [{ type: Ready, status: 'False' }]
  containerStatuses:
    - name: web
      ready: false
      restartCount: 7
      state: { waiting: { reason: CrashLoopBackOff, message: back-off restarting failed container } }
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9-c
  namespace: other
  ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9, uid: rs-1, controller: true }]
status: { phase: Running }
`).map(d => d.toJS() as KubeObject);

const liveOf = (apiVersion: string, kind: string) =>
  LIVE.filter(o => o.apiVersion === apiVersion && o.kind === kind);

describe('liveChildren', () => {
  it('finds a Deployment’s ReplicaSets and their Pods, and nothing else', () => {
    const children = liveChildren(
      [{ kind: 'Deployment', namespace: 'shop', name: 'web' }],
      liveOf,
    );
    expect(
      children.map(c => [c.kind, c.name, c.parent?.kind, c.parent?.name]),
    ).toEqual([
      ['ReplicaSet', 'web-7d4b9', 'Deployment', 'web'],
      ['Pod', 'web-7d4b9-a', 'ReplicaSet', 'web-7d4b9'],
      ['Pod', 'web-7d4b9-b', 'ReplicaSet', 'web-7d4b9'],
    ]);
  });

  it('shows each child’s own health, so a crashing Pod is visible under its Deployment', () => {
    const pods = liveChildren(
      [{ kind: 'Deployment', namespace: 'shop', name: 'web' }],
      liveOf,
    ).filter(c => c.kind === 'Pod');
    expect(pods.map(p => p.health)).toEqual(['Healthy', 'Degraded']);
    expect(pods[1].healthMessage).toMatch(/CrashLoopBackOff/);
    expect(pods.every(p => p.sync === 'Synced')).toBe(true);
  });

  it('watches child kinds only for kinds that have them', () => {
    expect(childKindsOf([{ kind: 'ConfigMap' }, { kind: 'Service' }])).toEqual(
      [],
    );
    expect(childKindsOf([{ kind: 'Deployment' }])).toEqual([
      ['apps/v1', 'ReplicaSet'],
      ['v1', 'Pod'],
    ]);
    expect(childKindsOf([{ kind: 'CronJob' }])).toEqual([
      ['batch/v1', 'Job'],
      ['v1', 'Pod'],
    ]);
  });
});
