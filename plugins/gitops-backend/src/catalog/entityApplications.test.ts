import type { Entity } from '@backstage/catalog-model';
import { entityApplications } from './entityApplications';

function component(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'shop', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

const base = {
  'mooring.dev/targets': 'staging,prod',
  'mooring.dev/cluster': 'dev',
  'mooring.dev/path': 'deploy',
  'mooring.dev/repo': 'https://git.example.com/shop.git',
};

describe('entityApplications', () => {
  it("gives each application its target's ignore rules", () => {
    const { specs, errors } = entityApplications(
      component({
        ...base,
        'mooring.dev/ignore-differences.prod':
          '[{"group":"apps","kind":"Deployment","jsonPointers":["/spec/replicas"]}]',
      }),
      { clusters: ['dev'] },
    );
    expect(errors).toEqual([]);
    expect(specs.map(s => [s.target, s.ignoreDifferences])).toEqual([
      ['staging', undefined],
      [
        'prod',
        [
          {
            group: 'apps',
            kind: 'Deployment',
            jsonPointers: ['/spec/replicas'],
          },
        ],
      ],
    ]);
  });

  it('makes no application of a target whose rules are wrong, and says why', () => {
    const { specs, errors } = entityApplications(
      component({
        ...base,
        'mooring.dev/ignore-differences.prod': '[{"jsonPointers":["/x"]}]',
      }),
      { clusters: ['dev'] },
    );
    expect(specs.map(s => s.target)).toEqual(['staging']);
    expect(errors).toEqual([
      {
        entityRef: 'component:default/shop',
        target: 'prod',
        annotation: 'mooring.dev/ignore-differences.prod',
        message: expect.stringContaining('rule 1 has no kind'),
      },
    ]);
  });
});
