import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { parse } from 'yaml';
import type { KubeObject } from '../kube/kubeObject';
import {
  ignoreRulesFor,
  readIgnoreDifferencesConfig,
  ruleMatches,
  withoutIgnoredFields,
} from './ignoreRules';
import type { IgnoreDifferenceRule } from './types';

function fixture(name: string): KubeObject {
  return parse(
    fs.readFileSync(
      path.join(__dirname, '../diff/testdata', `${name}.yaml`),
      'utf8',
    ),
  );
}

/** Frozen all the way down: any change to an input throws. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

const desired = frozen(fixture('deployment-hpa-desired'));
const live = frozen(fixture('deployment-hpa-live'));

/** The live object as if nobody recorded who owns what. */
const unowned = frozen({
  ...live,
  metadata: { ...live.metadata, managedFields: [] },
});

const deployment = (
  jsonPointers: string[],
  extra: Partial<IgnoreDifferenceRule> = {},
): IgnoreDifferenceRule[] => [
  { group: 'apps', kind: 'Deployment', jsonPointers, ...extra },
];

/** The desired object with some changes made to a copy. */
function desiredWith(change: (copy: any) => void): KubeObject {
  const copy = structuredClone(desired);
  change(copy);
  return copy;
}

describe('ruleMatches', () => {
  const configMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'shop' },
  };

  it('matches group (absent or * any, empty the core group), kind, name and namespace', () => {
    expect(ruleMatches({ kind: 'Deployment' }, desired)).toBe(true);
    expect(ruleMatches({ group: '*', kind: '*' }, desired)).toBe(true);
    expect(ruleMatches({ group: 'apps', kind: 'Deployment' }, desired)).toBe(
      true,
    );
    expect(ruleMatches({ group: '', kind: 'Deployment' }, desired)).toBe(false);
    expect(ruleMatches({ group: '', kind: 'ConfigMap' }, configMap)).toBe(true);
    expect(ruleMatches({ group: 'apps', kind: '*' }, configMap)).toBe(false);
    expect(ruleMatches({ kind: 'StatefulSet' }, desired)).toBe(false);
    expect(ruleMatches({ kind: '*', name: 'web' }, desired)).toBe(true);
    expect(ruleMatches({ kind: '*', name: 'api' }, desired)).toBe(false);
    expect(ruleMatches({ kind: '*', namespace: 'shop' }, desired)).toBe(true);
    expect(ruleMatches({ kind: '*', namespace: 'other' }, desired)).toBe(false);
  });
});

