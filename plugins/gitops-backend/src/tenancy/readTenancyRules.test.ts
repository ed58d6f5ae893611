import { ConfigReader } from '@backstage/config';
import { readTenancyRules } from './readTenancyRules';

function read(tenancy: unknown) {
  return readTenancyRules(
    new ConfigReader({
      gitops: tenancy === undefined ? {} : { tenancy },
    } as any),
  );
}

describe('readTenancyRules', () => {
  it('is undefined without gitops.tenancy, so the secure default applies', () => {
    expect(readTenancyRules(new ConfigReader({}))).toBeUndefined();
    expect(read(undefined)).toBeUndefined();
  });

  it('reads every key of a rule as DESIGN.md shows it', () => {
    expect(
      read({
        rules: [
          {
            owners: ['group:default/payments'],
            clusters: ['dev', 'prod'],
            namespaces: ['payments', 'payments-*'],
            clusterResources: ['Namespace'],
            repos: ['https://git.example.com/payments/**'],
            serviceAccount: 'mooring',
          },
          { owners: ['*'], clusters: ['dev'], namespaces: ['sandbox'] },
        ],
      }),
    ).toEqual([
      {
        owners: ['group:default/payments'],
        clusters: ['dev', 'prod'],
        namespaces: ['payments', 'payments-*'],
        clusterResources: ['Namespace'],
        repos: ['https://git.example.com/payments/**'],
        serviceAccount: 'mooring',
      },
      {
        owners: ['*'],
        clusters: ['dev'],
        namespaces: ['sandbox'],
        clusterResources: [],
      },
    ]);
  });

  it('gives no rules when tenancy is present but empty', () => {
    expect(read({})).toEqual([]);
  });

  it.each([
    [
      { rule: [] },
      'gitops.tenancy.rule is not a tenancy setting; the only key is rules',
    ],
    [
      { rules: { owners: ['*'] } },
      'gitops.tenancy.rules must be a list of rules',
    ],
    [
      { rules: ['payments'] },
      'gitops.tenancy.rules[0] must be an object with owners, clusters and namespaces',
    ],
    [
      { rules: [{ clusters: ['dev'] }] },
      "gitops.tenancy.rules[0].owners is missing; give a list such as ['group:default/payments']",
    ],
    [
      { rules: [{ owners: [], clusters: ['dev'] }] },
      "gitops.tenancy.rules[0].owners is empty, so the rule would grant nothing; give a list such as ['group:default/payments']",
    ],
    [
      { rules: [{ owners: ['*'], clusters: ['dev'] }, { owners: ['*'] }] },
      "gitops.tenancy.rules[1].clusters is missing; give a list such as ['dev', 'prod']",
    ],
    [
      { rules: [{ owners: ['*'], clusters: ['dev'], namespaces: 'payments' }] },
      "gitops.tenancy.rules[0].namespaces must be a list such as ['payments', 'payments-*'], not \"payments\"",
    ],
    [
      {
        rules: [{ owners: ['*'], clusters: ['dev'], namespace: ['payments'] }],
      },
      'gitops.tenancy.rules[0].namespace is not a rule key; a rule has owners, clusters, namespaces, clusterResources, repos, serviceAccount',
    ],
    [
      { rules: [{ owners: ['*'], clusters: ['dev', 3] }] },
      'gitops.tenancy.rules[0].clusters[1] must be a non-empty string, not 3',
    ],
    [
      {
        rules: [
          {
            owners: ['*'],
            clusters: ['dev'],
            clusterResources: [' Namespace'],
          },
        ],
      },
      'gitops.tenancy.rules[0].clusterResources[0] " Namespace" has leading or trailing spaces',
    ],
    [
      { rules: [{ owners: ['*'], clusters: ['dev'], repos: [] }] },
      "gitops.tenancy.rules[0].repos is empty, so the rule would grant nothing; give a list such as ['https://git.example.com/payments/**']",
    ],
    [
      {
        rules: [
          { owners: ['*'], clusters: ['dev'], serviceAccount: 'Mooring Agent' },
        ],
      },
      "gitops.tenancy.rules[0].serviceAccount must be the name of a service account, such as mooring (lower case letters, digits, '-' and '.'); got \"Mooring Agent\"",
    ],
  ])(
    'refuses %j with a message naming the rule and key',
    (tenancy, message) => {
      expect(() => read(tenancy)).toThrow(new Error(message));
    },
  );
});
