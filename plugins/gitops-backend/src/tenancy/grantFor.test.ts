import type { TenancyRule } from './readTenancyRules';
import {
  clusterAllowed,
  clusterResourceAllowed,
  describeGrant,
  grantFor,
  impersonatedUser,
  namespaceAllowed,
  repoAllowed,
} from './grantFor';

const rules: TenancyRule[] = [
  {
    owners: ['group:default/payments'],
    clusters: ['dev', 'prod'],
    namespaces: ['payments', 'payments-*'],
    clusterResources: ['Namespace'],
    repos: ['https://git.example.com/payments/**'],
    serviceAccount: 'mooring',
  },
  {
    owners: ['group:default/payments'],
    clusters: ['dev'],
    namespaces: ['sandbox'],
    clusterResources: [],
  },
  {
    owners: ['group:platform/*'],
    clusters: ['*'],
    namespaces: ['*'],
    clusterResources: ['*'],
  },
];

const app = {
  owner: 'payments',
  cluster: 'prod',
  destinationNamespace: 'payments',
  repoUrl: 'https://git.example.com/payments/api.git',
};

describe('grantFor', () => {
  it('normalises the owner as Backstage resolves spec.owner', () => {
    for (const owner of [
      'payments',
      'default/payments',
      'group:payments',
      'Group:Default/Payments',
    ]) {
      expect(grantFor(rules, { ...app, owner }).owner).toBe(
        'group:default/payments',
      );
    }
    expect(grantFor(rules, { ...app, owner: 'user:jane' }).owner).toBe(
      'user:default/jane',
    );
  });

  it('adds up the rules that match the owner on the application cluster', () => {
    expect(grantFor(rules, { ...app, cluster: 'dev' })).toEqual({
      owner: 'group:default/payments',
      rules: [0, 1],
      basis: 'rules',
      clusters: ['dev', 'prod'],
      namespaces: ['payments', 'payments-*', 'sandbox'],
      clusterResources: ['Namespace'],
      serviceAccount: 'mooring',
    });
  });

  it('does not carry a namespace granted on one cluster to another', () => {
    const grant = grantFor(rules, app);
    expect(grant.rules).toEqual([0]);
    expect(namespaceAllowed(grant, 'payments-eu')).toBe(true);
    expect(namespaceAllowed(grant, 'sandbox')).toBe(false);
    expect(describeGrant(grant)).toBe(
      'group:default/payments may deploy to clusters dev, prod; namespaces payments, payments-*; cluster-scoped kinds: Namespace',
    );
  });

  it('matches owner globs case-insensitively', () => {
    const grant = grantFor(rules, { ...app, owner: 'group:Platform/SRE' });
    expect(grant.owner).toBe('group:platform/sre');
    expect(grant.rules).toEqual([2]);
    expect(
      clusterResourceAllowed(grant, 'rbac.authorization.k8s.io', 'ClusterRole'),
    ).toBe(true);
    expect(describeGrant(grant)).toBe(
      'group:platform/sre may deploy to any cluster; any namespace; any cluster-scoped kind',
    );
  });

  it('gives an owner no rule names the default: its own namespace, nothing cluster-scoped', () => {
    const grant = grantFor(rules, {
      ...app,
      owner: 'user:default/guest',
      destinationNamespace: 'guest-space',
    });
    expect(grant).toEqual({
      owner: 'user:default/guest',
      rules: [],
      basis: 'unmatched',
      clusters: ['*'],
      namespaces: ['guest-space'],
      clusterResources: [],
    });
    expect(describeGrant(grant)).toBe(
      'user:default/guest may deploy to any cluster; namespace guest-space (the default: no gitops.tenancy rule names this owner)',
    );
  });

  it('leaves out of the default a namespace a rule grants to another owner on that cluster', () => {
    // payments' namespaces on prod are payments' own: the guest naming one gets nothing.
    const intruder = grantFor(rules, { ...app, owner: 'user:default/guest' });
    expect(intruder.namespaces).toEqual([]);
    expect(describeGrant(intruder)).toContain(
      'namespace payments is granted to other owners',
    );
    expect(namespaceAllowed(intruder, 'payments')).toBe(false);
    // sandbox is payments' on dev only; on prod it is anyone's default.
    expect(
      grantFor(rules, {
        ...app,
        owner: 'user:default/guest',
        destinationNamespace: 'sandbox',
      }).namespaces,
    ).toEqual(['sandbox']);
  });

  it('gives everyone the default without gitops.tenancy', () => {
    const grant = grantFor(undefined, app);
    expect(grant.basis).toBe('none');
    expect(namespaceAllowed(grant, 'payments')).toBe(true);
    expect(namespaceAllowed(grant, 'payments-eu')).toBe(false);
    expect(clusterAllowed(grant, 'prod')).toBe(true);
    expect(describeGrant(grant)).toBe(
      'group:default/payments may deploy to any cluster; namespace payments (the default without gitops.tenancy: its own namespace only)',
    );
  });

  it("never grants Kubernetes' own namespaces by default", () => {
    const grant = grantFor(undefined, {
      ...app,
      destinationNamespace: 'kube-system',
    });
    expect(grant.namespaces).toEqual([]);
    expect(namespaceAllowed(grant, 'kube-system')).toBe(false);
  });

  it('tells whether a cluster is granted', () => {
    const grant = grantFor(rules, { ...app, cluster: 'staging' });
    expect(clusterAllowed(grant, 'staging')).toBe(false);
    expect(clusterAllowed(grant, 'dev')).toBe(true);
    expect(grant.namespaces).toEqual([]);
  });

  it('narrows repositories only when every rule on the cluster does', () => {
    const prod = grantFor(rules, app);
    expect(prod.repos).toEqual(['https://git.example.com/payments/**']);
    expect(repoAllowed(prod, 'https://git.example.com/payments/api.git')).toBe(
      true,
    );
    expect(repoAllowed(prod, 'https://git.example.com/billing/api.git')).toBe(
      false,
    );

    const dev = grantFor(rules, { ...app, cluster: 'dev' });
    expect(dev.repos).toBeUndefined();
    expect(repoAllowed(dev, 'https://git.example.com/billing/api.git')).toBe(
      true,
    );
  });

  it('grants nothing of a rule whose repos do not match the application repository', () => {
    const grant = grantFor(rules, {
      ...app,
      cluster: 'dev',
      repoUrl: 'https://git.example.com/billing/api.git',
    });
    expect(grant.rules).toEqual([1]);
    expect(grant.namespaces).toEqual(['sandbox']);
    expect(grant.clusterResources).toEqual([]);
    expect(grant.serviceAccount).toBeUndefined();
  });

  it('names the service account to impersonate in the destination namespace', () => {
    expect(impersonatedUser(grantFor(rules, app), 'payments-eu')).toBe(
      'system:serviceaccount:payments-eu:mooring',
    );
    expect(
      impersonatedUser(grantFor(undefined, app), 'payments'),
    ).toBeUndefined();
  });

  it('refuses rules that name different service accounts for one application', () => {
    expect(() =>
      grantFor(
        [
          {
            owners: ['*'],
            clusters: ['dev'],
            namespaces: ['a'],
            clusterResources: [],
            serviceAccount: 'one',
          },
          {
            owners: ['payments'],
            clusters: ['d*'],
            namespaces: ['b'],
            clusterResources: [],
            serviceAccount: 'two',
          },
        ],
        { ...app, cluster: 'dev' },
      ),
    ).toThrow(
      new Error(
        'group:default/payments matches gitops.tenancy.rules 0, 1 on cluster dev, which name different service accounts (one, two); give these rules one serviceAccount',
      ),
    );
  });

  it('reads a bare kind as a built-in kind and a custom kind only with its group', () => {
    const grant = grantFor(
      [
        {
          owners: ['*'],
          clusters: ['*'],
          namespaces: [],
          clusterResources: ['ClusterRole', 'backup.example.com/*', 'Storage*'],
        },
      ],
      app,
    );
    expect(
      clusterResourceAllowed(grant, 'rbac.authorization.k8s.io', 'ClusterRole'),
    ).toBe(true);
    expect(
      clusterResourceAllowed(grant, 'evil.example.com', 'ClusterRole'),
    ).toBe(false);
    expect(
      clusterResourceAllowed(grant, 'backup.example.com', 'BackupSchedule'),
    ).toBe(true);
    expect(
      clusterResourceAllowed(grant, 'storage.k8s.io', 'StorageClass'),
    ).toBe(true);
    expect(clusterResourceAllowed(grant, '', 'Namespace')).toBe(false);
  });
});
