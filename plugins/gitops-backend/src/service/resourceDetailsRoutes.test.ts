import type { KubeObject } from '../kube/kubeObject';
import {
  alice,
  bob,
  eve,
  GitopsTestBackend,
  payments,
  PROD,
  startGitopsTestBackend,
  web,
} from '../__testUtils__/gitopsTestBackend';

jest.setTimeout(60_000);

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'payments', namespace: 'default' },
  spec: { replicas: 2 },
} as KubeObject;

const secret = (data: Record<string, string>, extra = {}): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'default', ...extra },
    data,
  } as KubeObject);

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'payments-abc-1', namespace: 'default' },
} as KubeObject;

const DEPLOYMENT = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'default',
  name: 'payments',
};

describe('resource details and actions REST API', () => {
  let t: GitopsTestBackend;
  beforeAll(async () => {
    t = await startGitopsTestBackend([payments, web]);
    t.engine.objects.set(PROD, {
      desired: [deployment, secret({ password: 'bmV3' })],
      live: [
        {
          ...deployment,
          metadata: {
            ...deployment.metadata,
            managedFields: [{ manager: 'mooring' }],
          },
        } as KubeObject,
        secret(
          { password: 'b2xk', user: 'YWRh' },
          {
            annotations: {
              'kubectl.kubernetes.io/last-applied-configuration':
                '{"data":{"password":"b2xk"}}',
            },
          },
        ),
        pod,
      ],
      events: [
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'e1', namespace: 'default' },
          involvedObject: { kind: 'Deployment', name: 'payments' },
          reason: 'ScalingReplicaSet',
        } as unknown as KubeObject,
      ],
    });
  });
  afterAll(async () => {
    await t.backend.stop();
  });

  const api = (path: string) => `/api/gitops/applications/${PROD}/${path}`;

  describe('manifests', () => {
    it('shows live and desired YAML without managedFields', async () => {
      const res = await t
        .http()
        .get(api('manifests'))
        .query(DEPLOYMENT)
        .set('Authorization', bob);
      expect(res.status).toBe(200);
      expect(res.body.desired).toContain('replicas: 2');
      expect(res.body.live).toContain('name: payments');
      expect(res.body.live).not.toContain('managedFields');
    });

    it('masks every Secret value, the last-applied annotation too', async () => {
      const res = await t
        .http()
        .get(api('manifests'))
        .query({ ...DEPLOYMENT, group: '', kind: 'Secret', name: 'db' })
        .set('Authorization', alice);
      expect(res.status).toBe(200);
      for (const value of ['b2xk', 'YWRh', 'bmV3']) {
        expect(`${res.body.live}${res.body.desired}`).not.toContain(value);
      }
      expect(res.body.live).toContain('password: ++++++++');
      expect(res.body.live).toContain('user: ++++++++');
      // A changed value gets the longer mask on the desired side.
      expect(res.body.desired).toContain('password: ++++++++++++++++');
    });

    it('answers 404 for an object that is not the application’s', async () => {
      const res = await t
        .http()
        .get(api('manifests'))
        .query({ ...DEPLOYMENT, name: 'someone-else' })
        .set('Authorization', alice);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain(
        'is not an object of this application',
      );
    });

    it('answers 403 to someone who may not read the application', async () => {
      const res = await t
        .http()
        .get(api('manifests'))
        .query(DEPLOYMENT)
        .set('Authorization', eve);
      expect(res.status).toBe(403);
    });

    it('answers 400 for a missing or malformed selector', async () => {
      for (const [query, message] of [
        [{ ...DEPLOYMENT, name: undefined }, 'name is required'],
        [
          { ...DEPLOYMENT, kind: 'deployment' },
          "kind 'deployment' is not valid",
        ],
        [{ ...DEPLOYMENT, version: 'x' }, "version 'x' is not valid"],
        [{ ...DEPLOYMENT, namespace: 'No_Such' }, 'namespace'],
        [{ ...DEPLOYMENT, name: 'a/../b' }, 'name'],
      ] as const) {
        const res = await t
          .http()
          .get(api('manifests'))
          .query(query)
          .set('Authorization', alice);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(message);
      }
    });
  });

  describe('events', () => {
    it('lists the object’s events for readers, 404 for other objects', async () => {
      const res = await t
        .http()
        .get(api('events'))
        .query(DEPLOYMENT)
        .set('Authorization', bob);
      expect(res.status).toBe(200);
      expect(res.body.items.map((e: any) => e.reason)).toEqual([
        'ScalingReplicaSet',
      ]);
      const other = await t
        .http()
        .get(api('events'))
        .query({ ...DEPLOYMENT, kind: 'StatefulSet' })
        .set('Authorization', bob);
      expect(other.status).toBe(404);
      const denied = await t
        .http()
        .get(api('events'))
        .query(DEPLOYMENT)
        .set('Authorization', eve);
      expect(denied.status).toBe(403);
    });
  });

  describe('logs', () => {
    it('returns a pod’s log as text with the options asked for', async () => {
      const res = await t
        .http()
        .get(api('logs'))
        .query({
          namespace: 'default',
          pod: 'payments-abc-1',
          container: 'app',
          tailLines: '20',
          sinceSeconds: '60',
        })
        .set('Authorization', bob);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toBe('log of payments-abc-1\n');
      expect(t.engine.calls).toContain(
        `logs payments-abc-1 ${JSON.stringify({
          namespace: 'default',
          pod: 'payments-abc-1',
          container: 'app',
          tailLines: 20,
          sinceSeconds: 60,
        })}`,
      );
    });

    it('refuses other pods (404), bad options (400) and non-readers (403)', async () => {
      const query = { namespace: 'default', pod: 'payments-abc-1' };
      const other = await t
        .http()
        .get(api('logs'))
        .query({ ...query, pod: 'kube-apiserver' })
        .set('Authorization', alice);
      expect(other.status).toBe(404);
      for (const [bad, message] of [
        [{ ...query, tailLines: '0' }, 'tailLines must be a whole number'],
        [{ ...query, tailLines: 'ten' }, 'tailLines must be a whole number'],
        [{ ...query, sinceSeconds: '-5' }, 'sinceSeconds must be a whole'],
        [{ namespace: 'default' }, 'pod is required'],
        [{ ...query, container: 'A B' }, 'container'],
      ] as const) {
        const res = await t
          .http()
          .get(api('logs'))
          .query(bad)
          .set('Authorization', alice);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(message);
      }
      const denied = await t
        .http()
        .get(api('logs'))
        .query(query)
        .set('Authorization', eve);
      expect(denied.status).toBe(403);
    });
  });

  describe('actions', () => {
    it('restarts for someone who may sync, audited, as a run by them', async () => {
      t.auditEvents.length = 0;
      const res = await t
        .http()
        .post(api('actions'))
        .set('Authorization', alice)
        .send({ action: 'restart', resource: DEPLOYMENT });
      expect(res.status).toBe(200);
      expect(res.body.run).toMatchObject({
        phase: 'Succeeded',
        initiatedBy: 'user:default/alice',
      });
      expect(t.engine.calls).toContain(
        'restart Deployment/payments by user:default/alice',
      );
      expect(t.auditEvents).toEqual([
        {
          eventId: 'application-resource-action',
          outcome: 'success',
          meta: expect.objectContaining({
            applicationId: PROD,
            action: 'restart',
            resource: DEPLOYMENT,
          }),
        },
      ]);
    });

    it('says when scaling is drift from Git', async () => {
      const res = await t
        .http()
        .post(api('actions'))
        .set('Authorization', alice)
        .send({ action: 'scale', resource: DEPLOYMENT, replicas: 5 });
      expect(res.status).toBe(200);
      expect(res.body.gitSetsReplicas).toBe(true);
    });

    it('refuses a reader who may not sync (403, audited as a failure)', async () => {
      t.auditEvents.length = 0;
      const before = t.engine.calls.length;
      const res = await t
        .http()
        .post(api('actions'))
        .set('Authorization', bob)
        .send({ action: 'restart', resource: DEPLOYMENT });
      expect(res.status).toBe(403);
      expect(t.engine.calls.length).toBe(before);
      expect(t.auditEvents).toEqual([
        expect.objectContaining({
          eventId: 'application-resource-action',
          outcome: 'failure',
        }),
      ]);
    });

    it('answers 404 for an object that is not the application’s', async () => {
      const res = await t
        .http()
        .post(api('actions'))
        .set('Authorization', alice)
        .send({
          action: 'restart',
          resource: { ...DEPLOYMENT, namespace: 'kube-system' },
        });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain(
        'is not an object of this application',
      );
    });

    it('answers 400 for bad bodies and does nothing', async () => {
      const before = t.engine.calls.length;
      for (const [body, message] of [
        [
          { action: 'delete', resource: DEPLOYMENT },
          "action must be 'restart'",
        ],
        [{ action: 'scale', resource: DEPLOYMENT }, 'scale needs replicas'],
        [
          { action: 'scale', resource: DEPLOYMENT, replicas: 1001 },
          'replicas must be a whole number from 0 to 1000',
        ],
        [
          { action: 'scale', resource: DEPLOYMENT, replicas: 1.5 },
          'replicas must be a whole number',
        ],
        [
          { action: 'restart', resource: DEPLOYMENT, replicas: 1 },
          'replicas is only for scale',
        ],
        [{ action: 'restart' }, 'resource must name an object'],
        [
          { action: 'restart', resource: { ...DEPLOYMENT, kind: 7 } },
          'resource.kind must be a single string',
        ],
      ] as const) {
        const res = await t
          .http()
          .post(api('actions'))
          .set('Authorization', alice)
          .send(body);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(message);
      }
      expect(t.engine.calls.length).toBe(before);
    });
  });
});