describe('withoutIgnoredFields, JSON pointers', () => {
  it('leaves out a field another manager owns, changing nothing else', () => {
    const result: any = withoutIgnoredFields(
      desired,
      live,
      deployment(['/spec/replicas']),
    );
    expect(result.spec.replicas).toBeUndefined();
    expect(result).toEqual(
      desiredWith(copy => {
        delete copy.spec.replicas;
      }),
    );
  });

  it('returns the desired object itself when nothing applies', () => {
    const rules = deployment(['/spec/replicas']);
    expect(withoutIgnoredFields(desired, live, [])).toBe(desired);
    expect(withoutIgnoredFields(desired, live, undefined)).toBe(desired);
    expect(
      withoutIgnoredFields(desired, live, [{ ...rules[0], kind: 'Job' }]),
    ).toBe(desired);
    expect(
      withoutIgnoredFields(desired, live, deployment(['/spec/paused'])),
    ).toBe(desired);
    expect(
      withoutIgnoredFields(
        desired,
        live,
        deployment(['/spec/template/spec/containers/0/env/7', '/spec/x/y']),
      ),
    ).toBe(desired);
  });

  it('creates an object that does not exist yet as Git has it', () => {
    expect(
      withoutIgnoredFields(desired, undefined, deployment(['/spec/replicas'])),
    ).toBe(desired);
  });

  it('keeps the live value of a field only Mooring owns, so the server does not delete it', () => {
    // Mooring applied replicas 2 and nobody else wrote them; Git now says 4.
    const ownedByMooring = frozen({
      ...live,
      spec: { ...(live.spec as object), replicas: 2 },
      metadata: {
        ...live.metadata,
        managedFields: [
          {
            manager: 'mooring',
            operation: 'Apply',
            apiVersion: 'apps/v1',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          },
        ],
      },
    });
    const four = desiredWith(copy => {
      copy.spec.replicas = 4;
    });
    const result: any = withoutIgnoredFields(
      four,
      ownedByMooring,
      deployment(['/spec/replicas']),
    );
    expect(result.spec.replicas).toBe(2);
    // Equal to the live value already: nothing to change.
    expect(
      withoutIgnoredFields(
        desired,
        ownedByMooring,
        deployment(['/spec/replicas']),
      ),
    ).toBe(desired);
  });

  it('unescapes ~1 and ~0 in keys', () => {
    const withTilde = desiredWith(copy => {
      copy.metadata.annotations['a~b'] = 'x';
    });
    const result: any = withoutIgnoredFields(
      withTilde,
      unowned,
      deployment([
        '/metadata/annotations/team.example.com~1on-call',
        '/metadata/annotations/a~0b',
      ]),
    );
    expect(result.metadata.annotations).toEqual({
      'mooring.dev/tracking-id': 'shop:apps/Deployment:shop/web',
    });
  });

  it('removes list items by index, several from one list, and what they leave empty', () => {
    const result: any = withoutIgnoredFields(
      desired,
      unowned,
      deployment([
        '/spec/template/spec/containers/0/env/0',
        '/spec/template/spec/containers/0/env/1',
        '/metadata/finalizers/0',
      ]),
    );
    expect(result.spec.template.spec.containers[0]).toEqual({
      name: 'web',
      image: 'nginx:1.27',
      ports: [{ containerPort: 8080 }],
    });
    expect(result.metadata.finalizers).toBeUndefined();
    // Named twice, or inside a place already named: removed once.
    const once: any = withoutIgnoredFields(desired, unowned, [
      ...deployment(['/spec/template/spec/containers/0/env/0']),
      ...deployment([
        '/spec/template/spec/containers/0/env/0',
        '/spec/template/spec/containers/0/env/0/value',
      ]),
    ]);
    expect(once.spec.template.spec.containers[0].env).toEqual([
      { name: 'PROXY', value: 'direct' },
    ]);
    const second: any = withoutIgnoredFields(
      desired,
      unowned,
      deployment(['/spec/template/spec/containers/0/env/1']),
    );
    expect(second.spec.template.spec.containers[0].env).toEqual([
      { name: 'MODE', value: 'fast' },
    ]);
    // Not array indexes: '-', leading zeros, words.
    expect(
      withoutIgnoredFields(
        desired,
        unowned,
        deployment([
          '/spec/template/spec/containers/-',
          '/spec/template/spec/containers/00',
          '/spec/template/spec/containers/web',
        ]),
      ),
    ).toBe(desired);
  });

  it('in a map Mooring shares with another manager, leaves out only what the other owns', () => {
    // env PROXY: Mooring owns its name, sidecar-injector its value.
    const result: any = withoutIgnoredFields(
      desired,
      live,
      deployment(['/spec/template/spec/containers/0/env/1']),
    );
    expect(result.spec.template.spec.containers[0].env).toEqual([
      { name: 'MODE', value: 'fast' },
      { name: 'PROXY' },
    ]);
  });

  it('never removes what names the object or its tracking id', () => {
    expect(
      withoutIgnoredFields(
        desired,
        unowned,
        deployment([
          '/metadata/name',
          '/metadata/namespace',
          '/kind',
          '/apiVersion',
          '/metadata/annotations/mooring.dev~1tracking-id',
        ]),
      ),
    ).toBe(desired);
    const result: any = withoutIgnoredFields(
      desired,
      unowned,
      deployment(['/metadata/annotations', '/metadata/labels']),
    );
    expect(result.metadata).toEqual({
      name: 'web',
      namespace: 'shop',
      annotations: {
        'mooring.dev/tracking-id': 'shop:apps/Deployment:shop/web',
      },
      finalizers: ['example.com/keep'],
    });
  });
});

