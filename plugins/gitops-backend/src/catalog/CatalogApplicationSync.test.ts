import type { Entity } from '@backstage/catalog-model';
import type { Application } from '@mooring/plugin-gitops-common';
import {
  alice,
  bob,
  component,
  payments,
  PROD,
  STAGING,
  startGitopsTestBackend,
  web,
  WEB,
} from '../__testUtils__/gitopsTestBackend';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

describe('catalog onboarding', () => {
  it('follows new, changed and removed entities without a restart', async () => {
    const t = await startGitopsTestBackend([payments]);
    try {
      expect(t.engine.specs.map(s => s.id).sort()).toEqual([PROD, STAGING]);

      // A new entity becomes a new application.
      t.setEntities([payments, web]);
      await waitFor('the new application', () =>
        t.engine.specs.some(s => s.id === WEB),
      );

      // A changed entity changes its application.
      const moved = component('web', 'team-web', {
        ...web.metadata.annotations,
        'mooring.dev/path': 'deploy/v2',
        'mooring.dev/sync': 'auto',
      });
      t.setEntities([payments, moved]);
      await waitFor(
        'the changed application',
        () =>
          t.engine.specs.find(s => s.id === WEB)?.source.path === 'deploy/v2',
      );
      expect(t.engine.specs.find(s => s.id === WEB)?.policy.sync).toBe('auto');

      // A removed target and a removed entity remove their applications.
      const prodOnly = component('payments', 'user:default/alice', {
        ...payments.metadata.annotations,
        'mooring.dev/targets': 'prod',
        'mooring.dev/cluster.staging': '',
      });
      delete prodOnly.metadata.annotations!['mooring.dev/cluster.staging'];
      delete prodOnly.metadata.annotations!['mooring.dev/path.staging'];
      delete prodOnly.metadata.annotations!['mooring.dev/sync.staging'];
      t.setEntities([prodOnly]);
      await waitFor(
        'the removed applications',
        () => t.engine.specs.map(s => s.id).join() === PROD,
      );

      const res = await t
        .http()
        .get('/api/gitops/applications')
        .set('Authorization', alice);
      expect(res.body.items.map((a: Application) => a.id)).toEqual([PROD]);
    } finally {
      await t.backend.stop();
    }
  });

  it('reports annotation errors the catalog recorded for an edit it did not accept', async () => {
    // The catalog sets `status` (AlphaEntity); plain `Entity` leaves it out.
    const stale = {
      ...web,
      status: {
        items: [
          {
            type: 'backstage.io/catalog-processing',
            level: 'error',
            message: 'InputError: bad',
            error: {
              name: 'MooringAnnotationError',
              message:
                "mooring.dev/cluster names cluster 'moon', which Mooring does not know",
            },
          },
        ],
      },
    } as Entity;
    const t = await startGitopsTestBackend([stale]);
    try {
      const res = await t
        .http()
        .get('/api/gitops/applications')
        .query({ entityRef: 'component:default/web' })
        .set('Authorization', bob);
      expect(res.body.items.map((a: Application) => a.id)).toEqual([WEB]);
      expect(res.body.errors).toEqual([
        {
          entityRef: 'component:default/web',
          annotation: 'mooring.dev/cluster',
          message: expect.stringContaining(
            "The catalog did not accept the latest edit of this entity: mooring.dev/cluster names cluster 'moon'",
          ),
        },
      ]);
    } finally {
      await t.backend.stop();
    }
  });
});
