import {
  applyMessage,
  applyPath,
  decoderMessage,
  decoderPath,
  findFieldProblems,
} from './fieldValidation';

const deploymentType = { group: 'apps', version: 'v1', kind: 'Deployment' };
const ctx = { kind: 'Deployment' };

function deployment(container: Record<string, unknown>, spec = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx', ...container }] },
      },
      ...spec,
    },
  };
}

describe('findFieldProblems', () => {
  it('accepts a full Deployment, nulls, int-or-strings and quantities', () => {
    const full = deployment(
      {
        imagePullPolicy: 'Always',
        args: ['--port', '8080'],
        ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
        env: [
          { name: 'A', value: '1' },
          {
            name: 'B',
            valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
          },
        ],
        resources: { limits: { cpu: 1, memory: '128Mi' }, requests: {} },
        readinessProbe: { httpGet: { path: '/', port: 'http' } },
        livenessProbe: { tcpSocket: { port: 8080 } },
      },
      {
        replicas: 3,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 },
        },
      },
    );
    (full.metadata as any).creationTimestamp = null;
    expect(findFieldProblems(deploymentType, full)).toEqual([]);
  });

  it('finds nested unknown fields, with the decoder’s and server-side apply’s paths', () => {
    const typo = deployment({
      imagePullPolcy: 'Always',
      ports: [{ containerPort: 80, hostPrt: 80 }],
      env: [{ name: 'A', vaule: '1' }],
    });
    const problems = findFieldProblems(deploymentType, typo);
    expect(problems.map(p => decoderPath(p.path))).toEqual([
      'spec.template.spec.containers[0].imagePullPolcy',
      'spec.template.spec.containers[0].ports[0].hostPrt',
      'spec.template.spec.containers[0].env[0].vaule',
    ]);
    expect(problems.map(p => applyPath(p.path, ctx))).toEqual([
      '.spec.template.spec.containers[name="web"].imagePullPolcy',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].hostPrt',
      '.spec.template.spec.containers[name="web"].env[name="A"].vaule',
    ]);
    expect(decoderMessage(problems[0])).toBe(
      'unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    );
    expect(applyMessage(problems.slice(0, 1), ctx)).toBe(
      '.spec.template.spec.containers[name="web"].imagePullPolcy: field not declared in schema',
    );
    expect(applyMessage(problems.slice(0, 2), ctx)).toBe(
      [
        'errors:',
        '  .spec.template.spec.containers[name="web"].imagePullPolcy: field not declared in schema',
        '  .spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].hostPrt: field not declared in schema',
      ].join('\n'),
    );
  });

  it('checks only metadata (as ObjectMeta) of a custom resource whose CRD has no schema', () => {
    const problems = findFieldProblems(
      { group: 'example.com', version: 'v1', kind: 'Widget', custom: true },
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w', lables: {} },
        spec: { anything: true },
      },
    );
    expect(problems.map(p => decoderPath(p.path))).toEqual(['metadata.lables']);
  });

  it('prunes what it reports when asked, and stops at the first per object for apply', () => {
    const typo = deployment({ imagePullPolcy: 'Always', tty: true, stdinn: 1 });
    const first = findFieldProblems(deploymentType, typo, {
      firstUnknownPerObject: true,
    });
    expect(first.map(p => decoderPath(p.path))).toEqual([
      'spec.template.spec.containers[0].imagePullPolcy',
    ]);
    findFieldProblems(deploymentType, typo, { prune: true });
    expect(typo.spec.template.spec.containers[0]).toEqual({
      name: 'web',
      image: 'nginx',
      tty: true,
    });
    expect(findFieldProblems(deploymentType, typo)).toEqual([]);
  });

  it('refuses values of the wrong type in the API server’s words', () => {
    const cases: Array<[unknown, string, string]> = [
      [
        deployment({}, { replicas: '3' }),
        'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
        '.spec.replicas: expected numeric (int or float), got string',
      ],
      [
        deployment({}, { replicas: 1.5 }),
        'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
        '.spec.replicas: json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
      ],
      [
        deployment({ image: 42 }),
        'json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string',
        '.spec.template.spec.containers[name="web"].image: expected string, got &value.valueUnstructured{Value:42}',
      ],
      [
        deployment({ tty: 'yes' }),
        'json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers.tty of type bool',
        '.spec.template.spec.containers[name="web"].tty: expected boolean, got &{yes}',
      ],
      [
        deployment({ env: { A: '1' } }),
        'json: cannot unmarshal object into Go struct field Container.spec.template.spec.containers.env of type []v1.EnvVar',
        '.spec.template.spec.containers[name="web"].env: expected list, got &{map[A:1]}',
      ],
      [
        deployment({ resources: { limits: { cpu: 'lots' } } }),
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        '.spec.template.spec.containers[name="web"].resources.limits.cpu: expected any scalar, got &{lots}',
      ],
      [
        {
          ...deployment({}),
          metadata: { name: 'web', labels: { tier: 1 } },
        },
        'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
        '.metadata.labels.tier: expected string, got &value.valueUnstructured{Value:1}',
      ],
    ];
    for (const [object, decoder, apply] of cases) {
      const problems = findFieldProblems(deploymentType, object);
      expect(problems).toHaveLength(1);
      expect(decoderMessage(problems[0])).toBe(decoder);
      expect(applyMessage(problems, ctx)).toBe(apply);
    }
  });

  it('keeps what a schema preserves: a CRD’s schema values and defaults', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                'x-kubernetes-preserve-unknown-fields': true,
                properties: {
                  spec: {
                    type: 'object',
                    default: { size: 1, nested: { any: ['thing'] } },
                    properties: { size: { type: 'integer', enum: [1, 2] } },
                  },
                },
              },
            },
          },
        ],
      },
    };
    expect(
      findFieldProblems(
        {
          group: 'apiextensions.k8s.io',
          version: 'v1',
          kind: 'CustomResourceDefinition',
        },
        crd,
      ),
    ).toEqual([]);
  });
});
