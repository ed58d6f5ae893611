import {
  parseJsonPointer,
  readIgnoreDifferenceRules,
} from './ignoreDifferences';

describe('parseJsonPointer', () => {
  it('splits and unescapes as RFC 6901 says, ~01 being ~1', () => {
    expect(parseJsonPointer('/spec/replicas')).toEqual(['spec', 'replicas']);
    expect(parseJsonPointer('/metadata/annotations/example.com~1a~0b')).toEqual(
      ['metadata', 'annotations', 'example.com/a~b'],
    );
    expect(parseJsonPointer('/a/~01')).toEqual(['a', '~1']);
    expect(parseJsonPointer('/spec/containers/0/image')).toEqual([
      'spec',
      'containers',
      '0',
      'image',
    ]);
    expect(parseJsonPointer('/')).toEqual(['']);
    expect(parseJsonPointer('')).toEqual([]);
  });

  it('refuses what is not a pointer', () => {
    expect(() => parseJsonPointer('spec/replicas')).toThrow(
      /must start with '\/'/,
    );
    expect(() => parseJsonPointer('/a~2b')).toThrow(/'~' must be followed/);
    expect(() => parseJsonPointer('/a~')).toThrow(/'~' must be followed/);
  });
});

describe('readIgnoreDifferenceRules', () => {
  it('keeps good rules as they are written', () => {
    const rules = [
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
      { kind: '*', managedFieldsManagers: ['kube-controller-manager'] },
    ];
    expect(readIgnoreDifferenceRules(rules)).toEqual({ rules, problems: [] });
  });

  it('refuses what is not a list of rule objects', () => {
    expect(readIgnoreDifferenceRules({ kind: 'Deployment' }).problems).toEqual([
      expect.stringMatching(/^expected a list of rules .*, got an object$/),
    ]);
    expect(readIgnoreDifferenceRules(['x']).problems).toEqual([
      `rule 1 is string "x"; each rule is an object with a kind and jsonPointers or managedFieldsManagers`,
    ]);
  });

  it('caps the number of rules, pointers and managers', () => {
    const rule = { kind: 'Deployment', jsonPointers: ['/spec/replicas'] };
    expect(readIgnoreDifferenceRules(Array(50).fill(rule)).problems).toEqual(
      [],
    );
    expect(readIgnoreDifferenceRules(Array(51).fill(rule))).toEqual({
      rules: [],
      problems: [expect.stringContaining('lists 51 rules; at most 50')],
    });
    const pointers = Array.from({ length: 51 }, (_, i) => `/data/k${i}`);
    expect(
      readIgnoreDifferenceRules([{ kind: 'ConfigMap', jsonPointers: pointers }])
        .problems,
    ).toEqual([
      'rule 1 (kind ConfigMap): jsonPointers lists 51 entries; at most 50 are allowed',
      expect.stringContaining('ignores nothing'),
    ]);
    const managers = Array.from({ length: 21 }, (_, i) => `m${i}`);
    expect(
      readIgnoreDifferenceRules([
        { kind: '*', managedFieldsManagers: managers },
      ]).problems,
    ).toEqual([
      'rule 1 (kind *): managedFieldsManagers lists 21 entries; at most 20 are allowed',
      expect.stringContaining('ignores nothing'),
    ]);
  });

  it('never ignores what names the object, nor what Mooring itself applies', () => {
    const problems = readIgnoreDifferenceRules([
      {
        kind: '*',
        jsonPointers: [
          '/apiVersion',
          '/kind',
          '/metadata',
          '/metadata/namespace',
        ],
      },
      { kind: '*', managedFieldsManagers: ['mooring'] },
      { kind: '*', jsonPointers: ['/metadata/labels', '/metadata/name/x'] },
    ]).problems;
    expect(problems).toEqual([
      expect.stringContaining("'/apiVersion' would ignore apiVersion"),
      expect.stringContaining("'/kind' would ignore kind"),
      expect.stringContaining("'/metadata' would ignore metadata.name"),
      expect.stringContaining(
        "'/metadata/namespace' would ignore metadata.namespace",
      ),
      "rule 2 (kind *): managedFieldsManagers lists 'mooring', Mooring's own field manager; that would ignore every field Mooring applies",
    ]);
  });

  it('names wrongly typed and unknown keys', () => {
    expect(
      readIgnoreDifferenceRules([
        {
          kind: 'Deployment',
          group: 1,
          name: '',
          jsonPointers: '/spec/replicas',
          manager: 'hpa',
        },
      ]).problems,
    ).toEqual([
      "rule 1 has an unknown key 'manager'; a rule may have group, kind, name, namespace, jsonPointers, managedFieldsManagers",
      'rule 1 (kind Deployment): group must be a string',
      'rule 1 (kind Deployment): name is empty; leave it out to match any',
      'rule 1 (kind Deployment): jsonPointers must be a list of non-empty strings',
      expect.stringContaining('ignores nothing'),
    ]);
  });
});
