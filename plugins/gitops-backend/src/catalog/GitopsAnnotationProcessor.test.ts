import type { Entity } from '@backstage/catalog-model';
import type { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import { serializeError } from '@backstage/errors';
import type { Application } from '@mooring/plugin-gitops-common';
import { entityApplications } from './entityApplications';
import { GitopsAnnotationProcessor } from './GitopsAnnotationProcessor';

const location = { type: 'url', target: 'https://git.example.com/x.yaml' };

function entity(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments', namespace: 'default', annotations },
    spec: { type: 'service', owner: 'guests', lifecycle: 'production' },
  };
}

async function process(e: Entity) {
  const processor = new GitopsAnnotationProcessor(() => ({
    clusters: ['dev'],
    checkRepo: url =>
      url.startsWith('git://127.0.0.1:9418/')
        ? undefined
        : `Repository ${url} is not in gitops.allowedRepos`,
  }));
  const emitted: CatalogProcessorResult[] = [];
  const out = await processor.postProcessEntity(e, location, r =>
    emitted.push(r),
  );
  return { out, emitted };
}

describe('GitopsAnnotationProcessor', () => {
  it('reports each annotation error on the entity, as the catalog stores it', async () => {
    const bad = entity({
      'mooring.dev/cluster': 'qa',
      'mooring.dev/repo': 'https://elsewhere.example.org/p.git',
    });
    const { out, emitted } = await process(bad);
    expect(out).toBe(bad);
    expect(
      emitted.map(r =>
        r.type === 'error'
          ? { location: r.location, error: serializeError(r.error) }
          : r,
      ),
    ).toEqual([
      {
        location,
        error: expect.objectContaining({
          name: 'MooringAnnotationError',
          message: expect.stringContaining("names cluster 'qa'"),
        }),
      },
      {
        location,
        error: expect.objectContaining({
          message: expect.stringContaining('No path'),
        }),
      },
      {
        location,
        error: expect.objectContaining({
          message: expect.stringContaining('not in gitops.allowedRepos'),
        }),
      },
    ]);
  });

  it('passes good and unrelated entities without a word', async () => {
    expect(
      (
        await process(
          entity({
            'mooring.dev/cluster': 'dev',
            'mooring.dev/path': 'deploy',
            'mooring.dev/repo': 'git://127.0.0.1:9418/payments.git',
          }),
        )
      ).emitted,
    ).toEqual([]);
    expect((await process(entity({}))).emitted).toEqual([]);
  });

  it('gives errors that the plugin reads back from the processing status', async () => {
    const { emitted } = await process(entity({ 'mooring.dev/cluster': 'qa' }));
    const items = emitted.map(r => ({
      type: 'backstage.io/catalog-processing',
      level: 'error',
      message: r.type === 'error' ? `${r.error}` : '',
      error: r.type === 'error' ? serializeError(r.error) : undefined,
    }));
    // The last good version of the entity, as the catalog keeps it, with the
    // errors of the edit it refused.
    const stale = {
      ...entity({
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': 'deploy',
        'mooring.dev/repo': 'git://127.0.0.1:9418/payments.git',
      }),
      status: { items },
    } as Entity;
    const result = entityApplications(stale, { clusters: ['dev'] });
    expect(result.specs.map(s => s.id)).toEqual([
      'component~default~payments~default',
    ]);
    expect(result.errors.map(e => e.annotation)).toEqual([
      'mooring.dev/cluster',
      'mooring.dev/path',
      'mooring.dev/repo',
    ]);
  });

  it('reports a sync Mooring refuses for what the entity asks now, and not for an edit that changes it', async () => {
    const annotations = {
      'mooring.dev/cluster': 'dev',
      'mooring.dev/path': 'deploy',
      'mooring.dev/repo': 'git://127.0.0.1:9418/payments.git',
      'mooring.dev/namespace': 'payments',
    };
    const refusal =
      'Refused: ClusterRoleBinding ops is cluster-scoped and group:default/guests may manage no cluster-scoped kinds (granted: namespace payments). Nothing was applied.';
    const application = {
      id: 'component~default~payments~default',
      entityRef: 'component:default/payments',
      owner: 'group:default/guests',
      target: 'default',
      source: {
        repoUrl: annotations['mooring.dev/repo'],
        path: 'deploy',
        revision: '',
      },
      destination: { cluster: 'dev', namespace: 'payments' },
      policy: { sync: 'auto', prune: false, selfHeal: false },
      status: {
        sync: 'OutOfSync',
        health: 'Healthy',
        message: refusal,
        refusal,
      },
    } as Application;
    const asked: string[] = [];
    const processor = new GitopsAnnotationProcessor(
      () => ({ clusters: ['dev'] }),
      async ref => {
        asked.push(ref);
        return [application];
      },
    );
    const run = async (e: Entity) => {
      const emitted: CatalogProcessorResult[] = [];
      await processor.postProcessEntity(e, location, r => emitted.push(r));
      return emitted.map(r => (r.type === 'error' ? r.error.message : r.type));
    };
    expect(await run(entity(annotations))).toEqual([
      `Target default: ${refusal}`,
    ]);
    expect(asked).toEqual(['component:default/payments']);
    // The owner moves the target elsewhere, or the platform hands the entity
    // to another owner: Mooring must get to judge that.
    expect(
      await run(entity({ ...annotations, 'mooring.dev/namespace': 'shop' })),
    ).toEqual([]);
    expect(
      await run(
        entity({ ...annotations, 'mooring.dev/helm-release': 'renamed' }),
      ),
    ).toEqual([]);
    const reowned = entity(annotations);
    reowned.spec = { ...reowned.spec, owner: 'platform' };
    expect(await run(reowned)).toEqual([]);
  });

  it('ignores a Mooring that cannot be asked', async () => {
    const processor = new GitopsAnnotationProcessor(
      () => ({ clusters: ['dev'] }),
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
    );
    const emitted: CatalogProcessorResult[] = [];
    await processor.postProcessEntity(
      entity({
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': 'deploy',
        'mooring.dev/repo': 'git://127.0.0.1:9418/payments.git',
      }),
      location,
      r => emitted.push(r),
    );
    expect(emitted).toEqual([]);
  });
});