describe('withoutIgnoredFields, managedFieldsManagers', () => {
  it("takes the trusted manager's fields from the live object where they differ", () => {
    const result = withoutIgnoredFields(desired, live, [
      { kind: '*', managedFieldsManagers: ['kube-controller-manager'] },
    ]);
    expect(result).toEqual(
      desiredWith(copy => {
        delete copy.spec.replicas;
      }),
    );
  });

  it('finds list items by key: a value inside an env entry of a container', () => {
    const result: any = withoutIgnoredFields(desired, live, [
      { kind: 'Deployment', managedFieldsManagers: ['sidecar-injector'] },
    ]);
    expect(result).toEqual(
      desiredWith(copy => {
        delete copy.spec.template.spec.containers[0].env[1].value;
      }),
    );
  });

  it('keeps what the manager owns with the same value, and what only Mooring owns', () => {
    const shared = frozen({
      ...live,
      metadata: {
        ...live.metadata,
        managedFields: [
          {
            manager: 'finalizer-bot',
            operation: 'Apply',
            apiVersion: 'apps/v1',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:metadata': { 'f:finalizers': { 'v:"example.com/keep"': {} } },
              'f:spec': {
                'f:template': {
                  'f:spec': {
                    'f:containers': {
                      'k:{"name":"web"}': {
                        'f:image': {},
                        'f:ports': {
                          'k:{"containerPort":8080,"protocol":"TCP"}': {
                            'f:containerPort': {},
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    });
    expect(
      withoutIgnoredFields(desired, shared, [
        { kind: '*', managedFieldsManagers: ['finalizer-bot'] },
      ]),
    ).toBe(desired);
    expect(
      withoutIgnoredFields(desired, live, [
        { kind: '*', managedFieldsManagers: ['mooring'] },
      ]),
    ).toBe(desired);
  });

  it("never takes the tracking id from another manager's value", () => {
    const foreign = frozen({
      ...live,
      metadata: {
        ...live.metadata,
        annotations: {
          ...live.metadata.annotations,
          'mooring.dev/tracking-id': 'other:apps/Deployment:shop/web',
        },
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Update',
            apiVersion: 'apps/v1',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:metadata': {
                'f:annotations': { 'f:mooring.dev/tracking-id': {} },
              },
            },
          },
        ],
      },
    });
    expect(
      withoutIgnoredFields(desired, foreign, [
        { kind: '*', managedFieldsManagers: ['kubectl'] },
      ]),
    ).toBe(desired);
  });

  it('uses pointers and managers of every matching rule together', () => {
    const result: any = withoutIgnoredFields(desired, live, [
      { kind: 'Deployment', managedFieldsManagers: ['sidecar-injector'] },
      { kind: 'ConfigMap', jsonPointers: ['/spec/selector'] },
      { group: 'apps', kind: '*', jsonPointers: ['/spec/replicas'] },
    ]);
    expect(result.spec.replicas).toBeUndefined();
    expect(result.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(result.spec.template.spec.containers[0].env[1]).toEqual({
      name: 'PROXY',
    });
  });
});

describe('the rules of an application', () => {
  it("are the config's first, then the component's", () => {
    const global: IgnoreDifferenceRule = {
      kind: '*',
      managedFieldsManagers: ['kube-controller-manager'],
    };
    const own: IgnoreDifferenceRule = {
      kind: 'Deployment',
      jsonPointers: ['/spec/replicas'],
    };
    expect(
      ignoreRulesFor(
        { ignoreDifferences: [global] },
        { ignoreDifferences: [own] },
      ),
    ).toEqual([global, own]);
    expect(ignoreRulesFor({ ignoreDifferences: [global] }, {})).toEqual([
      global,
    ]);
  });

  it('are read from gitops.ignoreDifferences, and a bad list is refused saying why', () => {
    const rules = [{ kind: 'Deployment', jsonPointers: ['/spec/replicas'] }];
    expect(
      readIgnoreDifferencesConfig(
        new ConfigReader({ gitops: { ignoreDifferences: rules } }),
      ),
    ).toEqual(rules);
    expect(readIgnoreDifferencesConfig(new ConfigReader({}))).toEqual([]);
    expect(() =>
      readIgnoreDifferencesConfig(
        new ConfigReader({
          gitops: { ignoreDifferences: [{ jsonPointers: ['spec'] }] },
        }),
      ),
    ).toThrow(
      "gitops.ignoreDifferences is not valid: rule 1 has no kind; name one such as \"Deployment\", or \"*\" for every kind; rule 1: 'spec' is not a JSON pointer; it must start with '/', e.g. '/spec/replicas'",
    );
  });
});
