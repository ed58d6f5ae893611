import type { Entity } from '@backstage/catalog-model';
import {
  applicationId,
  isGitopsAvailable,
  parseGitopsAnnotations,
} from './parseGitopsAnnotations';

function component(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

const clusters = ['dev', 'prod'];
const checkRepo = (url: string) =>
  url.startsWith('https://git.example.com/')
    ? undefined
    : `Repository ${url} is not in gitops.allowedRepos`;

describe('parseGitopsAnnotations', () => {
  it('reads a single target with defaults', () => {
    const result = parseGitopsAnnotations(
      component({
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': './deploy/dev/',
        'mooring.dev/repo': 'https://git.example.com/payments.git',
      }),
      { clusters, checkRepo },
    );
    expect(result.errors).toEqual([]);
    expect(result.targets).toEqual([
      {
        target: 'default',
        cluster: 'dev',
        path: 'deploy/dev',
        namespace: 'default',
        repoUrl: 'https://git.example.com/payments.git',
        revision: '',
        sync: 'manual',
        prune: false,
        selfHeal: false,
        pruneOnRemove: false,
      },
    ]);
  });

  it('reads several targets, suffixed keys overriding the defaults', () => {
    const result = parseGitopsAnnotations(
      component({
        'mooring.dev/targets': 'staging, prod',
        'mooring.dev/repo': 'https://git.example.com/payments.git',
        'mooring.dev/cluster': 'dev',
        'mooring.dev/cluster.prod': 'prod',
        'mooring.dev/path.staging': 'deploy/overlays/staging',
        'mooring.dev/path.prod': 'deploy/overlays/prod',
        'mooring.dev/sync': 'auto',
        'mooring.dev/sync.prod': 'manual',
        'mooring.dev/namespace': 'payments',
        'mooring.dev/revision.prod': 'v1.2.0',
        'mooring.dev/self-heal.staging': 'true',
        'mooring.dev/prune': 'true',
        'mooring.dev/prune-on-remove.staging': 'true',
      }),
      { clusters, checkRepo },
    );
    expect(result.errors).toEqual([]);
    expect(result.targets).toEqual([
      expect.objectContaining({
        target: 'staging',
        cluster: 'dev',
        path: 'deploy/overlays/staging',
        namespace: 'payments',
        revision: '',
        sync: 'auto',
        prune: true,
        selfHeal: true,
        pruneOnRemove: true,
      }),
      expect.objectContaining({
        target: 'prod',
        cluster: 'prod',
        path: 'deploy/overlays/prod',
        revision: 'v1.2.0',
        sync: 'manual',
        prune: true,
        selfHeal: false,
        pruneOnRemove: false,
      }),
    ]);
  });

  it('takes the repo and branch from backstage.io/source-location', () => {
    const result = parseGitopsAnnotations(
      component({
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': 'deploy',
        'backstage.io/source-location':
          'url:https://git.example.com/org/payments/tree/release/',
      }),
      { clusters, checkRepo },
    );
    expect(result.errors).toEqual([]);
    expect(result.targets[0]).toMatchObject({
      repoUrl: 'https://git.example.com/org/payments',
      revision: 'release',
    });
  });

  it('says which annotation is wrong for an unknown cluster, a missing path and a repo not allowed', () => {
    const result = parseGitopsAnnotations(
      component({
        'mooring.dev/cluster': 'qa',
        'mooring.dev/repo': 'https://elsewhere.example.org/payments.git',
      }),
      { clusters, checkRepo },
    );
    expect(result.targets).toEqual([]);
    expect(result.errors).toEqual([
      {
        annotation: 'mooring.dev/cluster',
        message: expect.stringContaining(
          "names cluster 'qa', which Mooring does not know; known clusters: 'dev', 'prod'",
        ),
      },
      {
        annotation: 'mooring.dev/path',
        message: expect.stringContaining('No path'),
      },
      {
        annotation: 'mooring.dev/repo',
        message:
          'mooring.dev/repo: Repository https://elsewhere.example.org/payments.git is not in gitops.allowedRepos',
      },
    ]);
  });

  it('rejects bad target lists and suffixes that name no listed target', () => {
    expect(
      parseGitopsAnnotations(
        component({ 'mooring.dev/targets': 'staging,Prod!,staging' }),
      ).errors.map(e => e.message),
    ).toEqual([
      expect.stringContaining(
        "lists 'Prod!', which is not a valid target name",
      ),
      expect.stringContaining("lists 'staging' twice"),
    ]);
    expect(
      parseGitopsAnnotations(component({ 'mooring.dev/targets': ' , ' }))
        .errors[0].message,
    ).toContain('is empty');

    const result = parseGitopsAnnotations(
      component({
        'mooring.dev/targets': 'prod',
        'mooring.dev/cluster': 'prod',
        'mooring.dev/path': 'deploy',
        'mooring.dev/repo': 'https://git.example.com/p.git',
        'mooring.dev/cluster.qa': 'dev',
      }),
      { clusters, checkRepo },
    );
    expect(result.errors).toEqual([
      {
        target: 'qa',
        annotation: 'mooring.dev/cluster.qa',
        message: expect.stringContaining("names target 'qa'"),
      },
    ]);
    expect(result.targets.map(t => t.target)).toEqual(['prod']);
  });

  it('rejects a suffix without mooring.dev/targets, bad flags and paths leaving the repo', () => {
    const result = parseGitopsAnnotations(
      component({
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': '../other',
        'mooring.dev/repo': 'https://git.example.com/p.git',
        'mooring.dev/path.prod': 'deploy',
        'mooring.dev/sync': 'always',
        'mooring.dev/prune': 'yes',
        'mooring.dev/namespace': 'Payments',
      }),
    );
    expect(result.targets).toEqual([]);
    expect(result.errors.map(e => e.annotation)).toEqual([
      'mooring.dev/path.prod',
      'mooring.dev/path',
      'mooring.dev/namespace',
      'mooring.dev/sync',
      'mooring.dev/prune',
    ]);
  });

  it('keeps good targets when another target is wrong', () => {
    const result = parseGitopsAnnotations(
      component({
        'mooring.dev/targets': 'staging,prod',
        'mooring.dev/repo': 'https://git.example.com/p.git',
        'mooring.dev/path': 'deploy',
        'mooring.dev/cluster.staging': 'dev',
      }),
      { clusters },
    );
    expect(result.targets.map(t => t.target)).toEqual(['staging']);
    expect(result.errors).toEqual([
      {
        target: 'prod',
        annotation: 'mooring.dev/cluster.prod',
        message: expect.stringContaining("No cluster for target 'prod'"),
      },
    ]);
  });

  it('ignores entities without Mooring annotations', () => {
    expect(parseGitopsAnnotations(component({}))).toEqual({
      targets: [],
      errors: [],
    });
  });
});

describe('isGitopsAvailable', () => {
  it('is true for any onboarding annotation, even a wrong one', () => {
    expect(isGitopsAvailable(component({ 'mooring.dev/cluster': 'x' }))).toBe(
      true,
    );
    expect(
      isGitopsAvailable(component({ 'mooring.dev/cluster.prod': 'x' })),
    ).toBe(true);
    expect(isGitopsAvailable(component({ 'mooring.dev/targets': 'a' }))).toBe(
      true,
    );
    expect(isGitopsAvailable(component({ 'mooring.dev/sync': 'auto' }))).toBe(
      false,
    );
    expect(isGitopsAvailable(component({}))).toBe(false);
  });
});

describe('parseGitopsAnnotations, Helm', () => {
  const base = {
    'mooring.dev/targets': 'staging,prod',
    'mooring.dev/cluster.staging': 'dev',
    'mooring.dev/cluster.prod': 'prod',
    'mooring.dev/path': 'chart',
    'mooring.dev/repo': 'https://git.example.com/payments.git',
  };

  it('reads values files and release name per target, in order', () => {
    const result = parseGitopsAnnotations(
      component({
        ...base,
        'mooring.dev/helm-values': 'values-common.yaml',
        'mooring.dev/helm-values.prod':
          ' values-common.yaml , env/values-prod.yaml,',
        'mooring.dev/helm-release.prod': 'payments',
      }),
      { clusters, checkRepo },
    );
    expect(result.errors).toEqual([]);
    expect(result.targets.map(t => [t.target, t.helm])).toEqual([
      ['staging', { valuesFiles: ['values-common.yaml'] }],
      [
        'prod',
        {
          valuesFiles: ['values-common.yaml', 'env/values-prod.yaml'],
          releaseName: 'payments',
        },
      ],
    ]);
  });

  it('leaves helm out when no Helm annotation is set', () => {
    const result = parseGitopsAnnotations(component(base), {
      clusters,
      checkRepo,
    });
    expect(result.targets.map(t => t.helm)).toEqual([undefined, undefined]);
  });

  it('refuses values files outside the chart and invalid release names', () => {
    const result = parseGitopsAnnotations(
      component({
        ...base,
        'mooring.dev/helm-values.staging': '../other/values.yaml',
        'mooring.dev/helm-values.prod': '/etc/passwd',
        'mooring.dev/helm-release': 'Payments_API',
        'mooring.dev/helm-release.qa': 'x',
      }),
      { clusters, checkRepo },
    );
    expect(result.targets).toEqual([]);
    expect(result.errors.map(e => e.message)).toEqual([
      "mooring.dev/helm-release.qa names target 'qa', which mooring.dev/targets ('staging,prod') does not list; add it there or fix the suffix",
      "mooring.dev/helm-values.staging lists '../other/values.yaml'; values files must be relative to the chart folder, inside the repository and without '..'",
      "mooring.dev/helm-release is 'Payments_API', which Helm does not accept as a release name; use at most 53 lower-case letters, digits, '-' and '.'",
      "mooring.dev/helm-values.prod lists '/etc/passwd'; values files must be relative to the chart folder, inside the repository and without '..'",
      "mooring.dev/helm-release is 'Payments_API', which Helm does not accept as a release name; use at most 53 lower-case letters, digits, '-' and '.'",
    ]);
  });
});

describe('applicationId', () => {
  it('is URL-safe, lower case and distinct per entity and target', () => {
    const id = applicationId('Component:Default/Payments.API_v2', 'prod');
    expect(id).toBe('component~default~payments.api_v2~prod');
    expect(encodeURIComponent(id)).toBe(id);
    expect(applicationId('component:payments', 'default')).toBe(
      'component~default~payments~default',
    );
    expect(applicationId('component:default/a', 'b-c')).not.toBe(
      applicationId('component:default/a-b', 'c'),
    );
    expect(() => applicationId('payments', 'prod')).toThrow(
      /expected an entity ref/,
    );
  });
});

describe('parseGitopsAnnotations, ignore differences', () => {
  const base = {
    'mooring.dev/targets': 'staging,prod',
    'mooring.dev/cluster': 'dev',
    'mooring.dev/path': 'deploy',
    'mooring.dev/repo': 'https://git.example.com/payments.git',
  };

  it('reads the rules per target, a suffixed list replacing the default one', () => {
    const result = parseGitopsAnnotations(
      component({
        ...base,
        'mooring.dev/ignore-differences':
          '[{"group":"apps","kind":"Deployment","jsonPointers":["/spec/replicas"]}]',
        'mooring.dev/ignore-differences.prod':
          '[{"kind":"*","managedFieldsManagers":["kube-controller-manager"]},{"group":"","kind":"ConfigMap","name":"settings","namespace":"payments","jsonPointers":["/data/a~1b"]}]',
      }),
      { clusters, checkRepo },
    );
    expect(result.errors).toEqual([]);
    expect(result.targets.map(t => [t.target, t.ignoreDifferences])).toEqual([
      [
        'staging',
        [
          {
            group: 'apps',
            kind: 'Deployment',
            jsonPointers: ['/spec/replicas'],
          },
        ],
      ],
      [
        'prod',
        [
          { kind: '*', managedFieldsManagers: ['kube-controller-manager'] },
          {
            group: '',
            kind: 'ConfigMap',
            name: 'settings',
            namespace: 'payments',
            jsonPointers: ['/data/a~1b'],
          },
        ],
      ],
    ]);
  });

  it('leaves the rules out when the annotation is not set', () => {
    const result = parseGitopsAnnotations(component(base), { clusters });
    expect(result.targets.map(t => t.ignoreDifferences)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it('refuses bad JSON, rules without kind, bad pointers and unknown keys, naming the target and annotation', () => {
    const result = parseGitopsAnnotations(
      component({
        ...base,
        'mooring.dev/ignore-differences.staging': '[{"kind":"Deployment",',
        'mooring.dev/ignore-differences.prod': JSON.stringify([
          { jsonPointers: ['/spec/replicas'] },
          { kind: 'Deployment', jsonPointers: ['spec/replicas'] },
          { kind: 'Deployment', jqPathExpressions: ['.spec.replicas'] },
          { kind: 'Service', jsonPointers: ['/metadata/name'] },
        ]),
      }),
      { clusters, checkRepo },
    );
    expect(result.targets).toEqual([]);
    expect(result.errors).toEqual([
      {
        target: 'staging',
        annotation: 'mooring.dev/ignore-differences.staging',
        message: expect.stringMatching(
          /^mooring\.dev\/ignore-differences\.staging for target 'staging' is not valid JSON \(.+\); write a list such as/,
        ),
      },
      ...[
        'rule 1 has no kind; name one such as "Deployment", or "*" for every kind',
        "rule 2 (kind Deployment): 'spec/replicas' is not a JSON pointer; it must start with '/', e.g. '/spec/replicas'",
        'rule 3: jqPathExpressions is not supported; use jsonPointers (e.g. "/spec/replicas") or managedFieldsManagers',
        'rule 3 (kind Deployment) ignores nothing; give jsonPointers (e.g. ["/spec/replicas"]) or managedFieldsManagers (e.g. ["kube-controller-manager"])',
        "rule 4 (kind Service): the pointer '/metadata/name' would ignore metadata.name, which names the object; point at a field inside it, e.g. '/spec/replicas'",
      ].map(problem => ({
        target: 'prod',
        annotation: 'mooring.dev/ignore-differences.prod',
        message: `mooring.dev/ignore-differences.prod for target 'prod': ${problem}`,
      })),
    ]);
  });

  it('refuses a suffix naming no target, like every key', () => {
    const result = parseGitopsAnnotations(
      component({
        ...base,
        'mooring.dev/ignore-differences.qa': '[]',
      }),
      { clusters },
    );
    expect(result.errors.map(e => e.annotation)).toEqual([
      'mooring.dev/ignore-differences.qa',
    ]);
  });
});
