import { checkTenancy } from './checkTenancy';
import { grantFor } from './grantFor';
import type { TenancyRule } from './readTenancyRules';
import { discovery, manifests } from './testdata/manifests';

// An owner granted one namespace on one cluster.
const rules: TenancyRule[] = [
  {
    owners: ['group:default/payments'],
    clusters: ['dev'],
    namespaces: ['payments'],
    clusterResources: [],
  },
];
const app = {
  owner: 'payments',
  cluster: 'dev',
  destinationNamespace: 'payments',
  repoUrl: 'https://git.example.com/payments/api.git',
};

function check(
  fixtures: string[],
  options: {
    rules?: TenancyRule[] | undefined;
    cluster?: string;
    destinationNamespace?: string;
    scopeOf?: ReturnType<typeof discovery>;
  } = {},
) {
  const subject = {
    ...app,
    cluster: options.cluster ?? app.cluster,
    destinationNamespace:
      options.destinationNamespace ?? app.destinationNamespace,
  };
  return checkTenancy({
    objects: fixtures.flatMap(manifests),
    grant: grantFor('rules' in options ? options.rules : rules, subject),
    cluster: subject.cluster,
    destinationNamespace: subject.destinationNamespace,
    scopeOf: options.scopeOf ?? discovery(),
  });
}

