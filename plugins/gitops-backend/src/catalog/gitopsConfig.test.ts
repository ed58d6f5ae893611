import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import { parseGitopsAnnotations } from '@mooring/plugin-gitops-common';
import { createTargetCheck } from './gitopsConfig';

const tenancy = {
  rules: [
    {
      owners: ['group:default/payments'],
      clusters: ['dev'],
      namespaces: ['payments', 'payments-*'],
    },
  ],
};

function component(owner: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'checkout',
      annotations: {
        'mooring.dev/path': 'deploy',
        'mooring.dev/repo': 'https://git.example.com/payments/checkout.git',
        ...annotations,
      },
    },
    spec: { type: 'service', lifecycle: 'production', owner },
  };
}

function errorsOf(entity: Entity, gitops: object = { tenancy }) {
  const checkTarget = createTargetCheck(new ConfigReader({ gitops }));
  return parseGitopsAnnotations(entity, { checkTarget });
}

describe('createTargetCheck', () => {
  it('accepts a target on a granted cluster and namespace', () => {
    const parsed = errorsOf(
      component('payments', {
        'mooring.dev/cluster': 'dev',
        'mooring.dev/namespace': 'payments-api',
      }),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.targets).toHaveLength(1);
  });

  it('makes a cluster not granted to the owner an annotation error, and drops that target', () => {
    const parsed = errorsOf(
      component('payments', {
        'mooring.dev/targets': 'staging,prod',
        'mooring.dev/cluster.staging': 'dev',
        'mooring.dev/cluster.prod': 'prod',
        'mooring.dev/namespace': 'payments',
      }),
    );
    expect(parsed.targets.map(t => t.target)).toEqual(['staging']);
    expect(parsed.errors).toEqual([
      {
        target: 'prod',
        annotation: 'mooring.dev/cluster.prod',
        message: expect.stringMatching(
          /names cluster 'prod', which is not granted to group:default\/payments: .* may deploy to cluster dev/,
        ),
      },
    ]);
  });

  it('makes a namespace not granted to the owner an annotation error', () => {
    const parsed = errorsOf(
      component('payments', {
        'mooring.dev/cluster': 'dev',
        'mooring.dev/namespace': 'kube-system',
      }),
    );
    expect(parsed.targets).toEqual([]);
    expect(parsed.errors[0]).toMatchObject({
      annotation: 'mooring.dev/namespace',
      message: expect.stringContaining(
        "Namespace 'kube-system' is not granted to group:default/payments",
      ),
    });
  });

  it('gives an owner no rule names its own namespace only', () => {
    expect(
      errorsOf(
        component('group:default/marketing', {
          'mooring.dev/cluster': 'dev',
          'mooring.dev/namespace': 'marketing',
        }),
      ).errors,
    ).toEqual([]);
  });

  it('without gitops.tenancy, still refuses the reserved kube-* namespaces', () => {
    const parsed = errorsOf(
      component('payments', {
        'mooring.dev/cluster': 'dev',
        'mooring.dev/namespace': 'kube-system',
      }),
      {},
    );
    expect(parsed.errors[0]?.annotation).toBe('mooring.dev/namespace');
  });

  it("resolves a bare owner in the entity's own namespace, as the catalog does", () => {
    const entity = component('payments', {
      'mooring.dev/cluster': 'dev',
      'mooring.dev/namespace': 'payments',
    });
    entity.metadata.namespace = 'team-x';
    // group:team-x/payments is not group:default/payments: it gets the default,
    // and payments' namespace is not part of that.
    expect(errorsOf(entity).errors[0]).toMatchObject({
      annotation: 'mooring.dev/namespace',
      message: expect.stringContaining('group:team-x/payments'),
    });
  });
});
