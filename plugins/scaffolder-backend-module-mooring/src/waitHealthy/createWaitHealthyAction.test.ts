import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { Application } from '@mooring/plugin-gitops-common';
import express from 'express';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createWaitHealthyAction } from './createWaitHealthyAction';

const REF = 'component:default/shipping';
const ID = 'component~default~shipping~default';
const SHA = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

function app(status: Partial<Application['status']>): Application {
  return {
    id: ID,
    entityRef: REF,
    target: 'default',
    source: {
      repoUrl: 'git://127.0.0.1:9418/shipping.git',
      path: 'deploy',
      revision: '',
    },
    destination: { cluster: 'dev', namespace: 'shipping' },
    policy: { sync: 'auto', prune: false, selfHeal: false },
    status: {
      sync: 'OutOfSync',
      health: 'Missing',
      syncedRevision: '',
      targetRevision: SHA,
      reconciledAt: new Date().toISOString(),
      message: '',
      ...status,
    },
  } as Application;
}

/** A gitops API answering each GET /applications with the next of `answers` (the last repeats). */
let server: Server;
let baseUrl: string;
let requests: Array<{ entityRef: unknown; authorization?: string }>;
let answers: Array<{ status: number; body: unknown }>;

beforeEach(async () => {
  requests = [];
  answers = [];
  const router = express();
  router.get('/api/gitops/applications', (req, res) => {
    requests.push({
      entityRef: req.query.entityRef,
      authorization: req.headers.authorization,
    });
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)];
    res.status(answer.status).json(answer.body);
  });
  server = router.listen(0, '127.0.0.1');
  await new Promise(resolve => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/api/gitops`;
});
afterEach(async () => {
  await new Promise(resolve => server.close(resolve));
});

const shipping: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'shipping', namespace: 'default' },
  spec: { owner: 'guests' },
};

function setup(entities: Entity[] = [shipping]) {
  return createWaitHealthyAction({
    config: new ConfigReader({ app: { baseUrl: 'http://localhost:3000' } }),
    discovery: mockServices.discovery.mock({
      getBaseUrl: async (id: string) => {
        expect(id).toBe('gitops');
        return baseUrl;
      },
    }),
    auth: mockServices.auth(),
    catalog: catalogServiceMock({ entities }),
    pollIntervalMs: 20,
  });
}

function context(input: object = {}, signal?: AbortSignal) {
  return {
    ...createMockActionContext({
      input: {
        entityRef: REF,
        revision: SHA,
        applicationIds: [ID],
        timeoutMinutes: 10,
        ...input,
      },
    }),
    signal,
  };
}

const list = (...items: Application[]) => ({ status: 200, body: { items } });

describe('mooring:wait-healthy', () => {
  it('waits for the first sync of the commit to be Synced and Healthy, then links the Deployments tab', async () => {
    answers = [
      list(),
      list(app({ sync: 'Synced', health: 'Healthy', syncedRevision: OLD })),
      list(
        app({
          sync: 'OutOfSync',
          health: 'Progressing',
          syncedRevision: OLD,
          operation: { phase: 'Running', revision: SHA } as any,
        }),
      ),
      list(
        app({
          sync: 'Synced',
          health: 'Healthy',
          syncedRevision: SHA,
          operation: { phase: 'Succeeded', revision: SHA } as any,
        }),
      ),
    ];
    const ctx = context();
    await setup().handler(ctx);
    expect(requests).toHaveLength(4);
    expect(requests[0].entityRef).toBe(REF);
    expect(requests[0].authorization).toMatch(/^Bearer .+/);
    expect(ctx.output).toHaveBeenCalledWith(
      'link',
      'http://localhost:3000/catalog/default/component/shipping/deployments',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'path',
      '/catalog/default/component/shipping/deployments',
    );
    expect(ctx.output).toHaveBeenCalledWith('applications', [
      { id: ID, sync: 'Synced', health: 'Healthy' },
    ]);
  });

  it('fails at once, saying why, when the sync fails or the application is Degraded', async () => {
    answers = [
      list(
        app({
          operation: {
            phase: 'Failed',
            revision: SHA,
            message:
              'Deployment shipping/shipping: namespace shipping is not granted',
          } as any,
        }),
      ),
    ];
    await expect(setup().handler(context())).rejects.toThrow(
      `${REF} did not deploy: the sync of ${ID} failed: Deployment shipping/shipping: namespace shipping is not granted`,
    );
    expect(requests).toHaveLength(1);

    requests = [];
    answers = [
      list(
        app({
          sync: 'Synced',
          health: 'Degraded',
          syncedRevision: SHA,
          message:
            'Deployment shipping: 0 of 1 replicas available (ImagePullBackOff)',
        }),
      ),
    ];
    await expect(setup().handler(context())).rejects.toThrow(
      `${ID} is Degraded: Deployment shipping: 0 of 1 replicas available (ImagePullBackOff)`,
    );
    expect(requests).toHaveLength(1);
  });

  it("fails with the catalog module's reason when Mooring refuses the annotations", async () => {
    answers = [list()];
    const refused = {
      ...shipping,
      status: {
        items: [
          {
            type: 'backstage.io/catalog-processing',
            level: 'error',
            message:
              'MooringAnnotationError: mooring.dev/namespace: not granted',
            error: {
              name: 'MooringAnnotationError',
              message:
                'mooring.dev/namespace: group:default/guests may not deploy to namespace payments',
            },
          },
        ],
      },
    } as Entity;
    await expect(setup([refused]).handler(context())).rejects.toThrow(
      `Mooring refuses ${REF}: mooring.dev/namespace: group:default/guests may not deploy to namespace payments`,
    );
  });

  it('gives up after the timeout, saying what it last saw', async () => {
    answers = [list(app({ sync: 'OutOfSync', health: 'Progressing' }))];
    await expect(
      setup().handler(context({ timeoutMinutes: 0.005 })),
    ).rejects.toThrow(
      /was not Synced and Healthy within 0.005 min \(component~default~shipping~default: OutOfSync, Progressing\); see http:\/\/localhost:3000\/catalog\/default\/component\/shipping\/deployments/,
    );
    expect(requests.length).toBeGreaterThan(1);
  });

  it('stops when the task is cancelled', async () => {
    answers = [list(app({ sync: 'OutOfSync', health: 'Progressing' }))];
    const controller = new AbortController();
    const waiting = setup().handler(context({}, controller.signal));
    await new Promise<void>(resolve => {
      const check = () =>
        requests.length > 0 ? resolve() : setTimeout(check, 5);
      check();
    });
    controller.abort();
    await expect(waiting).rejects.toThrow(
      `Stopped waiting for ${REF}: the task was cancelled`,
    );
  });

  it('passes on what the gitops API refuses', async () => {
    answers = [
      {
        status: 403,
        // Backstage's error shape, as the gitops backend answers.
        body: {
          error: { name: 'NotAllowedError', message: 'not allowed to read' },
          request: { method: 'GET', url: '/applications' },
          response: { statusCode: 403 },
        },
      },
    ];
    await expect(setup().handler(context())).rejects.toThrow(
      `Mooring's API answered 403 when asked for the applications of ${REF}: not allowed to read`,
    );
  });
});