describe('checkTenancy', () => {
  it('allows namespaced objects in the granted destination namespace and its Namespace', () => {
    expect(check(['deployment-own-namespace', 'namespace-payments'])).toEqual({
      violations: [],
    });
  });

  it('refuses an explicit metadata.namespace nobody granted', () => {
    expect(check(['deployment-other-namespace'])).toEqual({
      violations: [
        {
          object: {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'billing',
            name: 'web',
          },
          reason:
            'Deployment web is in namespace billing (its metadata.namespace), which is not granted to group:default/payments',
        },
      ],
      message:
        'Refused: Deployment web is in namespace billing (its metadata.namespace), which is not granted to group:default/payments (granted: cluster dev; namespace payments). Nothing was applied.',
    });
  });

  it('refuses a destination namespace that is not granted', () => {
    const result = check(['deployment-own-namespace'], {
      destinationNamespace: 'billing',
    });
    expect(result.message).toBe(
      'Refused: Deployment api is in namespace billing, which is not granted to group:default/payments (granted: cluster dev; namespace payments). Nothing was applied.',
    );
  });

  it('refuses kube-system', () => {
    expect(check(['configmap-kube-system']).message).toBe(
      'Refused: ConfigMap coredns-custom is in namespace kube-system (its metadata.namespace), which is not granted to group:default/payments (granted: cluster dev; namespace payments). Nothing was applied.',
    );
  });

  it('refuses kube-system as destination even without gitops.tenancy', () => {
    const result = check(['deployment-own-namespace', 'namespace-payments'], {
      rules: undefined,
      destinationNamespace: 'kube-system',
    });
    expect(result.violations.map(v => v.reason)).toEqual([
      'Deployment api is in namespace kube-system, which is not granted to group:default/payments',
      'Namespace payments is not a namespace granted to group:default/payments, and group:default/payments may manage no cluster-scoped kinds',
    ]);
    expect(result.message).toBe(
      'Refused: Deployment api is in namespace kube-system, which is not granted to group:default/payments; Namespace payments is not a namespace granted to group:default/payments, and group:default/payments may manage no cluster-scoped kinds (granted: any cluster; no namespace). Nothing was applied.',
    );
  });

  it('judges a cluster-scoped object as such, whatever metadata.namespace it carries', () => {
    expect(check(['clusterrolebinding-cluster-admin'])).toEqual({
      violations: [
        {
          object: {
            group: 'rbac.authorization.k8s.io',
            version: 'v1',
            kind: 'ClusterRoleBinding',
            namespace: '',
            name: 'ops-admin',
          },
          reason:
            'ClusterRoleBinding ops-admin is cluster-scoped and group:default/payments may manage no cluster-scoped kinds',
        },
      ],
      message:
        'Refused: ClusterRoleBinding ops-admin is cluster-scoped and group:default/payments may manage no cluster-scoped kinds (granted: cluster dev; namespace payments). Nothing was applied.',
    });
  });

  it('refuses a Namespace that is not granted', () => {
    expect(check(['namespace-billing']).message).toBe(
      'Refused: Namespace billing is not a namespace granted to group:default/payments, and group:default/payments may manage no cluster-scoped kinds (granted: cluster dev; namespace payments). Nothing was applied.',
    );
  });

  it('allows any Namespace once clusterResources grants the kind', () => {
    const withNamespaces = [{ ...rules[0], clusterResources: ['Namespace'] }];
    expect(
      check(['namespace-billing'], { rules: withNamespaces }).violations,
    ).toEqual([]);
    expect(
      check(['clusterrolebinding-cluster-admin'], { rules: withNamespaces })
        .message,
    ).toBe(
      'Refused: ClusterRoleBinding ops-admin is cluster-scoped and group:default/payments may manage only the cluster-scoped kinds Namespace (granted: cluster dev; namespace payments; cluster-scoped kinds: Namespace). Nothing was applied.',
    );
  });

  it('refuses a CRD and its cluster-scoped custom resource, judged by the CRD it ships', () => {
    const result = check(['crd-cluster-scoped']);
    expect(result.violations).toEqual([
      {
        object: {
          group: 'apiextensions.k8s.io',
          version: 'v1',
          kind: 'CustomResourceDefinition',
          namespace: '',
          name: 'backupschedules.backup.example.com',
        },
        reason:
          'CustomResourceDefinition backupschedules.backup.example.com is cluster-scoped and group:default/payments may manage no cluster-scoped kinds',
      },
      {
        object: {
          group: 'backup.example.com',
          version: 'v1',
          kind: 'BackupSchedule',
          namespace: '',
          name: 'nightly',
        },
        reason:
          'BackupSchedule nightly is cluster-scoped and group:default/payments may manage no cluster-scoped kinds',
      },
    ]);
  });

  it('allows the CRD and its resources when both kinds are granted', () => {
    const result = check(['crd-cluster-scoped'], {
      rules: [
        {
          ...rules[0],
          clusterResources: [
            'CustomResourceDefinition',
            'backup.example.com/BackupSchedule',
          ],
        },
      ],
    });
    expect(result.violations).toEqual([]);
  });

  it('judges a custom kind by discovery once the cluster serves it', () => {
    const served = discovery({
      'backup.example.com/v1/BackupSchedule': 'Cluster',
    });
    const schedule = manifests('crd-cluster-scoped').slice(1);
    const result = checkTenancy({
      objects: schedule,
      grant: grantFor(rules, app),
      cluster: 'dev',
      destinationNamespace: 'payments',
      scopeOf: served,
    });
    expect(result.violations.map(v => v.reason)).toEqual([
      'BackupSchedule nightly is cluster-scoped and group:default/payments may manage no cluster-scoped kinds',
    ]);
  });

  it('places a namespaced custom resource in the destination namespace', () => {
    const rulesWithCrds = [
      { ...rules[0], clusterResources: ['CustomResourceDefinition'] },
    ];
    expect(
      check(['crd-namespaced'], { rules: rulesWithCrds }).violations,
    ).toEqual([]);
    expect(
      check(['crd-namespaced'], {
        rules: rulesWithCrds,
        destinationNamespace: 'billing',
      }).violations.map(v => v.reason),
    ).toEqual([
      'Widget blue is in namespace billing, which is not granted to group:default/payments',
    ]);
  });

  it('refuses a kind neither the cluster nor the application declares', () => {
    expect(check(['unknown-kind'])).toEqual({
      violations: [
        {
          object: {
            group: 'monitoring.example.com',
            version: 'v1',
            kind: 'Probe',
            namespace: '',
            name: 'payments-api',
          },
          reason:
            'Probe payments-api (monitoring.example.com/v1) is of a kind cluster dev does not serve and no CustomResourceDefinition of this application declares, so whether it is cluster-scoped is unknown; add its CustomResourceDefinition to the cluster first',
        },
      ],
      message:
        'Refused: Probe payments-api (monitoring.example.com/v1) is of a kind cluster dev does not serve and no CustomResourceDefinition of this application declares, so whether it is cluster-scoped is unknown; add its CustomResourceDefinition to the cluster first (granted: cluster dev; namespace payments). Nothing was applied.',
    });
  });

  it('allows an unknown kind only when it would be allowed either way', () => {
    expect(
      check(['unknown-kind'], {
        rules: [
          { ...rules[0], clusterResources: ['monitoring.example.com/Probe'] },
        ],
      }).violations,
    ).toEqual([]);
  });

  it('refuses a cluster that is not granted, once, for the whole application', () => {
    expect(
      check(['deployment-own-namespace', 'namespace-payments'], {
        cluster: 'prod',
      }),
    ).toEqual({
      violations: [
        { reason: 'group:default/payments may not deploy to cluster prod' },
      ],
      message:
        'Refused: group:default/payments may not deploy to cluster prod (granted: cluster dev). Nothing was applied.',
    });
  });

  it('names the first three objects and counts the rest', () => {
    const result = check([
      'deployment-other-namespace',
      'configmap-kube-system',
      'clusterrolebinding-cluster-admin',
      'namespace-billing',
      'unknown-kind',
      'deployment-own-namespace',
    ]);
    expect(result.violations).toHaveLength(5);
    expect(result.message).toBe(
      'Refused: Deployment web is in namespace billing (its metadata.namespace), which is not granted to group:default/payments; ConfigMap coredns-custom is in namespace kube-system (its metadata.namespace), which is not granted to group:default/payments; ClusterRoleBinding ops-admin is cluster-scoped and group:default/payments may manage no cluster-scoped kinds; and 2 more objects (granted: cluster dev; namespace payments). Nothing was applied.',
    );
  });
});
